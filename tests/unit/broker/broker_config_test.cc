#include "broker/config/broker_config.h"

#include <gtest/gtest.h>

namespace eddy::broker {
namespace {

TEST(BrokerConfig, DefaultsApplyWhenKeyAbsent) {
  auto c = BrokerConfig::from_yaml("node.id: 3\n", {});
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->node_id(), 3);
  EXPECT_EQ(c->get_long("num.partitions"), 1);
  EXPECT_EQ(c->get_long("socket.request.max.bytes"), 104857600);
  EXPECT_TRUE(c->get_bool("auto.create.topics.enable"));
  EXPECT_FALSE(c->is_explicit("num.partitions"));
  EXPECT_TRUE(c->is_explicit("node.id"));
}

// The broker keys that are topic configs' defaults share the topic keys' one definition: a
// segment the log cannot live with is refused in the file as on the wire.
TEST(BrokerConfig, TopicDefaultKeysHaveTheTopicKeysBounds) {
  auto c = BrokerConfig::from_yaml("log.segment.bytes: 60\n", {});
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("'log.segment.bytes'"), std::string::npos);
  EXPECT_FALSE(BrokerConfig::from_yaml("", {"log.index.size.max.bytes=4"}).is_ok());
  EXPECT_FALSE(BrokerConfig::from_yaml("", {"log.retention.bytes=-2"}).is_ok());
  auto ok = BrokerConfig::from_yaml("log.segment.bytes: 1048576\n", {});
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(ok->get_long("log.flush.interval.ms"), 1000);  // its own default, not flush.ms's
}

TEST(BrokerConfig, NestedMappingsJoinWithDots) {
  auto c = BrokerConfig::from_yaml("log:\n  retention:\n    ms: 1000\n", {});
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->get_long("log.retention.ms"), 1000);
}

TEST(BrokerConfig, SequenceBecomesList) {
  auto c = BrokerConfig::from_yaml("log.dirs: [/a, /b]\n", {});
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->log_dirs(), (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(c->metadata_log_dir(), "/a");
}

TEST(BrokerConfig, OverrideWinsOverFile) {
  auto c = BrokerConfig::from_yaml("num.partitions: 2\n", {"num.partitions=7"});
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->get_long("num.partitions"), 7);
}

TEST(BrokerConfig, UnknownKeyIsRefusedByName) {
  auto c = BrokerConfig::from_yaml("log.retention.mins: 5\n", {});
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("log.retention.mins"), std::string::npos);
}

TEST(BrokerConfig, OutOfRangeValueIsRefusedByName) {
  auto c = BrokerConfig::from_yaml("default.replication.factor: 0\n", {});
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("default.replication.factor"), std::string::npos);
}

TEST(BrokerConfig, IntKeyRejectsValueAboveInt32) {
  auto c = BrokerConfig::from_yaml("message.max.bytes: 3000000000\n", {});
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("message.max.bytes"), std::string::npos);
}

TEST(BrokerConfig, BadBooleanIsRefused) {
  auto c = BrokerConfig::from_yaml("delete.topic.enable: yes please\n", {});
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("delete.topic.enable"), std::string::npos);
}

TEST(BrokerConfig, ReplicaSelectorClassIsOneOfKafkasBuiltInSelectors) {
  EXPECT_TRUE(
      BrokerConfig::from_yaml(
          "replica.selector.class: org.apache.kafka.common.replica.RackAwareReplicaSelector\n", {})
          .is_ok());
  auto c = BrokerConfig::from_yaml("replica.selector.class: com.example.MySelector\n", {});
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("replica.selector.class"), std::string::npos);
}

TEST(BrokerConfig, MalformedOverrideIsRefused) {
  auto c = BrokerConfig::from_yaml("", {"num.partitions"});
  ASSERT_FALSE(c.is_ok());
}

TEST(BrokerConfig, ListenersParseNameHostPort) {
  auto l = parse_listeners("listeners", "PLAINTEXT://127.0.0.1:9092,PLAINTEXT://:9093");
  ASSERT_TRUE(l.is_ok()) << l.status().to_string();
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[0].host, "127.0.0.1");
  EXPECT_EQ((*l)[0].port, 9092);
  EXPECT_EQ((*l)[1].host, "");
  EXPECT_EQ((*l)[1].port, 9093);
}

TEST(BrokerConfig, ListenerWithoutPortIsRefused) {
  EXPECT_FALSE(parse_listeners("listeners", "PLAINTEXT://localhost").is_ok());
  EXPECT_FALSE(parse_listeners("listeners", "PLAINTEXT://localhost:99999").is_ok());
  EXPECT_FALSE(parse_listeners("listeners", "SSL://localhost:9093").is_ok());
}

// controller.quorum.voters is read by raft::parse_quorum_voters, the one parser the Raft node
// uses too; a bad value is refused at load with the key named.
TEST(BrokerConfig, VotersParse) {
  auto c = BrokerConfig::from_yaml(
      "node.id: 1\ncontroller.quorum.voters: 1@127.0.0.1:9093, 2@host:9094\n", {});
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  auto v = c->quorum_voters();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v.at(NodeId(2)).host, "host");
  EXPECT_EQ(v.at(NodeId(2)).port, 9094);
  auto bad = BrokerConfig::from_yaml("node.id: 1\ncontroller.quorum.voters: x@host:1\n", {});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("controller.quorum.voters"), std::string::npos)
      << bad.status().to_string();
  EXPECT_FALSE(
      BrokerConfig::from_yaml("node.id: 1\ncontroller.quorum.voters: 1@h:1,1@h:2\n", {}).is_ok());
  // Unset: a single node with a local metadata log.
  auto single = BrokerConfig::from_yaml("node.id: 1\n", {});
  ASSERT_TRUE(single.is_ok()) << single.status().to_string();
  EXPECT_TRUE(single->quorum_voters().empty());
}

TEST(BrokerConfig, AdvertisedListenersDefaultToListeners) {
  auto c = BrokerConfig::from_yaml("listeners: PLAINTEXT://127.0.0.1:1234\n", {});
  ASSERT_TRUE(c.is_ok());
  ASSERT_EQ(c->advertised_listeners().size(), 1u);
  EXPECT_EQ(c->advertised_listeners()[0].port, 1234);
}

TEST(BrokerConfig, AdminListenersDefaultToLoopback9644AndEmptyTurnsThemOff) {
  auto c = BrokerConfig::from_yaml("node.id: 1\n", {});
  ASSERT_TRUE(c.is_ok());
  ASSERT_EQ(c->admin_listeners().size(), 1u);
  EXPECT_EQ(c->admin_listeners()[0].host, "127.0.0.1");
  EXPECT_EQ(c->admin_listeners()[0].port, 9644);
  auto off = BrokerConfig::from_yaml("admin.listeners: \"\"\n", {});
  ASSERT_TRUE(off.is_ok()) << off.status().to_string();
  EXPECT_TRUE(off->admin_listeners().empty());
  auto bad = BrokerConfig::from_yaml("admin.listeners: PLAINTEXT://127.0.0.1:9644\n", {});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("admin.listeners"), std::string::npos);
  EXPECT_FALSE(BrokerConfig::from_yaml("log.format: xml\n", {}).is_ok());
}

TEST(BrokerConfig, EveryDefaultPassesItsOwnValidator) {
  for (const auto& d : broker_config_defs()) {
    if (!d.default_value) continue;
    Status s = metadata::validate_config_value(d, *d.default_value);
    EXPECT_TRUE(s.is_ok()) << d.name << ": " << s.to_string();
  }
}

}  // namespace
}  // namespace eddy::broker
