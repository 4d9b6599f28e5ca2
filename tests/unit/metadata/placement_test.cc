#include "metadata/placement.h"

#include <algorithm>
#include <map>
#include <set>

#include "cluster_fixture.h"

namespace eddy::metadata::testing {
namespace {

using PlacementTest = ClusterFixture;

TEST_F(PlacementTest, ReplicasOnDistinctRacksAndLeadersBalanced) {
  // Six brokers on three racks.
  for (int32_t id = 1; id <= 6; ++id) {
    ASSERT_TRUE(register_broker(id, "rack-" + std::to_string((id - 1) % 3)).result.ok());
  }
  for (int32_t id = 1; id <= 6; ++id) heartbeat(id);
  std::vector<std::vector<int32_t>> placed;
  ASSERT_TRUE(place_replicas(image_, 12, 3, &placed).ok());
  ASSERT_EQ(placed.size(), 12u);
  std::map<int32_t, int> leaders, replicas;
  for (const auto& r : placed) {
    ASSERT_EQ(r.size(), 3u);
    std::set<std::string> racks;
    std::set<int32_t> distinct(r.begin(), r.end());
    EXPECT_EQ(distinct.size(), 3u);
    for (int32_t b : r) {
      racks.insert(*image_.broker(b)->rack);
      ++replicas[b];
    }
    EXPECT_EQ(racks.size(), 3u) << "replicas of a partition share a rack";
    ++leaders[r[0]];
  }
  for (int32_t id = 1; id <= 6; ++id) {
    EXPECT_EQ(leaders[id], 2) << "broker " << id;
    EXPECT_EQ(replicas[id], 6) << "broker " << id;
  }
}

TEST_F(PlacementTest, NewLeadersGoToTheLeastLoadedBrokers) {
  start_brokers(3);
  // Broker 1 is everybody's preferred leader.
  CreateTopicSpec spec;
  spec.name = "skewed";
  for (int32_t p = 0; p < 4; ++p) spec.assignments[p] = {1, 2, 3};
  pb::MetadataBatch b;
  ASSERT_TRUE(topics_.create_topic(image_, spec, &b).ok());
  commit(b);
  std::vector<std::vector<int32_t>> placed;
  ASSERT_TRUE(place_replicas(image_, 4, 1, &placed).ok());
  std::map<int32_t, int> leaders;
  for (const auto& r : placed) ++leaders[r[0]];
  EXPECT_EQ(leaders[1], 0);
  EXPECT_EQ(leaders[2], 2);
  EXPECT_EQ(leaders[3], 2);
}

TEST_F(PlacementTest, RfAboveTheRegisteredBrokersIsInvalidReplicationFactor) {
  start_brokers(3);
  ASSERT_TRUE(register_broker(4).result.ok());  // registered, still fenced: counted
  std::vector<std::vector<int32_t>> placed;
  ControllerResult r = place_replicas(image_, 1, 5, &placed);
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(r.message,
            "Unable to replicate the partition 5 time(s): The target replication factor of 5 "
            "cannot be reached because only 4 broker(s) are registered.");
  // Unfenced brokers first: with three of them, RF 3 never needs the fenced one.
  ASSERT_TRUE(place_replicas(image_, 30, 3, &placed).ok());
  for (const auto& rs : placed) {
    for (int32_t b : rs) EXPECT_NE(b, 4);
  }
  EXPECT_EQ(place_replicas(image_, 1, 0, &placed).code,
            protocol::ErrorCode::kInvalidReplicationFactor);

  // CreateTopics uses the same placement: default.replication.factor applies when RF is -1.
  Controller rf3(ControllerDefaults{1, 3, true, 1000, {}});
  CreateTopicSpec spec;
  spec.name = "defaults";
  pb::MetadataBatch b;
  ASSERT_TRUE(rf3.create_topic(image_, spec, &b).ok());
  commit(b);
  EXPECT_EQ(partition("defaults", 0).replicas.size(), 3u);
  EXPECT_EQ(partition("defaults", 0).isr, partition("defaults", 0).replicas);
}

// Kafka's StripedReplicaPlacer: an RF 3 topic can be created while one of three brokers is
// briefly fenced; it is born under-replicated, led by an unfenced broker.
TEST_F(PlacementTest, FencedBrokersTakeFollowersNeverLeadersAndTopicsAreBornUnderReplicated) {
  start_brokers(2);
  ASSERT_TRUE(register_broker(3).result.ok());  // still fenced (down, or not caught up yet)
  std::vector<std::vector<int32_t>> placed;
  ASSERT_TRUE(place_replicas(image_, 12, 3, &placed).ok());
  std::map<int32_t, int> leaders;
  for (const auto& rs : placed) {
    EXPECT_EQ(std::set<int32_t>(rs.begin(), rs.end()), (std::set<int32_t>{1, 2, 3}));
    ++leaders[rs[0]];
  }
  EXPECT_EQ(leaders[3], 0);
  EXPECT_EQ(leaders[1], 6);
  EXPECT_EQ(leaders[2], 6);

  CreateTopicSpec spec;
  spec.name = "born-under-replicated";
  spec.num_partitions = 4;
  spec.replication_factor = 3;
  pb::MetadataBatch b;
  ASSERT_TRUE(topics_.create_topic(image_, spec, &b).ok());
  commit(b);
  for (int32_t p = 0; p < 4; ++p) {
    const auto& part = partition("born-under-replicated", p);
    EXPECT_EQ(part.replicas.size(), 3u);
    EXPECT_EQ(std::set<int32_t>(part.isr.begin(), part.isr.end()), (std::set<int32_t>{1, 2}));
    EXPECT_EQ(part.leader, part.replicas[0]);
    EXPECT_NE(part.leader, 3);
  }
  // Once broker 3 is caught up it is unfenced; it joins each ISR through its leader.
  EXPECT_FALSE(heartbeat(3).is_fenced);
}

TEST_F(PlacementTest, AllBrokersFencedIsInvalidReplicationFactor) {
  ASSERT_TRUE(register_broker(1).result.ok());
  ASSERT_TRUE(register_broker(2).result.ok());
  std::vector<std::vector<int32_t>> placed;
  ControllerResult r = place_replicas(image_, 1, 1, &placed);
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(r.message,
            "Unable to replicate the partition 1 time(s): All brokers are currently fenced.");
  EXPECT_TRUE(placed.empty());
}

TEST_F(PlacementTest, RacksComeBeforeFencingAndShuttingDownBrokersTakeNothing) {
  ASSERT_TRUE(register_broker(1, "a").result.ok());
  ASSERT_TRUE(register_broker(2, "a").result.ok());
  ASSERT_TRUE(register_broker(3, "b").result.ok());
  ASSERT_TRUE(register_broker(4, "b").result.ok());
  for (int32_t id : {1, 2, 4}) heartbeat(id);
  // Broker 4 leads a partition, so that its controlled shutdown takes a while: meanwhile it
  // takes no new replica.
  CreateTopicSpec led;
  led.name = "led-by-4";
  led.assignments[0] = {4, 1};
  pb::MetadataBatch b;
  ASSERT_TRUE(topics_.create_topic(image_, led, &b).ok());
  commit(b);
  heartbeat(4, /*want_shut_down=*/true);
  ASSERT_TRUE(image_.broker(4)->in_controlled_shutdown);
  // Rack b's only candidate is fenced broker 3: each partition still spans both racks, as
  // Kafka's placer walks the racks before it looks at fencing.
  std::vector<std::vector<int32_t>> placed;
  ASSERT_TRUE(place_replicas(image_, 6, 2, &placed).ok());
  for (const auto& rs : placed) {
    EXPECT_NE(rs[0], 3);
    EXPECT_EQ(std::count(rs.begin(), rs.end(), 3), 1);
    EXPECT_EQ(std::count(rs.begin(), rs.end(), 4), 0);
  }
  ControllerResult r = place_replicas(image_, 1, 4, &placed);
  EXPECT_EQ(r.code, protocol::ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(r.message,
            "Unable to replicate the partition 4 time(s): The target replication factor of 4 "
            "cannot be reached because only 3 broker(s) are registered.");
}

TEST_F(PlacementTest, AManualAssignmentLeavesFencedBrokersOutOfTheIsrAndLeadership) {
  start_brokers(2);
  ASSERT_TRUE(register_broker(3).result.ok());  // still fenced
  CreateTopicSpec spec;
  spec.name = "manual";
  spec.assignments[0] = {3, 1, 2};
  pb::MetadataBatch b;
  ASSERT_TRUE(topics_.create_topic(image_, spec, &b).ok());
  commit(b);
  EXPECT_EQ(partition("manual", 0).replicas, std::vector<int32_t>({3, 1, 2}));
  EXPECT_EQ(partition("manual", 0).isr, std::vector<int32_t>({1, 2}));
  EXPECT_EQ(partition("manual", 0).leader, 1);

  CreateTopicSpec fenced_only;
  fenced_only.name = "fenced-only";
  fenced_only.assignments[0] = {3};
  pb::MetadataBatch refused;
  EXPECT_EQ(topics_.create_topic(image_, fenced_only, &refused).code,
            protocol::ErrorCode::kInvalidReplicationFactor);
}

}  // namespace
}  // namespace eddy::metadata::testing
