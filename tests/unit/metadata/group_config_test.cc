// GROUP config resources (type 32): the controller stores a group's overrides as ConfigRecords,
// validated as Kafka 4.4's GroupConfig (types, the broker's min/max bounds, session above
// heartbeat), and the image keeps them across a snapshot like topic and broker overrides.
#include "metadata/group_config.h"

#include <gtest/gtest.h>

#include "metadata/controller.h"
#include "metadata/metadata_image.h"

namespace eddy::metadata {
namespace {

ControllerResult alter(const Controller& c, MetadataImage& image, const std::string& group,
                       std::vector<ConfigChange> changes, bool replace_all = false) {
  pb::MetadataBatch out;
  ControllerResult r = c.alter_group_configs(image, group, changes, replace_all, &out);
  if (r.ok()) {
    EXPECT_TRUE(image.apply_batch(out).is_ok());
  }
  return r;
}

TEST(GroupConfigTest, ASessionTimeoutWithinTheBrokerBoundsIsStoredForAGroupThatDoesNotExist) {
  Controller controller(ControllerDefaults{});
  MetadataImage image;
  ControllerResult r = alter(controller, image, "never-joined",
                             {{"consumer.session.timeout.ms", ConfigChange::Op::kSet, "50000"}});
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_NE(image.group_configs("never-joined"), nullptr);
  EXPECT_EQ(image.group_configs("never-joined")->at("consumer.session.timeout.ms"), "50000");
  EXPECT_EQ(image.broker_configs("never-joined"), nullptr);
}

TEST(GroupConfigTest, DeletingTheLastOverrideLeavesNoGroupBehind) {
  Controller controller(ControllerDefaults{});
  MetadataImage image;
  ASSERT_TRUE(alter(controller, image, "g",
                    {{"consumer.session.timeout.ms", ConfigChange::Op::kSet, "50000"}})
                  .ok());
  ASSERT_TRUE(alter(controller, image, "g",
                    {{"consumer.session.timeout.ms", ConfigChange::Op::kDelete, ""}})
                  .ok());
  EXPECT_EQ(image.group_configs("g"), nullptr);
}

TEST(GroupConfigTest, AValueOutsideTheBrokerBoundsIsInvalidConfigNamingTheKey) {
  Controller controller(ControllerDefaults{});
  MetadataImage image;
  // group.consumer.min.session.timeout.ms defaults to 45000, as in Kafka.
  ControllerResult r = alter(controller, image, "g",
                             {{"consumer.session.timeout.ms", ConfigChange::Op::kSet, "1000"}});
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_EQ(r.message,
            "consumer.session.timeout.ms must be in the range 45000 to 60000 inclusive.");
  EXPECT_EQ(image.group_configs("g"), nullptr);
}

TEST(GroupConfigTest, TheBoundsAreTheControllersBrokerConfig) {
  ControllerDefaults defaults;
  defaults.group_coordinator["group.consumer.min.session.timeout.ms"] = "1000";
  Controller controller(defaults);
  MetadataImage image;
  ControllerResult r = alter(controller, image, "g",
                             {{"consumer.session.timeout.ms", ConfigChange::Op::kSet, "6000"}});
  EXPECT_TRUE(r.ok()) << r.message;
}

TEST(GroupConfigTest, ANonNumberAndAnUnknownKeyAreInvalidConfig) {
  Controller controller(ControllerDefaults{});
  MetadataImage image;
  ControllerResult r = alter(controller, image, "g",
                             {{"consumer.heartbeat.interval.ms", ConfigChange::Op::kSet, "soon"}});
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_NE(r.message.find("consumer.heartbeat.interval.ms"), std::string::npos) << r.message;
  r = alter(controller, image, "g", {{"no.such.key", ConfigChange::Op::kSet, "1"}});
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_NE(r.message.find("no.such.key"), std::string::npos) << r.message;
}

TEST(GroupConfigTest, TheSessionTimeoutMustExceedTheHeartbeatIntervalInEffect) {
  ControllerDefaults defaults;
  defaults.group_coordinator["group.consumer.max.heartbeat.interval.ms"] = "60000";
  Controller controller(defaults);
  MetadataImage image;
  // The session timeout in effect is the broker's 45000.
  ControllerResult r = alter(controller, image, "g",
                             {{"consumer.heartbeat.interval.ms", ConfigChange::Op::kSet, "45000"}});
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_EQ(r.message,
            "consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms");
}

TEST(GroupConfigTest, AnEmptyGroupNameIsInvalidRequest) {
  Controller controller(ControllerDefaults{});
  MetadataImage image;
  ControllerResult r = alter(controller, image, "",
                             {{"consumer.session.timeout.ms", ConfigChange::Op::kSet, "50000"}});
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidRequest);
}

TEST(GroupConfigTest, GroupOverridesSurviveASnapshot) {
  Controller controller(ControllerDefaults{});
  MetadataImage image;
  ASSERT_TRUE(alter(controller, image, "g",
                    {{"share.auto.offset.reset", ConfigChange::Op::kSet, "earliest"},
                     {"streams.num.standby.replicas", ConfigChange::Op::kSet, "1"}})
                  .ok());
  MetadataImage rebuilt;
  for (const auto& record : image.to_records()) ASSERT_TRUE(rebuilt.apply(record).is_ok());
  ASSERT_NE(rebuilt.group_configs("g"), nullptr);
  EXPECT_EQ(*rebuilt.group_configs("g"), *image.group_configs("g"));
}

TEST(GroupConfigTest, EveryBrokerSynonymAndBoundIsABrokerKeyWithADefault) {
  for (const GroupConfigDef& g : group_config_defs()) {
    if (g.def.default_value) {
      EXPECT_TRUE(validate_config_value(g.def, *g.def.default_value).is_ok()) << g.def.name;
    }
    if (g.broker_synonym.empty()) continue;
    EXPECT_NE(find_config_def(group_coordinator_config_defs(), g.broker_synonym), nullptr)
        << g.broker_synonym;
  }
  for (const ConfigDef& d : group_coordinator_config_defs()) {
    ASSERT_TRUE(d.default_value) << d.name;
    EXPECT_TRUE(validate_config_value(d, *d.default_value).is_ok()) << d.name;
  }
}

TEST(GroupConfigTest, AStreamsAssignorMustBeOneTheBrokerRegisters) {
  ControllerDefaults defaults;
  defaults.group_coordinator["group.streams.assignors"] = "sticky,mine";
  Controller controller(defaults);
  MetadataImage image;
  EXPECT_TRUE(
      alter(controller, image, "g", {{"streams.assignor.name", ConfigChange::Op::kSet, "mine"}})
          .ok());
  ControllerResult r =
      alter(controller, image, "g", {{"streams.assignor.name", ConfigChange::Op::kSet, "other"}});
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidConfig);
  EXPECT_NE(r.message.find("streams.assignor.name 'other'"), std::string::npos) << r.message;
}

TEST(GroupConfigTest, ShareAutoOffsetResetAcceptsKafkasStrategies) {
  const ConfigDef& d = find_group_config("share.auto.offset.reset")->def;
  EXPECT_TRUE(validate_config_value(d, "earliest").is_ok());
  EXPECT_TRUE(validate_config_value(d, "LATEST").is_ok());
  EXPECT_TRUE(validate_config_value(d, "by_duration:PT1H").is_ok());
  EXPECT_FALSE(validate_config_value(d, "by_duration:-PT1H").is_ok());
  EXPECT_FALSE(validate_config_value(d, "none").is_ok());
}

}  // namespace
}  // namespace eddy::metadata
