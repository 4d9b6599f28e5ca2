// Committed offsets, their retention, and group administration.

#include <gtest/gtest.h>

#include "group_test_fixture.h"

namespace eddy::group {
namespace {

using testing::GroupCoordinatorTest;
using testing::JoinOptions;
using testing::kGroup;

OffsetCommitEntry entry(const std::string& topic, int32_t partition, int64_t offset,
                        std::optional<std::string> metadata = std::nullopt,
                        int32_t leader_epoch = -1) {
  return OffsetCommitEntry{TopicPartition{topic, partition}, offset, leader_epoch,
                           std::move(metadata)};
}

TEST_F(GroupCoordinatorTest, CommitFromAStableMemberIsFetchedWithMetadataAndLeaderEpoch) {
  auto [ids, gen] = stable_group(1);
  auto c = commit(ids[0], gen, {entry("t", 0, 42, "md", 3), entry("t", 1, 7)});
  ASSERT_TRUE(c->result);
  ASSERT_EQ(c->result->partitions.size(), 2u);
  EXPECT_EQ(c->result->partitions[0].error_code, err::kNone);
  auto f = coord->fetch_offsets(kGroup, std::vector<TopicPartition>{{"t", 0}, {"t", 1}, {"t", 2}});
  EXPECT_EQ(f.error_code, err::kNone);
  ASSERT_EQ(f.partitions.size(), 3u);
  EXPECT_EQ(f.partitions[0].offset, 42);
  EXPECT_EQ(f.partitions[0].metadata, "md");
  EXPECT_EQ(f.partitions[0].leader_epoch, 3);
  EXPECT_EQ(f.partitions[1].offset, 7);
  EXPECT_EQ(f.partitions[1].metadata, "");
  EXPECT_EQ(f.partitions[2].offset, -1);
}

TEST_F(GroupCoordinatorTest, CommitIsNeitherAnsweredNorVisibleUntilDurable) {
  auto [ids, gen] = stable_group(1);
  log.set_hold(true);
  auto c = commit(ids[0], gen, {entry("t", 0, 5)});
  EXPECT_FALSE(c->result);
  EXPECT_EQ(coord->fetch_offsets(kGroup, std::nullopt).partitions.size(), 0u);
  log.complete_held();
  ASSERT_TRUE(c->result);
  EXPECT_EQ(c->result->partitions[0].error_code, err::kNone);
  EXPECT_EQ(coord->fetch_offsets(kGroup, std::nullopt).partitions.size(), 1u);
}

TEST_F(GroupCoordinatorTest, FailedCommitWriteIsReportedAndNotApplied) {
  auto [ids, gen] = stable_group(1);
  log.set_failure(io_error("disk gone"));
  auto c = commit(ids[0], gen, {entry("t", 0, 5)});
  EXPECT_EQ(c->result->partitions[0].error_code, err::kCoordinatorNotAvailable);
  EXPECT_TRUE(coord->fetch_offsets(kGroup, std::nullopt).partitions.empty());
}

TEST_F(GroupCoordinatorTest, CommitWithAStaleGenerationIsIllegalGeneration) {
  auto [ids, gen] = stable_group(1);
  auto c = commit(ids[0], gen - 1, {entry("t", 0, 5)});
  EXPECT_EQ(c->result->partitions[0].error_code, err::kIllegalGeneration);
}

TEST_F(GroupCoordinatorTest, CommitFromAnUnknownMemberIsUnknownMemberId) {
  auto [ids, gen] = stable_group(1);
  EXPECT_EQ(commit("ghost", gen, {entry("t", 0, 5)})->result->partitions[0].error_code,
            err::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, CommitDuringCompletingRebalanceIsRebalanceInProgress) {
  auto a = join("");
  auto c = commit(a->result->member_id, 1, {entry("t", 0, 5)});
  EXPECT_EQ(c->result->partitions[0].error_code, err::kRebalanceInProgress);
}

TEST_F(GroupCoordinatorTest, CommitDuringPreparingRebalanceWithTheCurrentGenerationIsAccepted) {
  // Eager consumers commit what they processed while revoking their partitions.
  auto [ids, gen] = stable_group(1);
  join("");
  EXPECT_EQ(commit(ids[0], gen, {entry("t", 0, 5)})->result->partitions[0].error_code, err::kNone);
}

TEST_F(GroupCoordinatorTest, StandaloneCommitCreatesAnEmptyGroup) {
  auto c = commit("", -1, {entry("t", 0, 11)}, "standalone");
  EXPECT_EQ(c->result->partitions[0].error_code, err::kNone);
  EXPECT_EQ(coord->group_state("standalone"), GroupState::kEmpty);
  EXPECT_EQ(coord->fetch_offsets("standalone", std::nullopt).partitions[0].offset, 11);
}

TEST_F(GroupCoordinatorTest, CommitWithAGenerationToAnUnknownGroupIsIllegalGeneration) {
  auto c = commit("m", 3, {entry("t", 0, 11)}, "nobody");
  EXPECT_EQ(c->result->partitions[0].error_code, err::kIllegalGeneration);
}

TEST_F(GroupCoordinatorTest, CommitWithOversizedMetadataIsOffsetMetadataTooLarge) {
  auto [ids, gen] = stable_group(1);
  std::string big(static_cast<size_t>(config.offset_metadata_max_bytes) + 1, 'x');
  auto c = commit(ids[0], gen, {entry("t", 0, 1, big), entry("t", 1, 2)});
  EXPECT_EQ(c->result->partitions[0].error_code, err::kOffsetMetadataTooLarge);
  EXPECT_EQ(c->result->partitions[1].error_code, err::kNone);
}

TEST_F(GroupCoordinatorTest, CommittedOffsetsSurviveARestart) {
  auto [ids, gen] = stable_group(1);
  commit(ids[0], gen, {entry("t", 0, 42, "md", 2)});
  commit(ids[0], gen, {entry("t", 0, 43, "md2", 2)});
  restart();
  auto f = coord->fetch_offsets(kGroup, std::nullopt);
  ASSERT_EQ(f.partitions.size(), 1u);
  EXPECT_EQ(f.partitions[0].offset, 43);
  EXPECT_EQ(f.partitions[0].metadata, "md2");
  EXPECT_EQ(f.partitions[0].leader_epoch, 2);
}

TEST_F(GroupCoordinatorTest, OffsetDeleteOfASubscribedTopicIsRefused) {
  JoinOptions o;
  o.protocols = {JoinProtocol{"range", testing::subscription({"orders"})}};
  auto [ids, gen] = stable_group(1, o);
  commit(ids[0], gen, {entry("orders", 0, 1), entry("old", 0, 2)});
  std::optional<OffsetDeleteResult> r;
  coord->delete_offsets(kGroup, {{"orders", 0}, {"old", 0}},
                        [&r](OffsetDeleteResult x) { r = std::move(x); });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_code, err::kNone);
  EXPECT_EQ(r->partitions[0].error_code, err::kGroupSubscribedToTopic);
  EXPECT_EQ(r->partitions[1].error_code, err::kNone);
  auto f = coord->fetch_offsets(kGroup, std::nullopt);
  ASSERT_EQ(f.partitions.size(), 1u);
  EXPECT_EQ(f.partitions[0].tp.topic, "orders");
  restart();
  EXPECT_EQ(coord->fetch_offsets(kGroup, std::nullopt).partitions.size(), 1u);
}

TEST_F(GroupCoordinatorTest, OffsetDeleteOfAnUnknownGroupIsGroupIdNotFound) {
  std::optional<OffsetDeleteResult> r;
  coord->delete_offsets("nope", {{"t", 0}}, [&r](OffsetDeleteResult x) { r = std::move(x); });
  EXPECT_EQ(r->error_code, err::kGroupIdNotFound);
}

TEST_F(GroupCoordinatorTest, OffsetsOfAnEmptyGroupExpireAfterTheRetention) {
  config.offsets_retention_ms = 60'000;
  config.offsets_retention_check_interval_ms = 1'000;
  restart();
  auto [ids, gen] = stable_group(1);
  commit(ids[0], gen, {entry("t", 0, 1)});
  coord->leave_group(kGroup, {LeaveMember{ids[0], std::nullopt}});
  ASSERT_EQ(coord->group_state(kGroup), GroupState::kEmpty);
  clock.advance_ms(59'000);
  coord->tick();
  EXPECT_EQ(coord->fetch_offsets(kGroup, std::nullopt).partitions.size(), 1u);
  clock.advance_ms(2'000);
  coord->tick();
  EXPECT_EQ(coord->group_state(kGroup), std::nullopt);
  restart();
  EXPECT_EQ(coord->group_state(kGroup), std::nullopt);
  EXPECT_TRUE(coord->fetch_offsets(kGroup, std::nullopt).partitions.empty());
}

TEST_F(GroupCoordinatorTest, OffsetsOfAGroupWithMembersDoNotExpire) {
  config.offsets_retention_ms = 60'000;
  config.offsets_retention_check_interval_ms = 1'000;
  config.min_session_timeout_ms = 1'000;
  config.max_session_timeout_ms = 1'000'000;
  restart();
  JoinOptions o;
  o.session_timeout_ms = 500'000;
  o.protocols = {JoinProtocol{"range", testing::subscription({"t"})}};
  auto [ids, gen] = stable_group(1, o);
  commit(ids[0], gen, {entry("t", 0, 1)});
  clock.advance_ms(120'000);
  coord->tick();
  EXPECT_EQ(coord->fetch_offsets(kGroup, std::nullopt).partitions.size(), 1u);
}

TEST_F(GroupCoordinatorTest, ListGroupsFiltersByState) {
  stable_group(1);
  commit("", -1, {entry("t", 0, 1)}, "standalone");
  auto [err_all, all] = coord->list_groups({});
  EXPECT_EQ(err_all, err::kNone);
  EXPECT_EQ(all.size(), 2u);
  auto [e, stable] = coord->list_groups({"stable"});
  ASSERT_EQ(stable.size(), 1u);
  EXPECT_EQ(stable[0].group_id, kGroup);
  EXPECT_EQ(stable[0].protocol_type, "consumer");
  EXPECT_EQ(stable[0].state, "Stable");
  auto [e2, empty] = coord->list_groups({"Empty"});
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].group_id, "standalone");
}

TEST_F(GroupCoordinatorTest, DescribeAStableGroupShowsMembersAndAssignments) {
  auto [ids, gen] = stable_group(2);
  DescribedGroup d = coord->describe_group(kGroup);
  EXPECT_EQ(d.error_code, err::kNone);
  EXPECT_EQ(d.state, "Stable");
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.protocol, "range");
  ASSERT_EQ(d.members.size(), 2u);
  for (const DescribedMember& m : d.members) {
    EXPECT_EQ(m.client_id, "client");
    EXPECT_EQ(m.metadata, Bytes{1});
    EXPECT_EQ(m.assignment.size(), 1u);
  }
}

TEST_F(GroupCoordinatorTest, DescribeAnUnknownGroupIsDead) {
  DescribedGroup d = coord->describe_group("nope");
  EXPECT_EQ(d.error_code, err::kNone);
  EXPECT_EQ(d.state, "Dead");
  EXPECT_TRUE(d.members.empty());
}

TEST_F(GroupCoordinatorTest, DeleteGroupsAnswersEachGroup) {
  auto [ids, gen] = stable_group(1);
  commit("", -1, {entry("t", 0, 1)}, "standalone");
  std::optional<std::vector<DeleteGroupResult>> r;
  coord->delete_groups({kGroup, "standalone", "nope"},
                       [&r](std::vector<DeleteGroupResult> x) { r = std::move(x); });
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].error_code, err::kNonEmptyGroup);
  EXPECT_EQ((*r)[1].error_code, err::kNone);
  EXPECT_EQ((*r)[2].error_code, err::kGroupIdNotFound);
  EXPECT_EQ(coord->group_state("standalone"), std::nullopt);
  restart();
  EXPECT_EQ(coord->group_state("standalone"), std::nullopt);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable);
}

TEST_F(GroupCoordinatorTest, DeleteGroupsWaitsForTheTombstonesToBeDurable) {
  commit("", -1, {entry("t", 0, 1)}, "standalone");
  log.set_hold(true);
  std::optional<std::vector<DeleteGroupResult>> r;
  coord->delete_groups({"standalone"},
                       [&r](std::vector<DeleteGroupResult> x) { r = std::move(x); });
  EXPECT_FALSE(r);
  log.complete_held();
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].error_code, err::kNone);
}

}  // namespace
}  // namespace eddy::group
