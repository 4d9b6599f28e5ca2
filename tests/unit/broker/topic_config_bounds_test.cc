// Whatever value a topic key's definition accepts, the partition log accepts the configuration it
// resolves to: a client can never configure a topic (or, through the broker synonyms, every new
// topic) into a log that refuses to open.
#include <gtest/gtest.h>

#include <string>

#include "broker/broker_context.h"
#include "broker/replica/replica_types.h"
#include "log/log_config.h"
#include "metadata/topic_config.h"

namespace eddy::broker {
namespace {

TEST(TopicConfigBoundsTest, EveryAcceptedExtremeResolvesToAValidLogConfig) {
  BrokerConfig config = BrokerConfig::defaults();
  BrokerContext ctx;
  ctx.config = &config;
  ctx.node_id = 1;
  metadata::MetadataImage image;
  for (const auto& t : metadata::topic_config_defs()) {
    const metadata::ConfigDef& d = t.def;
    if (d.type != metadata::ConfigType::kInt && d.type != metadata::ConfigType::kLong) continue;
    auto [lo, hi] = metadata::numeric_range(d);
    for (int64_t v : {lo, hi}) {
      std::string value = std::to_string(v);
      ASSERT_TRUE(metadata::validate_config_value(d, value).is_ok()) << d.name << "=" << value;
      metadata::TopicImage topic;
      topic.name = "t";
      topic.configs[std::string(d.name)] = value;
      PartitionSettings s = ctx.partition_settings(image, topic);
      Status ok = s.log_config.validate();
      EXPECT_TRUE(ok.is_ok()) << d.name << "=" << value << ": " << ok.message();
    }
  }
}

}  // namespace
}  // namespace eddy::broker
