// ClusterControl's decisions, one behaviour per test.
#include "metadata/cluster_control.h"

#include <set>

#include "cluster_fixture.h"

namespace eddy::metadata::testing {
namespace {

using ClusterControlTest = ClusterFixture;
using E = protocol::ErrorCode;

// --- registration

TEST_F(ClusterControlTest, ABrokerRegistersFencedWithItsRecordOffsetAsEpoch) {
  int64_t offset = next_offset();
  auto reply = register_broker(1, "r1");
  ASSERT_TRUE(reply.result.ok());
  EXPECT_EQ(reply.broker_epoch, offset);
  const BrokerRegistration* b = image_.broker(1);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->epoch, offset);
  EXPECT_TRUE(b->fenced);
  EXPECT_EQ(b->rack, "r1");
  EXPECT_FALSE(image_.broker_active(1));
}

TEST_F(ClusterControlTest, AHeartbeatUnfencesOnlyOnceCaughtUpToTheRegistration) {
  auto reg = register_broker(1);
  BrokerHeartbeatRequest req;
  req.broker_id = 1;
  req.broker_epoch = reg.broker_epoch;
  req.current_metadata_offset = reg.broker_epoch - 1;  // behind its own registration
  pb::MetadataBatch b;
  auto reply = control_.heartbeat(image_, sessions_, req, now_, &b);
  EXPECT_FALSE(reply.is_caught_up);
  EXPECT_TRUE(reply.is_fenced);
  EXPECT_EQ(b.records_size(), 0);

  req.current_metadata_offset = reg.broker_epoch;
  reply = control_.heartbeat(image_, sessions_, req, now_, &b);
  EXPECT_TRUE(reply.is_caught_up);
  EXPECT_FALSE(reply.is_fenced);
  ASSERT_EQ(b.records_size(), 1);
  EXPECT_TRUE(b.records(0).has_unfence_broker());
  commit(b);
  EXPECT_TRUE(image_.broker_active(1));
}

TEST_F(ClusterControlTest, WrongClusterIdIsInconsistentClusterId) {
  BrokerRegistrationRequest req;
  req.broker_id = 1;
  req.cluster_id = "another-cluster";
  pb::MetadataBatch b;
  auto reply = control_.register_broker(image_, sessions_, req, 0, now_, &b);
  EXPECT_EQ(reply.result.code, E::kInconsistentClusterId);
  EXPECT_EQ(b.records_size(), 0);
}

TEST_F(ClusterControlTest, AnotherIncarnationWhileTheSessionLivesIsDuplicate) {
  ASSERT_TRUE(register_broker(1, {}, 'a').result.ok());
  ASSERT_FALSE(heartbeat(1).is_fenced);
  now_ += 1000;
  EXPECT_EQ(register_broker(1, {}, 'b').result.code, E::kDuplicateBrokerRegistration);
  // The same incarnation retrying is fine, and gets a new epoch.
  int64_t old_epoch = image_.broker(1)->epoch;
  ASSERT_TRUE(register_broker(1, {}, 'a').result.ok());
  EXPECT_GT(image_.broker(1)->epoch, old_epoch);
  // Once the session expired, another incarnation may take the id.
  ASSERT_FALSE(heartbeat(1).is_fenced);
  now_ += 9000;
  EXPECT_TRUE(register_broker(1, {}, 'b').result.ok());
}

TEST_F(ClusterControlTest, StaleOrUnknownHeartbeatsAreRefused) {
  start_brokers(1);
  BrokerHeartbeatRequest req;
  req.broker_id = 1;
  req.broker_epoch = image_.broker(1)->epoch - 1;
  pb::MetadataBatch b;
  EXPECT_EQ(control_.heartbeat(image_, sessions_, req, now_, &b).result.code, E::kStaleBrokerEpoch);
  req.broker_id = 9;
  EXPECT_EQ(control_.heartbeat(image_, sessions_, req, now_, &b).result.code,
            E::kBrokerIdNotRegistered);
  EXPECT_EQ(b.records_size(), 0);
}

TEST_F(ClusterControlTest, ARestartedBrokerLeavesItsIsrsWhenItRegistersAgain) {
  start_brokers(2);
  create_topic("t", 2, 2);
  now_ += 10000;  // the old process is gone; its session lapsed before anyone noticed
  heartbeat(2);
  ASSERT_TRUE(register_broker(1, {}, 'b').result.ok());
  for (int32_t p = 0; p < 2; ++p) {
    EXPECT_EQ(partition("t", p).leader, 2);
    EXPECT_EQ(partition("t", p).isr, std::vector<int32_t>({2}));
  }
}

// --- sessions and fencing

TEST_F(ClusterControlTest, SessionExpiryFencesAndMovesLeadershipsAndIsrs) {
  start_brokers(3);
  create_topic("t", 3, 3);
  now_ += 5000;
  heartbeat(1);
  heartbeat(3);
  pb::MetadataBatch b;
  EXPECT_EQ(control_.fence_one_expired(image_, sessions_, now_, &b), -1);  // 5 s < 9 s
  now_ += 5000;  // broker 2 silent for 10 s
  heartbeat(1);
  heartbeat(3);
  ASSERT_EQ(control_.fence_one_expired(image_, sessions_, now_, &b), 2);
  commit(b);
  EXPECT_TRUE(image_.broker(2)->fenced);
  for (int32_t p = 0; p < 3; ++p) {
    const auto& s = partition("t", p);
    EXPECT_NE(s.leader, 2);
    EXPECT_EQ(std::count(s.isr.begin(), s.isr.end(), 2), 0);
  }
  pb::MetadataBatch again;
  EXPECT_EQ(control_.fence_one_expired(image_, sessions_, now_, &again), -1);
}

TEST_F(ClusterControlTest, ANewTermStartsEverySessionAfreshOnce) {
  start_brokers(2);
  now_ += 8000;
  heartbeat(1);  // broker 2 silent for 8 s of its 9
  EXPECT_TRUE(sessions_.start_term(2, image_, now_));
  now_ += 5000;  // 13 s of silence, but only 5 s since the new controller took over
  pb::MetadataBatch b;
  EXPECT_EQ(control_.fence_one_expired(image_, sessions_, now_, &b), -1);
  // Later calls in the same term change nothing.
  EXPECT_FALSE(sessions_.start_term(2, image_, now_));
  now_ += 5000;
  heartbeat(1);
  EXPECT_EQ(control_.fence_one_expired(image_, sessions_, now_, &b), 2);
}

TEST_F(ClusterControlTest, AnUnfencedBrokerLeadsThePartitionsThatHadNoLeader) {
  start_brokers(2);
  CreateTopicSpec spec;
  spec.name = "only-1";
  spec.assignments[0] = {1};
  pb::MetadataBatch create;
  ASSERT_TRUE(topics_.create_topic(image_, spec, &create).ok());
  commit(create);
  fence_silent(1, 2);
  EXPECT_EQ(partition("only-1", 0).leader, kNoLeader);
  EXPECT_EQ(partition("only-1", 0).isr, std::vector<int32_t>({1}));  // kept: no unclean needed
  int32_t leader_epoch = partition("only-1", 0).leader_epoch;
  EXPECT_FALSE(heartbeat(1).is_fenced);
  EXPECT_EQ(partition("only-1", 0).leader, 1);
  EXPECT_EQ(partition("only-1", 0).leader_epoch, leader_epoch + 1);
}

// unclean.leader.election.enable as a topic override: with the only ISR member fenced, the
// out-of-sync replica leads that topic's partition, and not the partition of a topic without it.
TEST_F(ClusterControlTest, TopicUncleanLeaderElectionEnableLetsAnOutOfSyncReplicaLead) {
  start_brokers(2);
  for (const char* name : {"unclean", "clean"}) {
    CreateTopicSpec spec;
    spec.name = name;
    spec.assignments[0] = {1, 2};
    if (std::string(name) == "unclean") spec.configs["unclean.leader.election.enable"] = "true";
    pb::MetadataBatch create;
    ASSERT_TRUE(topics_.create_topic(image_, spec, &create).ok());
    commit(create);
  }
  // Broker 2 is fenced (it leaves the ISRs), then comes back out of sync.
  fence_silent(2, 1);
  ASSERT_FALSE(heartbeat(2).is_fenced);
  ASSERT_EQ(partition("unclean", 0).isr, std::vector<int32_t>({1}));
  // Now broker 1, the only ISR member, is fenced.
  fence_silent(1, 2);
  EXPECT_EQ(partition("unclean", 0).leader, 2);
  EXPECT_EQ(partition("unclean", 0).isr, std::vector<int32_t>({2}));
  EXPECT_EQ(partition("clean", 0).leader, kNoLeader);
  EXPECT_EQ(partition("clean", 0).isr, std::vector<int32_t>({1}));
}

// --- controlled shutdown

TEST_F(ClusterControlTest, ControlledShutdownMovesLeadersAwayThenLetsTheBrokerStop) {
  start_brokers(3);
  create_topic("t", 6, 3);
  ASSERT_TRUE(leads_any(image_, 1));
  auto first = heartbeat(1, /*want_shut_down=*/true);
  EXPECT_FALSE(first.should_shut_down);
  EXPECT_TRUE(image_.broker(1)->in_controlled_shutdown);
  EXPECT_FALSE(leads_any(image_, 1));
  for (int32_t p = 0; p < 6; ++p) {
    EXPECT_EQ(std::count(partition("t", p).isr.begin(), partition("t", p).isr.end(), 1), 0);
  }
  auto second = heartbeat(1, true);
  EXPECT_TRUE(second.should_shut_down);
  EXPECT_TRUE(image_.broker(1)->fenced);
  EXPECT_FALSE(image_.broker(1)->in_controlled_shutdown);
}

TEST_F(ClusterControlTest, ABrokerThatLeadsNothingStopsAtOnce) {
  start_brokers(2);
  auto reply = heartbeat(2, true);
  EXPECT_TRUE(reply.should_shut_down);
  EXPECT_TRUE(image_.broker(2)->fenced);
}

// --- elections

TEST_F(ClusterControlTest, ElectLeadersPreferredAndUnclean) {
  start_brokers(3);
  create_topic("t", 1, 3);
  std::vector<int32_t> replicas = partition("t", 0).replicas;
  pb::MetadataBatch none;
  auto results = control_.elect_leaders(image_, Election::kPreferred, {{"t", 0}}, &none);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].error, E::kElectionNotNeeded);
  EXPECT_EQ(control_.elect_leaders(image_, Election::kPreferred, {{"t", 7}}, &none)[0].error,
            E::kUnknownTopicOrPartition);
  EXPECT_EQ(control_.elect_leaders(image_, Election::kUnclean, {{"t", 0}}, &none)[0].error,
            E::kElectionNotNeeded);
  EXPECT_EQ(none.records_size(), 0);

  // The preferred leader shuts down; leadership moves; it returns and is elected back.
  heartbeat(replicas[0], true);
  heartbeat(replicas[0], true);
  ASSERT_NE(partition("t", 0).leader, replicas[0]);
  pb::MetadataBatch b;
  EXPECT_EQ(control_.elect_leaders(image_, Election::kPreferred, {{"t", 0}}, &b)[0].error,
            E::kPreferredLeaderNotAvailable);
  ASSERT_TRUE(register_broker(replicas[0], {}, 'b').result.ok());
  heartbeat(replicas[0]);
  // Back in the ISR through its leader's AlterPartition.
  const PartitionState& p = partition("t", 0);
  AlterPartitionRequest req;
  req.broker_id = p.leader;
  req.broker_epoch = image_.broker(p.leader)->epoch;
  req.partitions.push_back({image_.topic("t")->id, 0, p.leader_epoch, p.partition_epoch, {}});
  for (int32_t r : p.replicas) req.partitions[0].new_isr.push_back({r, -1});
  pb::MetadataBatch expand;
  ASSERT_EQ(control_.alter_partition(image_, req, &expand).partitions[0].error, E::kNone);
  commit(expand);
  pb::MetadataBatch elect;
  EXPECT_EQ(control_.elect_leaders(image_, Election::kPreferred, {{"t", 0}}, &elect)[0].error,
            E::kNone);
  commit(elect);
  EXPECT_EQ(partition("t", 0).leader, replicas[0]);
}

TEST_F(ClusterControlTest, RebalanceMovesLeadershipBackToPreferredReplicasAboveTheThreshold) {
  start_brokers(2);
  CreateTopicSpec spec;
  spec.name = "t";
  for (int32_t p = 0; p < 10; ++p) spec.assignments[p] = {1, 2};
  pb::MetadataBatch create;
  ASSERT_TRUE(topics_.create_topic(image_, spec, &create).ok());
  commit(create);
  heartbeat(1, true);  // leadership moves to 2
  heartbeat(1, true);  // stopped
  ASSERT_TRUE(register_broker(1, {}, 'b').result.ok());
  heartbeat(1);
  // Broker 1 back in every ISR.
  for (int32_t p = 0; p < 10; ++p) {
    const PartitionState& s = partition("t", p);
    AlterPartitionRequest req;
    req.broker_id = 2;
    req.broker_epoch = image_.broker(2)->epoch;
    req.partitions.push_back({image_.topic("t")->id,
                              p,
                              s.leader_epoch,
                              s.partition_epoch,
                              {{1, image_.broker(1)->epoch}, {2, -1}}});
    pb::MetadataBatch b;
    ASSERT_EQ(control_.alter_partition(image_, req, &b).partitions[0].error, E::kNone);
    commit(b);
  }
  pb::MetadataBatch b;
  EXPECT_EQ(control_.rebalance_leaders(image_, &b), 10);
  commit(b);
  for (int32_t p = 0; p < 10; ++p) EXPECT_EQ(partition("t", p).leader, 1);
  pb::MetadataBatch balanced;
  EXPECT_EQ(control_.rebalance_leaders(image_, &balanced), 0);
  EXPECT_EQ(balanced.records_size(), 0);
}

// --- AlterPartition

class AlterPartitionTest : public ClusterFixture {
 protected:
  void SetUp() override {
    start_brokers(3);
    create_topic("t", 1, 3);
    leader_ = partition("t", 0).leader;
  }
  AlterPartitionRequest request(std::vector<int32_t> isr) {
    const PartitionState& p = partition("t", 0);
    AlterPartitionRequest req;
    req.broker_id = leader_;
    req.broker_epoch = image_.broker(leader_)->epoch;
    AlterPartitionRequest::Partition part{
        image_.topic("t")->id, 0, p.leader_epoch, p.partition_epoch, {}};
    for (int32_t r : isr)
      part.new_isr.push_back({r, image_.broker(r) ? image_.broker(r)->epoch : 0});
    req.partitions.push_back(part);
    return req;
  }
  protocol::ErrorCode send(const AlterPartitionRequest& req) {
    pb::MetadataBatch b;
    AlterPartitionReply reply = control_.alter_partition(image_, req, &b);
    if (reply.error != E::kNone) return reply.error;
    if (reply.partitions[0].error != E::kNone) {
      EXPECT_EQ(b.records_size(), 0);
    }
    commit(b);
    return reply.partitions[0].error;
  }
  std::vector<int32_t> others() const {
    std::vector<int32_t> o;
    for (int32_t r : partition("t", 0).replicas) {
      if (r != leader_) o.push_back(r);
    }
    return o;
  }
  int32_t leader_ = -1;
};

TEST_F(AlterPartitionTest, ShrinkThenExpandWithAnswersOfTheNewState) {
  auto req = request({leader_, others()[0]});
  pb::MetadataBatch b;
  AlterPartitionReply reply = control_.alter_partition(image_, req, &b);
  ASSERT_EQ(reply.partitions[0].error, E::kNone);
  EXPECT_EQ(reply.partitions[0].partition_epoch, partition("t", 0).partition_epoch + 1);
  EXPECT_EQ(reply.partitions[0].leader_epoch, partition("t", 0).leader_epoch);
  commit(b);
  EXPECT_EQ(partition("t", 0).isr, std::vector<int32_t>({leader_, others()[0]}));
  EXPECT_EQ(partition("t", 0).partition_epoch, reply.partitions[0].partition_epoch);
  EXPECT_EQ(send(request({leader_, others()[0], others()[1]})), E::kNone);
  EXPECT_EQ(partition("t", 0).isr.size(), 3u);
}

TEST_F(AlterPartitionTest, ErrorsInKafkasOrder) {
  // 1. The sender's broker epoch, for the whole request.
  auto req = request({leader_});
  req.broker_epoch -= 1;
  EXPECT_EQ(send(req), E::kStaleBrokerEpoch);
  // 2. Unknown topic id.
  req = request({leader_});
  req.partitions[0].topic_id = *Uuid::from_bytes(std::string(16, 'x'));
  EXPECT_EQ(send(req), E::kUnknownTopicId);
  // 3. Unknown partition.
  req = request({leader_});
  req.partitions[0].partition = 5;
  EXPECT_EQ(send(req), E::kUnknownTopicOrPartition);
  // 4. Epochs newer than ours: we are not the controller it should talk to.
  req = request({leader_});
  req.partitions[0].leader_epoch += 1;
  EXPECT_EQ(send(req), E::kNotController);
  // 5. An older leader epoch, before whether it is the leader at all.
  req = request({leader_});
  req.broker_id = others()[0];
  req.broker_epoch = image_.broker(others()[0])->epoch;
  req.partitions[0].leader_epoch -= 1;
  EXPECT_EQ(send(req), E::kFencedLeaderEpoch);
  // 6. Not the leader.
  req.partitions[0].leader_epoch += 1;
  EXPECT_EQ(send(req), E::kInvalidRequest);
  // 7. An older partition epoch.
  ASSERT_EQ(send(request({leader_, others()[0]})), E::kNone);
  req = request({leader_});
  req.partitions[0].partition_epoch -= 1;
  EXPECT_EQ(send(req), E::kInvalidUpdateVersion);
  // 8. A bad ISR: outside the replicas, duplicated, without the leader, empty.
  EXPECT_EQ(send(request({leader_, 99})), E::kInvalidRequest);
  EXPECT_EQ(send(request({leader_, leader_})), E::kInvalidRequest);
  EXPECT_EQ(send(request({others()[0]})), E::kInvalidRequest);
  EXPECT_EQ(send(request({})), E::kInvalidRequest);
  // 9. An ineligible replica: another epoch, or fenced, or shutting down.
  req = request({leader_, others()[1]});
  req.partitions[0].new_isr[1].broker_epoch += 1;
  EXPECT_EQ(send(req), E::kIneligibleReplica);
  heartbeat(others()[1], /*want_shut_down=*/true);  // leads nothing here: fenced at once
  EXPECT_EQ(send(request({leader_, others()[1]})), E::kIneligibleReplica);
}

// --- producer ids

TEST_F(ClusterControlTest, ProducerIdBlocksAreUniqueAcrossBrokers) {
  start_brokers(2);
  std::set<int64_t> firsts;
  for (int i = 0; i < 4; ++i) {
    int32_t broker = 1 + i % 2;
    int64_t first = -1;
    pb::MetadataBatch b;
    ASSERT_TRUE(
        control_.allocate_producer_ids(image_, broker, image_.broker(broker)->epoch, &first, &b)
            .ok());
    commit(b);
    EXPECT_EQ(first, i * kProducerIdBlockSize);
    EXPECT_TRUE(firsts.insert(first).second);
  }
  EXPECT_EQ(image_.next_producer_id(), 4 * kProducerIdBlockSize);
  int64_t first = -1;
  pb::MetadataBatch b;
  EXPECT_EQ(control_.allocate_producer_ids(image_, 1, 12345, &first, &b).code,
            E::kStaleBrokerEpoch);
  EXPECT_EQ(control_.allocate_producer_ids(image_, 9, 0, &first, &b).code, E::kStaleBrokerEpoch);
}

TEST_F(ClusterControlTest, UnregisterLeavesIsrsAndRemovesTheBroker) {
  start_brokers(3);
  create_topic("t", 3, 3);
  pb::MetadataBatch b;
  ASSERT_TRUE(control_.unregister_broker(image_, sessions_, 3, &b).ok());
  commit(b);
  EXPECT_EQ(image_.broker(3), nullptr);
  for (int32_t p = 0; p < 3; ++p) {
    EXPECT_NE(partition("t", p).leader, 3);
    EXPECT_EQ(std::count(partition("t", p).isr.begin(), partition("t", p).isr.end(), 3), 0);
  }
  pb::MetadataBatch again;
  EXPECT_EQ(control_.unregister_broker(image_, sessions_, 3, &again).code,
            E::kBrokerIdNotRegistered);
}

}  // namespace
}  // namespace eddy::metadata::testing
