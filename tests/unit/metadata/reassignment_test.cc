// Partition reassignment decisions (ClusterControl::alter_partition_reassignment and the
// completion in PartitionChangeBuilder): Kafka's KIP-455 semantics, target replicas = adding +
// the replicas that stay, adding replicas join the ISR, then the removing ones leave.
#include <gtest/gtest.h>

#include "cluster_fixture.h"

namespace eddy::metadata {
namespace {

using V = std::vector<int32_t>;

class ReassignmentTest : public testing::ClusterFixture {
 protected:
  void SetUp() override {
    start_brokers(5);
    CreateTopicSpec spec;
    spec.name = "t";
    spec.assignments[0] = {1, 2, 3};
    pb::MetadataBatch b;
    ASSERT_TRUE(topics_.create_topic(image_, spec, &b).ok());
    commit(b);
  }
  ControllerResult reassign(std::optional<V> target, bool allow_rf_change = true,
                            const std::string& topic = "t", int32_t partition = 0) {
    pb::MetadataBatch b;
    ControllerResult r = control_.alter_partition_reassignment(image_, topic, partition, target,
                                                               allow_rf_change, &b);
    if (r.ok()) commit(b);
    return r;
  }
  // The leader reports `isr` (AlterPartition), as it does when a follower catches up.
  protocol::ErrorCode expand_isr(const V& isr) {
    const PartitionState& p = partition("t", 0);
    AlterPartitionRequest req;
    req.broker_id = p.leader;
    req.broker_epoch = image_.broker(p.leader)->epoch;
    AlterPartitionRequest::Partition part;
    part.topic_id = image_.topic("t")->id;
    part.partition = 0;
    part.leader_epoch = p.leader_epoch;
    part.partition_epoch = p.partition_epoch;
    for (int32_t r : isr) part.new_isr.push_back({r, image_.broker(r)->epoch});
    req.partitions.push_back(part);
    pb::MetadataBatch b;
    AlterPartitionReply reply = control_.alter_partition(image_, req, &b);
    commit(b);
    return reply.error != protocol::ErrorCode::kNone ? reply.error : reply.partitions.at(0).error;
  }
  // Reassigns t-0 from {1, 2, 3} to {4, 5, 1}; 4 joins the ISR, then brokers 1-3 fall silent and
  // are fenced one by one, so the ISR ends as the adding replica 4 alone.
  void leave_the_adding_replica_alone_in_the_isr() {
    ASSERT_TRUE(reassign(V{4, 5, 1}).ok());
    ASSERT_EQ(expand_isr({1, 2, 3, 4}), protocol::ErrorCode::kNone);
    now_ += 10'000;
    for (int32_t id : {4, 5}) heartbeat(id);
    for (int k = 0; k < 3; ++k) {
      pb::MetadataBatch b;
      ASSERT_GE(control_.fence_one_expired(image_, sessions_, now_, &b), 0);
      commit(b);
    }
  }
};

TEST_F(ReassignmentTest, AddingReplicasJoinTheIsrThenTheRemovingOnesLeave) {
  const PartitionState before = partition("t", 0);
  ASSERT_EQ(before.leader, 1);
  ASSERT_TRUE(reassign(V{2, 3, 4}).ok());
  const PartitionState& p = partition("t", 0);
  EXPECT_EQ(p.replicas, (V{2, 3, 4, 1}));  // the target first, then the leaving replica
  EXPECT_EQ(p.adding_replicas, V{4});
  EXPECT_EQ(p.removing_replicas, V{1});
  EXPECT_EQ(p.isr, (V{1, 2, 3}));
  EXPECT_EQ(p.leader, 1) << "the leader stays until the reassignment completes";
  EXPECT_EQ(p.partition_epoch, before.partition_epoch + 1);

  // Broker 4 caught up: the leader adds it to the ISR, and that change completes the
  // reassignment: broker 1 leaves the replicas, the ISR and the leadership.
  ASSERT_EQ(expand_isr({1, 2, 3, 4}), protocol::ErrorCode::kNone);
  const PartitionState& done = partition("t", 0);
  EXPECT_EQ(done.replicas, (V{2, 3, 4}));
  EXPECT_EQ(done.isr, (V{2, 3, 4}));
  EXPECT_TRUE(done.adding_replicas.empty());
  EXPECT_TRUE(done.removing_replicas.empty());
  EXPECT_EQ(done.leader, 2);
  EXPECT_EQ(done.leader_epoch, before.leader_epoch + 1);
}

TEST_F(ReassignmentTest, AnIsrChangeShortOfTheTargetLeavesItInProgress) {
  ASSERT_TRUE(reassign(V{1, 4, 5}).ok());
  ASSERT_EQ(expand_isr({1, 2, 3, 4}), protocol::ErrorCode::kNone);
  const PartitionState& p = partition("t", 0);
  EXPECT_EQ(p.replicas, (V{1, 4, 5, 2, 3}));
  EXPECT_EQ(p.adding_replicas, (V{4, 5}));
  EXPECT_EQ(p.removing_replicas, (V{2, 3}));
  ASSERT_EQ(expand_isr({1, 2, 3, 4, 5}), protocol::ErrorCode::kNone);
  EXPECT_EQ(partition("t", 0).replicas, (V{1, 4, 5}));
  EXPECT_EQ(partition("t", 0).isr, (V{1, 4, 5}));
  EXPECT_EQ(partition("t", 0).leader, 1);
}

TEST_F(ReassignmentTest, OnlyRemovingReplicasCompletesAtOnce) {
  ASSERT_TRUE(reassign(V{2, 1}).ok());
  const PartitionState& p = partition("t", 0);
  EXPECT_EQ(p.replicas, (V{2, 1}));
  EXPECT_EQ(p.isr, (V{1, 2}));
  EXPECT_TRUE(p.adding_replicas.empty());
  EXPECT_TRUE(p.removing_replicas.empty());
  EXPECT_EQ(p.leader, 1);
}

TEST_F(ReassignmentTest, TheSameReplicasChangeNothing) {
  const int32_t epoch = partition("t", 0).partition_epoch;
  ASSERT_TRUE(reassign(V{1, 2, 3}).ok());
  EXPECT_EQ(partition("t", 0).partition_epoch, epoch);
}

TEST_F(ReassignmentTest, CancelGoesBackToTheOriginalReplicas) {
  ASSERT_TRUE(reassign(V{2, 3, 4}).ok());
  ASSERT_EQ(expand_isr({1, 2, 3}), protocol::ErrorCode::kNone);
  ASSERT_TRUE(reassign(std::nullopt).ok());
  const PartitionState& p = partition("t", 0);
  // Kafka's PartitionReassignmentRevert: the replicas minus the adding ones, in their order.
  EXPECT_EQ(p.replicas, (V{2, 3, 1}));
  EXPECT_EQ(p.isr, (V{1, 2, 3}));
  EXPECT_TRUE(p.adding_replicas.empty());
  EXPECT_TRUE(p.removing_replicas.empty());
  EXPECT_EQ(p.leader, 1);
  EXPECT_EQ(reassign(std::nullopt).code, protocol::ErrorCode::kNoReassignmentInProgress);
}

// Kafka's cancelPartitionReassignment reverts even when every adding replica is in sync: the
// adding replicas leave the replicas and the ISR, and the leader stays if it is an original one.
TEST_F(ReassignmentTest, CancelRevertsWhenEveryAddingReplicaIsInSync) {
  ASSERT_TRUE(reassign(V{4, 5, 1}).ok());
  // Broker 1 (the leader) falls silent and is fenced: broker 2 leads, the ISR is {2, 3}.
  now_ += 10'000;
  for (int32_t id : {2, 3, 4, 5}) heartbeat(id);
  pb::MetadataBatch fence;
  ASSERT_EQ(control_.fence_one_expired(image_, sessions_, now_, &fence), 1);
  commit(fence);
  ASSERT_EQ(partition("t", 0).leader, 2);
  // Both adding replicas catch up; the target (4, 5, 1) still waits for broker 1.
  ASSERT_EQ(expand_isr({2, 3, 4, 5}), protocol::ErrorCode::kNone);
  ASSERT_EQ(partition("t", 0).adding_replicas, (V{4, 5}));
  ASSERT_TRUE(reassign(std::nullopt).ok());
  const PartitionState& p = partition("t", 0);
  EXPECT_EQ(p.replicas, (V{1, 2, 3}));
  EXPECT_EQ(p.isr, (V{2, 3}));
  EXPECT_EQ(p.leader, 2);
  EXPECT_TRUE(p.adding_replicas.empty());
  EXPECT_TRUE(p.removing_replicas.empty());
}

// When the ISR holds adding replicas only, a cancel used to put the first original replica, out
// of sync, in the ISR alone (the controller simulation checks that no decision but an
// AlterPartition or an allowed unclean election adds an ISR member: InvariantChecker::planned).
// Kafka refuses it (INVALID_REPLICA_ASSIGNMENT) unless unclean leader election is enabled.
TEST_F(ReassignmentTest, CancelThatNeedsAnUncleanElectionIsRefusedUnlessEnabled) {
  ASSERT_NO_FATAL_FAILURE(leave_the_adding_replica_alone_in_the_isr());
  const PartitionState before = partition("t", 0);
  ASSERT_EQ(before.isr, V{4});
  ControllerResult r = reassign(std::nullopt);
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidReplicaAssignment);
  EXPECT_EQ(r.message,
            "Unable to revert partition assignment for t:0 because it would require an unclean "
            "leader election.");
  EXPECT_EQ(partition("t", 0).partition_epoch, before.partition_epoch) << "nothing changed";

  // With unclean.leader.election.enable: back to the original replicas, the ISR the first
  // original replica (leaderless while it is fenced).
  ClusterSettings s = settings();
  s.unclean_leader_election_enable = true;
  ClusterControl unclean(s);
  pb::MetadataBatch b;
  ASSERT_TRUE(unclean.alter_partition_reassignment(image_, "t", 0, std::nullopt, true, &b).ok());
  commit(b);
  const PartitionState& p = partition("t", 0);
  EXPECT_EQ(p.replicas, (V{1, 2, 3}));
  EXPECT_EQ(p.isr, V{1});
  EXPECT_EQ(p.leader, kNoLeader);
  EXPECT_TRUE(p.adding_replicas.empty());
}

TEST_F(ReassignmentTest, ANewTargetReplacesTheOngoingOneFromTheOriginalReplicas) {
  ASSERT_TRUE(reassign(V{2, 3, 4}).ok());
  ASSERT_TRUE(reassign(V{1, 2, 5}).ok());
  const PartitionState& p = partition("t", 0);
  EXPECT_EQ(p.replicas, (V{1, 2, 5, 3}));
  EXPECT_EQ(p.adding_replicas, V{5});
  EXPECT_EQ(p.removing_replicas, V{3});
  EXPECT_EQ(p.isr, (V{1, 2, 3}));
}

// Found by the controller simulation (tests/sim/controller, seed 411 of 3 controllers, seed 155
// of 5): a new target that drops the adding replicas that make up the whole ISR used to leave
// that ISR in place, outside the new replicas.
TEST_F(ReassignmentTest, ANewTargetThatLeavesNoInSyncReplicaIsRefused) {
  ASSERT_NO_FATAL_FAILURE(leave_the_adding_replica_alone_in_the_isr());
  ASSERT_EQ(partition("t", 0).isr, V{4});
  const PartitionState before = partition("t", 0);
  EXPECT_EQ(reassign(V{1, 2, 3}).code, protocol::ErrorCode::kInvalidReplicaAssignment);
  const PartitionState& p = partition("t", 0);
  EXPECT_EQ(p.replicas, before.replicas);
  EXPECT_EQ(p.isr, V{4});
  EXPECT_EQ(p.partition_epoch, before.partition_epoch);
  // Keeping replica 4 in the target is fine.
  EXPECT_TRUE(reassign(V{4, 2, 3}).ok());
  for (int32_t r : partition("t", 0).isr)
    EXPECT_NE(std::count(partition("t", 0).replicas.begin(), partition("t", 0).replicas.end(), r),
              0);
}

TEST_F(ReassignmentTest, BadTargetsAreRefusedWithKafkasCodes) {
  const int32_t epoch = partition("t", 0).partition_epoch;
  EXPECT_EQ(reassign(V{}).code, protocol::ErrorCode::kInvalidReplicaAssignment);
  EXPECT_EQ(reassign(V{1, 1, 2}).code, protocol::ErrorCode::kInvalidReplicaAssignment);
  EXPECT_EQ(reassign(V{1, 2, 9}).code, protocol::ErrorCode::kInvalidReplicaAssignment);
  EXPECT_EQ(reassign(V{1, 2}, /*allow_rf_change=*/false).code,
            protocol::ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(reassign(V{1, 2}, true, "nosuch").code, protocol::ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(reassign(V{1, 2}, true, "t", 1).code, protocol::ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(partition("t", 0).partition_epoch, epoch) << "nothing changed";
}

TEST_F(ReassignmentTest, ARemovingLeaderThatIsFencedHandsOverBeforeCompletion) {
  ASSERT_TRUE(reassign(V{2, 3, 4}).ok());
  // Broker 1's session expires: it leaves the ISR and the leadership while the reassignment is
  // still waiting for broker 4.
  now_ += 10'000;
  for (int32_t id : {2, 3, 4, 5}) heartbeat(id);
  pb::MetadataBatch b;
  ASSERT_EQ(control_.fence_one_expired(image_, sessions_, now_, &b), 1);
  commit(b);
  const PartitionState& p = partition("t", 0);
  EXPECT_EQ(p.leader, 2);
  EXPECT_EQ(p.isr, (V{2, 3}));
  EXPECT_EQ(p.adding_replicas, V{4});
  ASSERT_EQ(expand_isr({2, 3, 4}), protocol::ErrorCode::kNone);
  EXPECT_EQ(partition("t", 0).replicas, (V{2, 3, 4}));
  EXPECT_TRUE(partition("t", 0).removing_replicas.empty());
}

}  // namespace
}  // namespace eddy::metadata
