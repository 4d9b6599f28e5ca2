// A Kafka broker configuration carries over (issue 20): server.properties files, Kafka's
// time-unit variants of the log keys, and Kafka keys without an Eddy meaning warned about and
// ignored, while a key neither Kafka nor Eddy knows still stops start-up.

#include "broker/config/kafka_compat.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "../../testing/temp_dir.h"
#include "broker/config/broker_config.h"

namespace eddy::broker {
namespace {

TEST(Properties, ParsesSeparatorsCommentsContinuationsAndEscapes) {
  auto p = parse_properties(
      "# a comment\n"
      "! another\n"
      "\n"
      "node.id=3\n"
      "  num.partitions : 4\n"
      "log.dirs /a,\\\n"
      "    /b\n"
      "key\\=with\\:seps=v\\u00e9\\tx\r\n"
      "node.id=5\n"
      "empty=\n");
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->at("node.id"), "5");  // the later wins
  EXPECT_EQ(p->at("num.partitions"), "4");
  EXPECT_EQ(p->at("log.dirs"), "/a,/b");
  EXPECT_EQ(p->at("key=with:seps"), "v\xc3\xa9\tx");
  EXPECT_EQ(p->at("empty"), "");
  EXPECT_EQ(p->size(), 5u);
  EXPECT_FALSE(parse_properties("k=\\u12").is_ok());
}

TEST(Properties, TellsPropertiesFromYaml) {
  EXPECT_TRUE(looks_like_properties("# Kafka\nbroker.id=0\nlog.dirs=/tmp/k\n"));
  EXPECT_FALSE(looks_like_properties("# Eddy\nnode.id: 1\nlisteners: PLAINTEXT://a:1\n"));
  EXPECT_FALSE(looks_like_properties("log:\n  dirs: [a=b]\n"));
  EXPECT_FALSE(looks_like_properties(""));
}

TEST(KafkaCompat, ServerPropertiesFileLoads) {
  testing::TempDir dir;
  std::string path = dir.path() + "/server.properties";
  std::ofstream(path) << "node.id=2\n"
                         "process.roles=broker,controller\n"
                         "listeners=PLAINTEXT://127.0.0.1:9093\n"
                         "log.dirs=" +
                             dir.path() +
                             "/logs\n"
                             "num.network.threads=3\n"
                             "num.io.threads=8\n"
                             "socket.send.buffer.bytes=102400\n"
                             "log.retention.hours=168\n"
                             "log.segment.bytes=1073741824\n";
  auto c = BrokerConfig::load(path, {});
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->node_id(), 2);
  EXPECT_EQ(c->get_long("num.io.threads"), 8);
  EXPECT_EQ(c->get_long("log.retention.ms"), 168LL * 3600 * 1000);
  ASSERT_EQ(c->warnings().size(), 2u);
  EXPECT_NE(c->warnings()[0].find("'num.network.threads'"), std::string::npos);
  EXPECT_NE(c->warnings()[0].find("ignored"), std::string::npos);
  // The same text under another name is recognised by its first setting.
  std::string other = dir.path() + "/broker.conf";
  std::ofstream(other) << "# comment\nnode.id=4\nlog.dirs=" + dir.path() + "/l\n";
  auto c2 = BrokerConfig::load(other, {});
  ASSERT_TRUE(c2.is_ok()) << c2.status().to_string();
  EXPECT_EQ(c2->node_id(), 4);
}

TEST(KafkaCompat, TimeUnitVariantsSetTheirTargetFinestWins) {
  auto hours = BrokerConfig::from_yaml("log.retention.hours: 2\nlog.roll.hours: 1\n", {});
  ASSERT_TRUE(hours.is_ok()) << hours.status().to_string();
  EXPECT_EQ(hours->get_long("log.retention.ms"), 7'200'000);
  EXPECT_EQ(hours->get_long("log.roll.ms"), 3'600'000);
  EXPECT_TRUE(hours->is_explicit("log.retention.ms"));
  auto minutes = BrokerConfig::from_yaml("log.retention.hours: 2\nlog.retention.minutes: 5\n", {});
  ASSERT_TRUE(minutes.is_ok());
  EXPECT_EQ(minutes->get_long("log.retention.ms"), 300'000);
  auto ms = BrokerConfig::from_yaml("log.retention.minutes: 5\n", {"log.retention.ms=1000"});
  ASSERT_TRUE(ms.is_ok());
  EXPECT_EQ(ms->get_long("log.retention.ms"), 1000);
  auto forever = BrokerConfig::from_yaml("log.retention.hours: -1\n", {});
  ASSERT_TRUE(forever.is_ok());
  EXPECT_EQ(forever->get_long("log.retention.ms"), -1);
  auto jitter = BrokerConfig::from_yaml("", {"log.roll.jitter.hours=1"});
  ASSERT_TRUE(jitter.is_ok());
  EXPECT_EQ(jitter->get_long("log.roll.jitter.ms"), 3'600'000);
  EXPECT_FALSE(BrokerConfig::from_yaml("log.roll.hours: 0\n", {}).is_ok());
  EXPECT_FALSE(BrokerConfig::from_yaml("log.retention.hours: x\n", {}).is_ok());
}

TEST(KafkaCompat, KafkaKeyWarnsUnknownKeyStillRefused) {
  auto c =
      BrokerConfig::from_yaml("zookeeper.connect: localhost:2181\n", {"num.network.threads=4"});
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->warnings().size(), 2u);
  EXPECT_FALSE(c->is_explicit("zookeeper.connect"));
  auto typo = BrokerConfig::from_yaml("log.retention.mins: 5\n", {});
  ASSERT_FALSE(typo.is_ok());
  EXPECT_NE(typo.status().message().find("unknown config key 'log.retention.mins'"),
            std::string::npos);
}

TEST(KafkaCompat, IgnoredKeysAreNotEddyKeys) {
  for (const auto& [name, why] : ignored_kafka_keys()) {
    EXPECT_EQ(find_broker_config(name), nullptr) << name << " is an Eddy key: drop it here";
  }
  for (const auto& v : time_unit_variants()) {
    EXPECT_NE(find_broker_config(v.name), nullptr) << v.name;
    EXPECT_NE(find_broker_config(v.target), nullptr) << v.target;
  }
}

}  // namespace
}  // namespace eddy::broker
