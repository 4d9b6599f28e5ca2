#include "metadata/topic_name.h"

#include <gtest/gtest.h>

#include "metadata/controller.h"

namespace eddy::metadata {
namespace {

class TopicNameTest : public ::testing::Test {
 protected:
  // A topic as the log would hold it, without going through the controller's checks.
  void add_topic(const std::string& name) {
    pb::MetadataBatch b;
    auto* t = b.add_records()->mutable_topic();
    t->set_name(name);
    t->set_topic_id(Uuid::random().raw());
    ASSERT_TRUE(image_.apply_batch(b).is_ok()) << name;
  }

  MetadataImage image_;
};

TEST_F(TopicNameTest, DotAndUnderscoreCollide) {
  add_topic("a.b");
  EXPECT_EQ(colliding_topic(image_, "a_b"), "a.b");
  EXPECT_EQ(colliding_topic(image_, "a.b"), std::nullopt);  // itself is not a collision
  EXPECT_EQ(colliding_topic(image_, "a-b"), std::nullopt);
  EXPECT_EQ(colliding_topic(image_, "ab"), std::nullopt);
}

TEST_F(TopicNameTest, CollisionIsFoundAtEveryPositionAmongNearNames) {
  for (const char* n : {"x.y.z1", "x_y.z2", "x.y_z3", "x_y_z", "x.y.zz", "x"}) add_topic(n);
  EXPECT_EQ(colliding_topic(image_, "x.y.z"), "x_y_z");
  EXPECT_EQ(colliding_topic(image_, "x_y_z1"), "x.y.z1");
  EXPECT_EQ(colliding_topic(image_, "x_y_z2"), "x_y.z2");
  EXPECT_EQ(colliding_topic(image_, "x_y_zz"), "x.y.zz");
  EXPECT_EQ(colliding_topic(image_, "x_y_z4"), std::nullopt);
  EXPECT_EQ(colliding_topic(image_, "x."), std::nullopt);
}

TEST_F(TopicNameTest, CreateTopicRefusesACollidingNameAsInvalidTopic) {
  add_topic("orders.eu");
  Controller controller(ControllerDefaults{});
  CreateTopicSpec spec;
  spec.name = "orders_eu";
  pb::MetadataBatch out;
  ControllerResult r = controller.create_topic(image_, spec, &out);
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidTopicException);
  EXPECT_EQ(r.message, "Topic 'orders_eu' collides with existing topic: orders.eu");
  EXPECT_EQ(out.records_size(), 0);
}

TEST(TopicNameRules, ReservedNamesAreTheInternalTopicsAndTheClusterMetadataLog) {
  for (const char* n :
       {"__consumer_offsets", "__transaction_state", "__share_group_state", "__cluster_metadata"}) {
    EXPECT_TRUE(is_reserved_topic_name(n)) << n;
    EXPECT_TRUE(validate_topic_name(n).is_ok()) << n;
  }
  EXPECT_FALSE(is_internal_topic("__cluster_metadata"));
  EXPECT_FALSE(is_reserved_topic_name("__my_topic"));
  EXPECT_FALSE(is_reserved_topic_name("consumer_offsets"));
}

}  // namespace
}  // namespace eddy::metadata
