// The classic group state machine: every transition and every fencing error, on a ManualClock.

#include <gtest/gtest.h>

#include "group_test_fixture.h"

namespace eddy::group {
namespace {

using testing::GroupCoordinatorTest;
using testing::JoinOptions;
using testing::kGroup;

TEST(GroupStateTest, OnlyKafkasTransitionsAreValid) {
  using S = GroupState;
  EXPECT_TRUE(is_valid_transition(S::kEmpty, S::kPreparingRebalance));
  EXPECT_TRUE(is_valid_transition(S::kPreparingRebalance, S::kCompletingRebalance));
  EXPECT_TRUE(is_valid_transition(S::kPreparingRebalance, S::kEmpty));
  EXPECT_TRUE(is_valid_transition(S::kCompletingRebalance, S::kStable));
  EXPECT_TRUE(is_valid_transition(S::kCompletingRebalance, S::kPreparingRebalance));
  EXPECT_TRUE(is_valid_transition(S::kStable, S::kPreparingRebalance));
  EXPECT_TRUE(is_valid_transition(S::kEmpty, S::kDead));
  EXPECT_FALSE(is_valid_transition(S::kEmpty, S::kStable));
  EXPECT_FALSE(is_valid_transition(S::kEmpty, S::kCompletingRebalance));
  EXPECT_FALSE(is_valid_transition(S::kStable, S::kCompletingRebalance));
  EXPECT_FALSE(is_valid_transition(S::kStable, S::kEmpty));
  EXPECT_FALSE(is_valid_transition(S::kDead, S::kEmpty));
  EXPECT_FALSE(is_valid_transition(S::kDead, S::kDead));
}

TEST(GroupStateTest, StateNamesParseCaseInsensitively) {
  EXPECT_EQ(parse_group_state("stable"), GroupState::kStable);
  EXPECT_EQ(parse_group_state("PreparingRebalance"), GroupState::kPreparingRebalance);
  EXPECT_EQ(parse_group_state("completingrebalance"), GroupState::kCompletingRebalance);
  EXPECT_EQ(parse_group_state("bogus"), std::nullopt);
}

TEST_F(GroupCoordinatorTest, FirstJoinWaitsForTheInitialRebalanceDelay) {
  config.initial_rebalance_delay_ms = 3000;
  restart();
  auto a = join("");
  EXPECT_FALSE(a->answered());
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kPreparingRebalance);
  clock.advance_ms(2999);
  coord->tick();
  EXPECT_FALSE(a->answered());
  clock.advance_ms(1);
  coord->tick();
  ASSERT_TRUE(a->answered());
  EXPECT_EQ(a->result->error_code, err::kNone);
  EXPECT_EQ(a->result->generation_id, 1);
  EXPECT_EQ(a->result->leader, a->result->member_id);
  EXPECT_EQ(a->result->members.size(), 1u);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kCompletingRebalance);
}

TEST_F(GroupCoordinatorTest, MembersJoiningDuringTheInitialDelayExtendIt) {
  config.initial_rebalance_delay_ms = 3000;
  restart();
  auto a = join("");
  clock.advance_ms(2000);
  auto b = join("");
  clock.advance_ms(1000);
  coord->tick();  // the first delay ends, but b arrived: wait another delay
  EXPECT_FALSE(a->answered());
  clock.advance_ms(3000);
  coord->tick();
  ASSERT_TRUE(a->answered());
  ASSERT_TRUE(b->answered());
  EXPECT_EQ(a->result->generation_id, 1);
  EXPECT_EQ(b->result->generation_id, 1);
  EXPECT_EQ(a->result->leader, b->result->leader);
  // Only the leader receives the member list.
  const auto& leader = a->result->member_id == a->result->leader ? a : b;
  const auto& follower = leader == a ? b : a;
  EXPECT_EQ(leader->result->members.size(), 2u);
  EXPECT_TRUE(follower->result->members.empty());
}

TEST_F(GroupCoordinatorTest, JoinV4WithoutMemberIdAnswersMemberIdRequired) {
  JoinOptions o;
  o.require_known_member_id = true;
  auto first = join("", o);
  ASSERT_TRUE(first->answered());
  EXPECT_EQ(first->result->error_code, err::kMemberIdRequired);
  EXPECT_FALSE(first->result->member_id.empty());
  auto second = join(first->result->member_id, o);
  ASSERT_TRUE(second->answered());
  EXPECT_EQ(second->result->error_code, err::kNone);
  EXPECT_EQ(second->result->member_id, first->result->member_id);
  EXPECT_EQ(second->result->generation_id, 1);
}

TEST_F(GroupCoordinatorTest, TickReportsTheSessionDeadlineSoTheMemberExpiresAtIt) {
  JoinOptions o;
  o.instance_id = "static-1";
  auto joined = join("", o);
  ASSERT_EQ(joined->result->error_code, err::kNone);
  auto synced = sync(joined->result->member_id, joined->result->generation_id);
  ASSERT_TRUE(synced->result);
  const int64_t deadline = clock.monotonic_ms() + o.session_timeout_ms;
  EXPECT_EQ(coord->tick(), deadline);
  clock.advance_ms(o.session_timeout_ms - 1);
  EXPECT_EQ(coord->tick(), deadline);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable);
  clock.advance_ms(1);  // exactly the deadline: the static member is gone, the group empty
  coord->tick();
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kEmpty);
}

TEST_F(GroupCoordinatorTest, PendingMemberThatNeverReturnsIsDroppedAfterItsSessionTimeout) {
  auto [ids, gen] = stable_group(1);
  JoinOptions o;
  o.require_known_member_id = true;
  auto pending = join("", o);
  ASSERT_EQ(pending->result->error_code, err::kMemberIdRequired);
  clock.advance_ms(o.session_timeout_ms + 1);
  coord->tick();
  auto late = join(pending->result->member_id, o);
  ASSERT_TRUE(late->answered());
  EXPECT_EQ(late->result->error_code, err::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, APendingMemberCannotTakeAnotherMembersInstanceId) {
  JoinOptions owner;
  owner.instance_id = "i1";
  ASSERT_EQ(join("", owner)->result->error_code, err::kNone);
  JoinOptions o;
  o.require_known_member_id = true;
  auto pending = join("", o);
  ASSERT_EQ(pending->result->error_code, err::kMemberIdRequired);
  o.instance_id = "i1";
  auto taken = join(pending->result->member_id, o);
  ASSERT_TRUE(taken->answered());
  EXPECT_EQ(taken->result->error_code, err::kFencedInstanceId);
  Status s = coord->check_invariants();
  EXPECT_TRUE(s.is_ok()) << s.to_string();
}

TEST_F(GroupCoordinatorTest, LeaderSyncIsAnsweredOnlyOnceTheAssignmentIsDurable) {
  auto a = join("");
  std::string id = a->result->member_id;
  log.set_hold(true);
  auto s = sync(id, 1, {{id, Bytes{9}}});
  EXPECT_FALSE(s->answered());
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kCompletingRebalance);
  EXPECT_EQ(log.complete_held(), 1u);
  ASSERT_TRUE(s->answered());
  EXPECT_EQ(s->result->error_code, err::kNone);
  EXPECT_EQ(s->result->assignment, Bytes{9});
  EXPECT_EQ(s->result->protocol_name, "range");
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable);
}

TEST_F(GroupCoordinatorTest, FollowerSyncWaitsForTheLeaderAssignment) {
  auto a = join("");
  auto b = join("");
  auto a2 = join(a->result->member_id);
  ASSERT_TRUE(b->answered());
  std::string leader = a2->result->leader;
  std::string follower =
      b->result->member_id == leader ? a2->result->member_id : b->result->member_id;
  auto fs = sync(follower, 2);
  EXPECT_FALSE(fs->answered());
  auto ls = sync(leader, 2, {{leader, Bytes{1}}, {follower, Bytes{2}}});
  ASSERT_TRUE(fs->answered());
  ASSERT_TRUE(ls->answered());
  EXPECT_EQ(fs->result->assignment, Bytes{2});
  EXPECT_EQ(ls->result->assignment, Bytes{1});
}

TEST_F(GroupCoordinatorTest, MemberMissingFromTheAssignmentGetsAnEmptyOne) {
  auto [ids, gen] = stable_group(2);
  auto again = join(ids[0]);  // the leader forces a rebalance
  auto other = join(ids[1]);
  ASSERT_TRUE(again->answered());
  auto fs = sync(ids[1], gen + 1);
  auto ls = sync(ids[0], gen + 1, {{ids[0], Bytes{7}}});
  ASSERT_TRUE(fs->answered());
  EXPECT_EQ(fs->result->error_code, err::kNone);
  EXPECT_TRUE(fs->result->assignment.empty());
}

TEST_F(GroupCoordinatorTest, NewMemberJoiningAStableGroupStartsARebalance) {
  auto [ids, gen] = stable_group(2);
  auto c = join("");
  EXPECT_FALSE(c->answered());
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kPreparingRebalance);
  EXPECT_EQ(heartbeat(ids[0], gen), err::kRebalanceInProgress);
  EXPECT_EQ(heartbeat(ids[1], gen), err::kRebalanceInProgress);
  auto a = join(ids[0]);
  EXPECT_FALSE(c->answered());
  auto b = join(ids[1]);
  ASSERT_TRUE(a->answered());
  ASSERT_TRUE(b->answered());
  ASSERT_TRUE(c->answered());
  EXPECT_EQ(c->result->generation_id, gen + 1);
  EXPECT_EQ(a->result->members.size(), 3u);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kCompletingRebalance);
}

TEST_F(GroupCoordinatorTest, FollowerRejoiningAStableGroupUnchangedGetsTheCurrentGeneration) {
  auto [ids, gen] = stable_group(2);
  auto b = join(ids[1]);
  ASSERT_TRUE(b->answered());
  EXPECT_EQ(b->result->error_code, err::kNone);
  EXPECT_EQ(b->result->generation_id, gen);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable);
}

TEST_F(GroupCoordinatorTest, RetriedJoinDuringCompletingRebalanceIsAnsweredAgain) {
  auto a = join("");
  auto again = join(a->result->member_id);
  ASSERT_TRUE(again->answered());
  EXPECT_EQ(again->result->generation_id, 1);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kCompletingRebalance);
}

TEST_F(GroupCoordinatorTest, ChangedProtocolsDuringCompletingRebalanceRestartTheRebalance) {
  auto a = join("");
  JoinOptions o;
  o.protocols = {JoinProtocol{"range", {2}}};
  auto changed = join(a->result->member_id, o);
  ASSERT_TRUE(changed->answered());
  EXPECT_EQ(changed->result->generation_id, 2);
}

TEST_F(GroupCoordinatorTest, ExpiredSessionRemovesTheMemberAndRebalances) {
  auto [ids, gen] = stable_group(2);
  clock.advance_ms(6000);
  EXPECT_EQ(heartbeat(ids[0], gen), err::kNone);  // ids[1] stays silent
  clock.advance_ms(4001);
  coord->tick();
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kPreparingRebalance);
  EXPECT_EQ(heartbeat(ids[1], gen), err::kUnknownMemberId);
  auto a = join(ids[0]);
  ASSERT_TRUE(a->answered());
  EXPECT_EQ(a->result->generation_id, gen + 1);
  EXPECT_EQ(a->result->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, MemberThatDoesNotRejoinIsRemovedWhenTheRebalanceTimesOut) {
  auto [ids, gen] = stable_group(2);
  auto a = join(ids[0]);  // the leader starts a rebalance; ids[1] keeps heartbeating only
  EXPECT_FALSE(a->answered());
  for (int i = 0; i < 5; ++i) {
    clock.advance_ms(6000);
    EXPECT_EQ(heartbeat(ids[1], gen), err::kRebalanceInProgress);
    coord->tick();
  }
  ASSERT_TRUE(a->answered());  // 30 s rebalance timeout
  EXPECT_EQ(a->result->generation_id, gen + 1);
  EXPECT_EQ(a->result->members.size(), 1u);
  EXPECT_EQ(heartbeat(ids[1], gen), err::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, LastMemberLeavingEmptiesTheGroupAndBumpsTheGeneration) {
  auto [ids, gen] = stable_group(1);
  LeaveGroupResult r = coord->leave_group(kGroup, {LeaveMember{ids[0], std::nullopt}});
  EXPECT_EQ(r.error_code, err::kNone);
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].error_code, err::kNone);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kEmpty);
  EXPECT_EQ(coord->group_generation(kGroup), gen + 1);
}

TEST_F(GroupCoordinatorTest, BatchLeaveAnswersEachMember) {
  auto [ids, gen] = stable_group(3);
  LeaveGroupResult r = coord->leave_group(
      kGroup, {LeaveMember{ids[1], std::nullopt}, LeaveMember{"nobody", std::nullopt},
               LeaveMember{"", std::string("no-such-instance")}});
  EXPECT_EQ(r.error_code, err::kNone);
  ASSERT_EQ(r.members.size(), 3u);
  EXPECT_EQ(r.members[0].error_code, err::kNone);
  EXPECT_EQ(r.members[1].error_code, err::kUnknownMemberId);
  EXPECT_EQ(r.members[2].error_code, err::kUnknownMemberId);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kPreparingRebalance);
}

TEST_F(GroupCoordinatorTest, LeaveOfUnknownGroupIsUnknownMemberId) {
  LeaveGroupResult r = coord->leave_group("nope", {LeaveMember{"m", std::nullopt}});
  EXPECT_EQ(r.error_code, err::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, LeavingMemberWaitingInJoinIsAnsweredUnknownMemberId) {
  auto [ids, gen] = stable_group(2);
  auto a = join(ids[0]);
  EXPECT_FALSE(a->answered());
  coord->leave_group(kGroup, {LeaveMember{ids[0], std::nullopt}});
  ASSERT_TRUE(a->answered());
  EXPECT_EQ(a->result->error_code, err::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, ProtocolChosenIsTheOneAllSupportAndMostPrefer) {
  JoinOptions o1;
  o1.protocols = {JoinProtocol{"roundrobin", {}}, JoinProtocol{"range", {}}};
  JoinOptions o2;
  o2.protocols = {JoinProtocol{"range", {}}, JoinProtocol{"roundrobin", {}}};
  JoinOptions o3;
  o3.protocols = {JoinProtocol{"cooperative-sticky", {}}, JoinProtocol{"range", {}}};
  auto a = join("", o1);
  auto b = join("", o2);
  auto c = join("", o3);
  auto a2 = join(a->result->member_id, o1);
  ASSERT_TRUE(c->answered());
  EXPECT_EQ(c->result->protocol_name, "range");
}

TEST_F(GroupCoordinatorTest, JoinWithNoCommonProtocolIsInconsistentGroupProtocol) {
  stable_group(1);
  JoinOptions o;
  o.protocols = {JoinProtocol{"roundrobin", {}}};
  auto c = join("", o);
  ASSERT_TRUE(c->answered());
  EXPECT_EQ(c->result->error_code, err::kInconsistentGroupProtocol);
}

TEST_F(GroupCoordinatorTest, JoinWithAnotherProtocolTypeIsInconsistentGroupProtocol) {
  stable_group(1);
  JoinOptions o;
  o.protocol_type = "connect";
  auto c = join("", o);
  EXPECT_EQ(c->result->error_code, err::kInconsistentGroupProtocol);
}

TEST_F(GroupCoordinatorTest, JoinWithNoProtocolsIsInconsistentGroupProtocol) {
  JoinOptions o;
  o.protocols = {};
  auto c = join("", o);
  EXPECT_EQ(c->result->error_code, err::kInconsistentGroupProtocol);
  EXPECT_EQ(coord->group_state(kGroup), std::nullopt);
}

TEST_F(GroupCoordinatorTest, SessionTimeoutOutsideTheBrokerBoundsIsInvalidSessionTimeout) {
  JoinOptions o;
  o.session_timeout_ms = config.min_session_timeout_ms - 1;
  EXPECT_EQ(join("", o)->result->error_code, err::kInvalidSessionTimeout);
  o.session_timeout_ms = config.max_session_timeout_ms + 1;
  EXPECT_EQ(join("", o)->result->error_code, err::kInvalidSessionTimeout);
}

TEST_F(GroupCoordinatorTest, JoinBeyondGroupMaxSizeIsGroupMaxSizeReached) {
  config.max_size = 2;
  restart();
  stable_group(2);
  auto c = join("");
  ASSERT_TRUE(c->answered());
  EXPECT_EQ(c->result->error_code, err::kGroupMaxSizeReached);
}

TEST_F(GroupCoordinatorTest, JoinWithUnknownMemberIdIsUnknownMemberId) {
  EXPECT_EQ(join("ghost")->result->error_code, err::kUnknownMemberId);
  stable_group(1);
  EXPECT_EQ(join("ghost")->result->error_code, err::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, EmptyGroupIdIsInvalidGroupId) {
  JoinOptions o;
  o.group = "";
  EXPECT_EQ(join("", o)->result->error_code, err::kInvalidGroupId);
}

TEST_F(GroupCoordinatorTest, HeartbeatWithAStaleGenerationIsIllegalGeneration) {
  auto [ids, gen] = stable_group(1);
  EXPECT_EQ(heartbeat(ids[0], gen), err::kNone);
  EXPECT_EQ(heartbeat(ids[0], gen - 1), err::kIllegalGeneration);
}

TEST_F(GroupCoordinatorTest, HeartbeatFromAnUnknownMemberIsUnknownMemberId) {
  auto [ids, gen] = stable_group(1);
  EXPECT_EQ(heartbeat("ghost", gen), err::kUnknownMemberId);
  EXPECT_EQ(coord->heartbeat(HeartbeatParams{"no-group", 1, "m", std::nullopt}),
            err::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, HeartbeatDuringCompletingRebalanceIsAccepted) {
  auto a = join("");
  EXPECT_EQ(heartbeat(a->result->member_id, 1), err::kNone);
}

TEST_F(GroupCoordinatorTest, SyncWithAStaleGenerationIsIllegalGeneration) {
  auto [ids, gen] = stable_group(1);
  auto s = sync(ids[0], gen + 5);
  EXPECT_EQ(s->result->error_code, err::kIllegalGeneration);
}

TEST_F(GroupCoordinatorTest, SyncFromAnUnknownMemberIsUnknownMemberId) {
  stable_group(1);
  EXPECT_EQ(sync("ghost", 1)->result->error_code, err::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, SyncDuringPreparingRebalanceIsRebalanceInProgress) {
  auto [ids, gen] = stable_group(2);
  join("");
  EXPECT_EQ(sync(ids[1], gen)->result->error_code, err::kRebalanceInProgress);
}

TEST_F(GroupCoordinatorTest, SyncWithAnotherProtocolNameIsInconsistentGroupProtocol) {
  auto a = join("");
  auto call = std::make_shared<testing::SyncCall>();
  SyncGroupParams p;
  p.group_id = kGroup;
  p.generation_id = 1;
  p.member_id = a->result->member_id;
  p.protocol_name = "roundrobin";
  coord->sync_group(p, [call](SyncGroupResult r) { call->result = r; });
  EXPECT_EQ(call->result->error_code, err::kInconsistentGroupProtocol);
}

TEST_F(GroupCoordinatorTest, WaitingSyncsAreAnsweredRebalanceInProgressWhenAMemberJoins) {
  auto a = join("");
  auto b = join("");
  auto a2 = join(a->result->member_id);
  std::string follower =
      a2->result->leader == a2->result->member_id ? b->result->member_id : a2->result->member_id;
  auto fs = sync(follower, 2);
  EXPECT_FALSE(fs->answered());
  join("");
  ASSERT_TRUE(fs->answered());
  EXPECT_EQ(fs->result->error_code, err::kRebalanceInProgress);
}

TEST_F(GroupCoordinatorTest, FailedAssignmentWriteAnswersTheErrorAndRebalances) {
  auto a = join("");
  std::string id = a->result->member_id;
  log.set_failure(io_error("disk gone"));
  auto s = sync(id, 1, {{id, Bytes{1}}});
  ASSERT_TRUE(s->answered());
  EXPECT_EQ(s->result->error_code, err::kCoordinatorNotAvailable);
  // The lone member is the whole group, so the new rebalance completes as soon as it rejoins.
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kPreparingRebalance);
  log.set_failure(Status::ok());
  auto again = join(id);
  ASSERT_TRUE(again->answered());
  EXPECT_EQ(again->result->generation_id, 2);
}

// ---- static membership ------------------------------------------------------------------------

TEST_F(GroupCoordinatorTest, StaticMemberRestartWithinTheSessionTimeoutCausesNoRebalance) {
  JoinOptions s1;
  s1.instance_id = "instance-1";
  JoinOptions s2;
  s2.instance_id = "instance-2";
  auto a = join("", s1);
  auto b = join("", s2);
  auto a2 = join(a->result->member_id, s1);
  ASSERT_TRUE(b->answered());
  std::string ida = a2->result->member_id;
  std::string idb = b->result->member_id;
  auto sb = sync(idb, 2, {}, "instance-2");
  auto sa = sync(ida, 2, {{ida, Bytes{1}}, {idb, Bytes{2}}}, "instance-1");
  ASSERT_TRUE(sb->answered());
  ASSERT_EQ(coord->group_state(kGroup), GroupState::kStable);

  // instance-2 restarts: a JoinGroup with no member id and the same instance id.
  clock.advance_ms(3000);
  auto restarted = join("", s2);
  ASSERT_TRUE(restarted->answered());
  EXPECT_EQ(restarted->result->error_code, err::kNone);
  EXPECT_EQ(restarted->result->generation_id, 2);
  EXPECT_NE(restarted->result->member_id, idb);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable);
  EXPECT_EQ(heartbeat(ida, 2, "instance-1"), err::kNone);
  // It gets its old assignment back; the old incarnation is fenced.
  auto again = sync(restarted->result->member_id, 2, {}, "instance-2");
  EXPECT_EQ(again->result->assignment, Bytes{2});
  EXPECT_EQ(heartbeat(idb, 2, "instance-2"), err::kFencedInstanceId);
}

TEST_F(GroupCoordinatorTest, StaticLeaderRestartIsToldTheOldLeaderIdByOldClients) {
  JoinOptions s1;
  s1.instance_id = "instance-1";
  auto a = join("", s1);
  std::string id = a->result->member_id;
  sync(id, 1, {{id, Bytes{1}}}, "instance-1");
  auto restarted = join("", s1);
  ASSERT_TRUE(restarted->answered());
  EXPECT_EQ(restarted->result->leader, id);
  EXPECT_NE(restarted->result->member_id, id);
  EXPECT_FALSE(restarted->result->skip_assignment);
}

TEST_F(GroupCoordinatorTest, StaticLeaderRestartOnV9GetsMembersAndSkipAssignment) {
  JoinOptions s1;
  s1.instance_id = "instance-1";
  s1.supports_skip_assignment = true;
  auto a = join("", s1);
  std::string id = a->result->member_id;
  sync(id, 1, {{id, Bytes{1}}}, "instance-1");
  auto restarted = join("", s1);
  ASSERT_TRUE(restarted->answered());
  EXPECT_TRUE(restarted->result->skip_assignment);
  EXPECT_EQ(restarted->result->leader, restarted->result->member_id);
  EXPECT_EQ(restarted->result->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, StaticMemberJoiningWithAnotherMembersIdIsFenced) {
  JoinOptions s1;
  s1.instance_id = "instance-1";
  auto a = join("", s1);
  EXPECT_EQ(join("someone-else", s1)->result->error_code, err::kFencedInstanceId);
  EXPECT_EQ(sync("someone-else", 1, {}, "instance-1")->result->error_code, err::kFencedInstanceId);
}

TEST_F(GroupCoordinatorTest, StaticLeaveWithTheWrongMemberIdIsFenced) {
  JoinOptions s1;
  s1.instance_id = "instance-1";
  join("", s1);
  LeaveGroupResult r =
      coord->leave_group(kGroup, {LeaveMember{"zombie", std::string("instance-1")}});
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].error_code, err::kFencedInstanceId);
}

TEST_F(GroupCoordinatorTest, StaticMemberThatMissesARebalanceKeepsItsPlace) {
  JoinOptions s1;
  s1.instance_id = "instance-1";
  JoinOptions s2;
  s2.instance_id = "instance-2";
  auto a = join("", s1);
  auto b = join("", s2);
  auto a2 = join(a->result->member_id, s1);
  std::string ida = a2->result->member_id;
  sync(b->result->member_id, 2, {}, "instance-2");
  sync(ida, 2, {{ida, Bytes{1}}}, "instance-1");
  // A dynamic member joins; instance-2 is slow to rejoin and the rebalance times out.
  auto c = join("");
  auto a3 = join(ida, s1);
  for (int i = 0; i < 5; ++i) {
    clock.advance_ms(6000);
    heartbeat(b->result->member_id, 2, "instance-2");
    coord->tick();
  }
  ASSERT_TRUE(a3->answered());
  EXPECT_EQ(a3->result->members.size(), 3u);
}

// ---- ownership and loading --------------------------------------------------------------------

TEST_F(GroupCoordinatorTest, GroupsOfAnUnownedPartitionAreNotCoordinator) {
  coord->unload_partition(0);
  EXPECT_EQ(join("")->result->error_code, err::kNotCoordinator);
  EXPECT_EQ(heartbeat("m", 1), err::kNotCoordinator);
  EXPECT_EQ(coord->fetch_offsets(kGroup, std::nullopt).error_code, err::kNotCoordinator);
}

TEST_F(GroupCoordinatorTest, GroupsOfAPartitionWaitingToLoadAnswerLoadInProgress) {
  coord->unload_partition(0);
  coord->begin_loading(0);
  EXPECT_EQ(join("")->result->error_code, err::kCoordinatorLoadInProgress);
  EXPECT_EQ(coord->fetch_offsets(kGroup, std::nullopt).error_code, err::kCoordinatorLoadInProgress);
  ASSERT_TRUE(coord->load_partition(0).is_ok());
  EXPECT_EQ(coord->fetch_offsets(kGroup, std::nullopt).error_code, err::kNone);
}

TEST_F(GroupCoordinatorTest, UnloadAnswersWaitingRequestsNotCoordinator) {
  auto [ids, gen] = stable_group(2);
  auto a = join(ids[0]);
  EXPECT_FALSE(a->answered());
  coord->unload_partition(0);
  ASSERT_TRUE(a->answered());
  EXPECT_EQ(a->result->error_code, err::kNotCoordinator);
  EXPECT_EQ(coord->group_count(), 0u);
}

TEST_F(GroupCoordinatorTest, AppendCompletingAfterAnUnloadChangesNothing) {
  auto a = join("");
  std::string id = a->result->member_id;
  log.set_hold(true);
  auto s = sync(id, 1, {{id, Bytes{1}}});
  coord->unload_partition(0);
  ASSERT_TRUE(s->answered());
  EXPECT_EQ(s->result->error_code, err::kNotCoordinator);
  log.complete_held();
  EXPECT_EQ(coord->group_state(kGroup), std::nullopt);
}

TEST_F(GroupCoordinatorTest, RestartRestoresAStableGroupThatKeepsItsGeneration) {
  auto [ids, gen] = stable_group(2);
  restart();
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable);
  EXPECT_EQ(coord->group_generation(kGroup), gen);
  EXPECT_EQ(heartbeat(ids[1], gen), err::kNone);
  auto s = sync(ids[1], gen);
  EXPECT_EQ(s->result->assignment, Bytes{1});
  // Members that do not come back expire after their session timeout.
  clock.advance_ms(6'000);
  EXPECT_EQ(heartbeat(ids[1], gen), err::kNone);
  clock.advance_ms(4'001);
  coord->tick();
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kPreparingRebalance);
}

TEST_F(GroupCoordinatorTest, LoadRejectsAPartitionOutsideTheOffsetsTopic) {
  EXPECT_FALSE(coord->load_partition(config.offsets_topic_num_partitions).is_ok());
}

}  // namespace
}  // namespace eddy::group
