// A transcript of a three-broker cluster's life, told through the controller's decisions, with
// the cluster's invariants checked after every step:
//  - a leader is always a live (registered, unfenced, not shutting down) member of its ISR;
//  - the ISR is a non-empty subset of the replicas;
//  - leader epochs, partition epochs and broker epochs never go backwards.
#include <map>

#include "cluster_fixture.h"

namespace eddy::metadata::testing {
namespace {

using E = protocol::ErrorCode;

class ClusterStory : public ClusterFixture {
 protected:
  // After every step.
  void check_invariants(const std::string& step) {
    SCOPED_TRACE(step);
    for (const auto& [name, t] : image_.topics()) {
      for (const auto& p : t->partitions) {
        SCOPED_TRACE(name + "-" + std::to_string(p.partition));
        ASSERT_FALSE(p.isr.empty());
        for (int32_t r : p.isr) {
          EXPECT_NE(std::find(p.replicas.begin(), p.replicas.end(), r), p.replicas.end())
              << "ISR member " << r << " is not a replica";
        }
        if (p.leader != kNoLeader) {
          EXPECT_TRUE(image_.broker_active(p.leader)) << "leader " << p.leader << " is not live";
          EXPECT_NE(std::find(p.isr.begin(), p.isr.end(), p.leader), p.isr.end())
              << "leader " << p.leader << " is not in the ISR";
        }
        auto& seen = epochs_[{name, p.partition}];
        EXPECT_GE(p.leader_epoch, seen.first);
        EXPECT_GE(p.partition_epoch, seen.second);
        seen = {p.leader_epoch, p.partition_epoch};
      }
    }
    for (const auto& [id, b] : image_.brokers()) {
      EXPECT_GE(b.epoch, broker_epochs_[id]);
      broker_epochs_[id] = b.epoch;
    }
  }
  int leaderships(int32_t broker) const {
    int n = 0;
    for (const auto& p : image_.topic("orders")->partitions) n += p.leader == broker;
    return n;
  }
  bool in_isr(int32_t broker, const PartitionState& p) const {
    return std::find(p.isr.begin(), p.isr.end(), broker) != p.isr.end();
  }
  // Every leader reports its followers caught up: the full replica set back in its ISR.
  void leaders_expand_isrs() {
    for (int32_t i = 0; i < static_cast<int32_t>(image_.topic("orders")->partitions.size()); ++i) {
      // Looked up again each time: a commit replaces the topic (copy on write).
      const TopicImage* t = image_.topic("orders");
      const PartitionState& p = t->partitions[i];
      if (p.leader == kNoLeader || p.isr.size() == p.replicas.size()) continue;
      AlterPartitionRequest req;
      req.broker_id = p.leader;
      req.broker_epoch = image_.broker(p.leader)->epoch;
      AlterPartitionRequest::Partition part{
          t->id, p.partition, p.leader_epoch, p.partition_epoch, {}};
      for (int32_t r : p.replicas) {
        if (image_.broker_active(r)) part.new_isr.push_back({r, image_.broker(r)->epoch});
      }
      req.partitions.push_back(part);
      pb::MetadataBatch b;
      AlterPartitionReply reply = control_.alter_partition(image_, req, &b);
      ASSERT_EQ(reply.error, E::kNone);
      ASSERT_EQ(reply.partitions[0].error, E::kNone);
      commit(b);
    }
  }
  void every_broker_heartbeats_except(int32_t silent) {
    for (const auto& [id, b] : image_.brokers()) {
      if (id != silent) heartbeat(id);
    }
  }

  std::map<std::pair<std::string, int32_t>, std::pair<int32_t, int32_t>> epochs_;
  std::map<int32_t, int64_t> broker_epochs_;
};

TEST_F(ClusterStory, ThreeBrokersThroughAFailureAControlledShutdownAndAPreferredElection) {
  // Brokers 1-3 register. Each is fenced until its heartbeat shows it has applied the metadata
  // up to its own registration.
  for (int32_t id = 1; id <= 3; ++id) {
    auto reply = register_broker(id, "rack-" + std::to_string(id));
    ASSERT_TRUE(reply.result.ok());
    EXPECT_TRUE(image_.broker(id)->fenced);
  }
  check_invariants("registered");
  for (int32_t id = 1; id <= 3; ++id) {
    EXPECT_FALSE(heartbeat(id).is_fenced);
    EXPECT_TRUE(image_.broker_active(id));
  }
  check_invariants("unfenced");

  // A topic with replication factor 3: six partitions, two leaderships each.
  const TopicImage* orders = create_topic("orders", 6, 3);
  ASSERT_NE(orders, nullptr);
  for (int32_t id = 1; id <= 3; ++id) EXPECT_EQ(leaderships(id), 2);
  check_invariants("topic created");

  // Broker 2 goes silent. At 5 s its session still holds; at 10 s it has expired.
  now_ += 5000;
  every_broker_heartbeats_except(2);
  pb::MetadataBatch nothing;
  EXPECT_EQ(control_.fence_one_expired(image_, sessions_, now_, &nothing), -1);
  now_ += 5000;
  every_broker_heartbeats_except(2);
  std::map<int32_t, int32_t> epochs_before;
  for (const auto& p : image_.topic("orders")->partitions) {
    epochs_before[p.partition] = p.leader_epoch;
  }
  pb::MetadataBatch fence;
  ASSERT_EQ(control_.fence_one_expired(image_, sessions_, now_, &fence), 2);
  commit(fence);
  check_invariants("broker 2 fenced");

  // It is fenced, in no ISR, leads nothing; its partitions have new leaders with a new epoch.
  EXPECT_TRUE(image_.broker(2)->fenced);
  EXPECT_EQ(leaderships(2), 0);
  for (const auto& p : image_.topic("orders")->partitions) {
    EXPECT_FALSE(in_isr(2, p));
    EXPECT_NE(p.leader, kNoLeader);
    bool led_by_2 = p.replicas[0] == 2;  // the two partitions broker 2 led
    EXPECT_EQ(p.leader_epoch, epochs_before[p.partition] + (led_by_2 ? 1 : 0));
  }
  EXPECT_EQ(leaderships(1) + leaderships(3), 6);

  // It comes back (same process, same epoch), catches up and is unfenced; the leaders then
  // report it in sync and it rejoins every ISR. It does not lead again yet.
  EXPECT_FALSE(heartbeat(2).is_fenced);
  check_invariants("broker 2 unfenced");
  leaders_expand_isrs();
  check_invariants("broker 2 back in the ISRs");
  for (const auto& p : image_.topic("orders")->partitions) EXPECT_TRUE(in_isr(2, p));
  EXPECT_EQ(leaderships(2), 0);

  // Controlled shutdown of broker 1: its first "want shut down" heartbeat moves its
  // leaderships away and takes it out of the ISRs; it may not stop yet.
  ASSERT_GT(leaderships(1), 0);
  auto first = heartbeat(1, /*want_shut_down=*/true);
  EXPECT_FALSE(first.should_shut_down);
  EXPECT_TRUE(image_.broker(1)->in_controlled_shutdown);
  EXPECT_EQ(leaderships(1), 0);
  for (const auto& p : image_.topic("orders")->partitions) EXPECT_FALSE(in_isr(1, p));
  check_invariants("broker 1 in controlled shutdown");
  // The next one finds it leading nothing: fenced, and told to stop.
  auto second = heartbeat(1, true);
  EXPECT_TRUE(second.should_shut_down);
  EXPECT_TRUE(image_.broker(1)->fenced);
  check_invariants("broker 1 stopped");

  // Broker 1 restarts as a new incarnation, catches up, is unfenced and rejoins the ISRs.
  ASSERT_TRUE(register_broker(1, "rack-1", 'b').result.ok());
  check_invariants("broker 1 registered again");
  EXPECT_FALSE(heartbeat(1).is_fenced);
  leaders_expand_isrs();
  check_invariants("broker 1 back in the ISRs");

  // Leaders are now skewed away from the preferred replicas; a preferred election for every
  // partition brings each back to replicas[0].
  pb::MetadataBatch elect;
  auto results = control_.elect_leaders(image_, Election::kPreferred, {}, &elect);
  for (const auto& r : results) EXPECT_EQ(r.error, E::kNone) << r.topic << "-" << r.partition;
  EXPECT_FALSE(results.empty());
  commit(elect);
  check_invariants("preferred election");
  for (const auto& p : image_.topic("orders")->partitions) EXPECT_EQ(p.leader, p.replicas[0]);
  for (int32_t id = 1; id <= 3; ++id) EXPECT_EQ(leaderships(id), 2);
  pb::MetadataBatch balanced;
  EXPECT_EQ(control_.rebalance_leaders(image_, &balanced), 0);
}

}  // namespace
}  // namespace eddy::metadata::testing
