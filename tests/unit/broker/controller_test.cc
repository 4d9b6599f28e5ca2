#include "metadata/controller.h"

#include <gtest/gtest.h>

#include "metadata/topic_name.h"

namespace eddy::metadata {
namespace {

CreateTopicSpec named(std::string name) {
  CreateTopicSpec spec;
  spec.name = std::move(name);
  return spec;
}

class ControllerTest : public ::testing::Test {
 protected:
  ControllerTest() : controller_(ControllerDefaults{3, 1, true, 1000, {}}) {
    pb::MetadataBatch b;
    BrokerRegistration reg;
    reg.id = 1;
    reg.endpoints.push_back({"PLAINTEXT", "127.0.0.1", 9092, 0});
    EXPECT_TRUE(controller_.register_broker(reg, &b).ok());
    EXPECT_TRUE(image_.apply_batch(b).is_ok());
  }

  ControllerResult commit(const std::function<ControllerResult(pb::MetadataBatch*)>& plan) {
    pb::MetadataBatch b;
    ControllerResult r = plan(&b);
    if (r.ok()) {
      EXPECT_TRUE(image_.apply_batch(b).is_ok());
    }
    return r;
  }
  ControllerResult create(CreateTopicSpec spec) {
    return commit([&](pb::MetadataBatch* b) { return controller_.create_topic(image_, spec, b); });
  }

  Controller controller_;
  MetadataImage image_;
};

TEST_F(ControllerTest, CreateTopicUsesDefaultPartitionCount) {
  ASSERT_TRUE(create(named("t")).ok());
  const TopicImage* t = image_.topic("t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->partitions.size(), 3u);
  EXPECT_EQ(t->partitions[2].leader, 1);
  EXPECT_EQ(t->partitions[2].isr, std::vector<int32_t>{1});
  EXPECT_FALSE(t->id.is_zero());
  EXPECT_EQ(image_.topic_by_id(t->id), t);
}

TEST_F(ControllerTest, CreateExistingTopicIsTopicAlreadyExists) {
  ASSERT_TRUE(create(named("t")).ok());
  EXPECT_EQ(create(named("t")).code, protocol::ErrorCode::kTopicAlreadyExists);
}

TEST_F(ControllerTest, IllegalNamesAreInvalidTopic) {
  for (const std::string& name :
       std::vector<std::string>{".", "..", std::string(250, 'a'), "a b", "a/b", ""}) {
    EXPECT_EQ(create(named(name)).code, protocol::ErrorCode::kInvalidTopicException) << name;
  }
  EXPECT_TRUE(create(named(std::string(249, 'a'))).ok());
}

TEST_F(ControllerTest, ReplicationFactorAboveBrokersIsInvalidReplicationFactor) {
  CreateTopicSpec spec = named("t");
  spec.replication_factor = 2;
  EXPECT_EQ(create(spec).code, protocol::ErrorCode::kInvalidReplicationFactor);
}

TEST_F(ControllerTest, ZeroPartitionsIsInvalidPartitions) {
  CreateTopicSpec spec = named("t");
  spec.num_partitions = 0;
  EXPECT_EQ(create(spec).code, protocol::ErrorCode::kInvalidPartitions);
  spec.num_partitions = 1001;
  EXPECT_EQ(create(spec).code, protocol::ErrorCode::kInvalidPartitions);
}

TEST_F(ControllerTest, AssignmentToUnknownBrokerIsInvalidReplicaAssignment) {
  CreateTopicSpec spec = named("t");
  spec.assignments[0] = {7};
  EXPECT_EQ(create(spec).code, protocol::ErrorCode::kInvalidReplicaAssignment);
}

TEST_F(ControllerTest, BadTopicConfigIsInvalidConfig) {
  CreateTopicSpec spec = named("t");
  spec.configs["retention.ms"] = "soon";
  EXPECT_EQ(create(spec).code, protocol::ErrorCode::kInvalidConfig);
  spec.configs = {{"no.such.config", "1"}};
  EXPECT_EQ(create(spec).code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_EQ(image_.topic("t"), nullptr);
}

TEST_F(ControllerTest, DeleteTopicRemovesItAndUnknownIsError) {
  ASSERT_TRUE(create(named("t")).ok());
  auto del = [&](const std::string& n) {
    return commit([&](pb::MetadataBatch* b) { return controller_.delete_topic(image_, n, b); });
  };
  EXPECT_TRUE(del("t").ok());
  EXPECT_EQ(image_.topic("t"), nullptr);
  EXPECT_EQ(del("t").code, protocol::ErrorCode::kUnknownTopicOrPartition);
}

TEST_F(ControllerTest, CreatePartitionsGrowsAndRefusesShrink) {
  ASSERT_TRUE(create(named("t")).ok());
  auto grow = [&](int32_t n) {
    return commit(
        [&](pb::MetadataBatch* b) { return controller_.create_partitions(image_, "t", n, {}, b); });
  };
  EXPECT_TRUE(grow(5).ok());
  EXPECT_EQ(image_.topic("t")->partitions.size(), 5u);
  EXPECT_EQ(grow(5).code, protocol::ErrorCode::kInvalidPartitions);
  EXPECT_EQ(grow(2).code, protocol::ErrorCode::kInvalidPartitions);
}

TEST_F(ControllerTest, IncrementalConfigOpsSetDeleteAppendSubtract) {
  ASSERT_TRUE(create(named("t")).ok());
  auto alter = [&](std::vector<ConfigChange> ch, bool replace_all = false) {
    return commit([&](pb::MetadataBatch* b) {
      return controller_.alter_topic_configs(image_, "t", ch, replace_all, b);
    });
  };
  using Op = ConfigChange::Op;
  EXPECT_TRUE(alter({{"retention.ms", Op::kSet, "1000"}}).ok());
  EXPECT_EQ(image_.topic("t")->configs.at("retention.ms"), "1000");
  EXPECT_TRUE(alter({{"cleanup.policy", Op::kAppend, "compact"}}).ok());
  EXPECT_EQ(image_.topic("t")->configs.at("cleanup.policy"), "delete,compact");
  EXPECT_TRUE(alter({{"cleanup.policy", Op::kSubtract, "delete"}}).ok());
  EXPECT_EQ(image_.topic("t")->configs.at("cleanup.policy"), "compact");
  EXPECT_EQ(alter({{"retention.ms", Op::kAppend, "5"}}).code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_TRUE(alter({{"retention.ms", Op::kDelete, ""}}).ok());
  EXPECT_EQ(image_.topic("t")->configs.count("retention.ms"), 0u);
  // Legacy AlterConfigs replaces the whole set.
  EXPECT_TRUE(alter({{"segment.ms", Op::kSet, "60000"}}, true).ok());
  EXPECT_EQ(image_.topic("t")->configs.size(), 1u);
}

TEST_F(ControllerTest, BrokerDynamicConfigsOnlyForTopicDefaults) {
  auto alter = [&](const std::string& key) {
    return commit([&](pb::MetadataBatch* b) {
      return controller_.alter_broker_configs(image_, "1", {{key, ConfigChange::Op::kSet, "5"}},
                                              false, b);
    });
  };
  EXPECT_TRUE(alter("log.retention.ms").ok());
  EXPECT_EQ(image_.broker_configs("1")->at("log.retention.ms"), "5");
  EXPECT_EQ(alter("node.id").code, protocol::ErrorCode::kInvalidConfig);
}

TEST_F(ControllerTest, ImageRoundTripsThroughRecords) {
  CreateTopicSpec spec = named("t");
  spec.configs["retention.ms"] = "1000";
  ASSERT_TRUE(create(spec).ok());
  MetadataImage copy;
  for (const auto& r : image_.to_records()) ASSERT_TRUE(copy.apply(r).is_ok());
  ASSERT_NE(copy.topic("t"), nullptr);
  EXPECT_EQ(copy.topic("t")->id, image_.topic("t")->id);
  EXPECT_EQ(copy.topic("t")->partitions.size(), 3u);
  EXPECT_EQ(copy.topic("t")->configs.at("retention.ms"), "1000");
  EXPECT_EQ(copy.brokers().size(), 1u);
}

TEST(Uuid, Base64RoundTrips) {
  Uuid u = Uuid::random();
  std::string text = u.to_base64();
  EXPECT_EQ(text.size(), 22u);
  auto back = Uuid::from_base64(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, u);
  EXPECT_FALSE(Uuid::from_base64("short").has_value());
}

}  // namespace
}  // namespace eddy::metadata
