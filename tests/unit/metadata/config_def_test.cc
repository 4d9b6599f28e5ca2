// Every config key's bounds, from the one definition each key has: the topic keys and the broker
// keys that supply their defaults (log.segment.bytes for segment.bytes) accept and refuse the same
// values, and the message names the key asked about.
#include "metadata/config_def.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "metadata/controller.h"
#include "metadata/dynamic_broker_config.h"
#include "metadata/topic_config.h"

namespace eddy::metadata {
namespace {

bool numeric(const ConfigDef& d) {
  return d.type == ConfigType::kInt || d.type == ConfigType::kShort || d.type == ConfigType::kLong;
}

TEST(ConfigDefTest, EveryNumericTopicKeyAcceptsItsBoundsAndRefusesOneBeyond) {
  std::vector<const ConfigDef*> defs;
  for (const TopicConfigDef& t : topic_config_defs()) {
    defs.push_back(&t.def);
    // The throttled-replica lists have no broker synonym.
    if (!t.broker_synonym.empty()) defs.push_back(find_broker_synonym_config(t.broker_synonym));
  }
  for (const ConfigDef& d : dynamic_broker_only_config_defs()) defs.push_back(&d);
  for (const ConfigDef* d : defs) {
    ASSERT_NE(d, nullptr);
    if (!numeric(*d)) continue;
    auto [lo, hi] = numeric_range(*d);
    EXPECT_TRUE(validate_config_value(*d, std::to_string(lo)).is_ok()) << d->name << " " << lo;
    EXPECT_TRUE(validate_config_value(*d, std::to_string(hi)).is_ok()) << d->name << " " << hi;
    if (lo != std::numeric_limits<int64_t>::min()) {
      Status below = validate_config_value(*d, std::to_string(lo - 1));
      EXPECT_FALSE(below.is_ok()) << d->name;
      std::string quoted = "'";
      quoted += d->name;
      quoted += "'";
      EXPECT_NE(below.message().find(quoted), std::string::npos) << below.message();
    }
    if (hi != std::numeric_limits<int64_t>::max()) {
      EXPECT_FALSE(validate_config_value(*d, std::to_string(hi + 1)).is_ok()) << d->name;
    }
  }
}

TEST(ConfigDefTest, BrokerSynonymsShareTheTopicKeysBounds) {
  size_t with_synonym = 0;
  for (const TopicConfigDef& t : topic_config_defs()) with_synonym += !t.broker_synonym.empty();
  ASSERT_EQ(broker_synonym_config_defs().size(), with_synonym);
  for (const TopicConfigDef& t : topic_config_defs()) {
    if (t.broker_synonym.empty()) continue;
    const ConfigDef* b = find_broker_synonym_config(t.broker_synonym);
    ASSERT_NE(b, nullptr) << t.broker_synonym;
    EXPECT_EQ(b->name, t.broker_synonym);
    EXPECT_EQ(b->type, t.def.type) << b->name;
    EXPECT_EQ(b->min, t.def.min) << b->name;
    EXPECT_EQ(b->max, t.def.max) << b->name;
    EXPECT_EQ(b->allowed, t.def.allowed) << b->name;
  }
}

// The log needs a segment to hold batches (segment.bytes >= 61), an index to hold one entry
// (segment.index.bytes >= 8) and retention.bytes >= -1; Kafka's floor for segment.bytes is 1 MiB.
TEST(ConfigDefTest, BoundsTheLogNeedsAreEnforced) {
  const ConfigDef& seg = find_topic_config("segment.bytes")->def;
  for (const char* v : {"14", "60", "61", "1048575"}) {
    EXPECT_FALSE(validate_config_value(seg, v).is_ok()) << v;
  }
  EXPECT_TRUE(validate_config_value(seg, "1048576").is_ok());
  EXPECT_FALSE(
      validate_config_value(*find_broker_synonym_config("log.segment.bytes"), "60").is_ok());
  EXPECT_FALSE(validate_config_value(find_topic_config("segment.index.bytes")->def, "4").is_ok());
  EXPECT_TRUE(validate_config_value(find_topic_config("segment.index.bytes")->def, "8").is_ok());
  EXPECT_FALSE(validate_config_value(find_topic_config("retention.bytes")->def, "-2").is_ok());
  EXPECT_TRUE(validate_config_value(find_topic_config("retention.bytes")->def, "-1").is_ok());
}

TEST(ConfigDefTest, ValidateTopicConfigsNamesTheBadKey) {
  Status s = validate_topic_configs({{"retention.ms", "1000"}, {"segment.bytes", "60"}});
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("'segment.bytes'"), std::string::npos) << s.message();
}

TEST(ConfigDefTest, AlterBrokerConfigsRefusesWhatTheTopicKeyRefusesNamingTheBrokerKey) {
  Controller controller(ControllerDefaults{});
  MetadataImage image;
  pb::MetadataBatch out;
  ControllerResult r = controller.alter_broker_configs(
      image, "", {{"log.segment.bytes", ConfigChange::Op::kSet, "60"}}, false, &out);
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_NE(r.message.find("'log.segment.bytes'"), std::string::npos) << r.message;
  EXPECT_EQ(out.records_size(), 0);
  r = controller.alter_broker_configs(
      image, "", {{"log.segment.bytes", ConfigChange::Op::kSet, "1048576"}}, false, &out);
  EXPECT_TRUE(r.ok()) << r.message;
}

// Deleting a key Eddy does not know changes nothing and succeeds (it can never have been set),
// as Kafka validates the resulting configs; kafka-reassign-partitions --verify deletes
// replica.alter.log.dirs.io.max.bytes.per.second with the replication throttle rates. Setting one
// is still refused, naming it.
TEST(ConfigDefTest, DeletingAnUnknownKeyIsANoOpButSettingOneIsRefused) {
  Controller controller(ControllerDefaults{});
  MetadataImage image;
  pb::MetadataBatch out;
  const std::string unknown = "replica.alter.log.dirs.io.max.bytes.per.second";
  ControllerResult r = controller.alter_broker_configs(
      image, "", {{unknown, ConfigChange::Op::kDelete, ""}}, false, &out);
  EXPECT_TRUE(r.ok()) << r.message;
  r = controller.alter_broker_configs(image, "", {{unknown, ConfigChange::Op::kSet, "1000"}}, false,
                                      &out);
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_NE(r.message.find("'" + unknown + "'"), std::string::npos) << r.message;
}

// The replication throttle rates are dynamic broker keys (Kafka's DynamicConfig.Broker): longs of
// at least 0, refused otherwise with the key named.
TEST(ConfigDefTest, ReplicationThrottleRatesAreDynamicBrokerKeys) {
  Controller controller(ControllerDefaults{});
  MetadataImage image;
  pb::MetadataBatch out;
  EXPECT_NE(dynamic_broker_config("follower.replication.throttled.rate"), nullptr);
  ControllerResult r = controller.alter_broker_configs(
      image, "", {{"leader.replication.throttled.rate", ConfigChange::Op::kSet, "1000"}}, false,
      &out);
  EXPECT_TRUE(r.ok()) << r.message;
  r = controller.alter_broker_configs(
      image, "", {{"follower.replication.throttled.rate", ConfigChange::Op::kSet, "-1"}}, false,
      &out);
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_NE(r.message.find("'follower.replication.throttled.rate'"), std::string::npos)
      << r.message;
}

// A value stored before a bound was tightened (a metadata log written by an older eddyd) never
// reaches a partition log: resolution passes over it to the broker value, then the default.
TEST(ConfigDefTest, ResolutionPassesOverStoredValuesTheDefinitionRefuses) {
  BrokerValueLookup broker = [](std::string_view key) -> std::optional<ResolvedValue> {
    if (key == "log.segment.bytes") return ResolvedValue{"20", ConfigSource::kDynamicBroker};
    if (key == "log.retention.ms") return ResolvedValue{"5000", ConfigSource::kDynamicBroker};
    return std::nullopt;
  };
  TopicConfig c = resolve_topic_config({{"segment.bytes", "60"}, {"retention.ms", "-7"}}, broker);
  EXPECT_EQ(c.segment_bytes, 1073741824);
  EXPECT_EQ(c.retention_ms, 5000);
  ResolvedValue v =
      resolve_topic_value(*find_topic_config("segment.bytes"), {{"segment.bytes", "60"}}, broker);
  EXPECT_EQ(v.source, ConfigSource::kDefault);
}

}  // namespace
}  // namespace eddy::metadata
