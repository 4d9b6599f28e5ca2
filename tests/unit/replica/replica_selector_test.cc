// KIP-392's replica selection as Kafka decides it (RackAwareReplicaSelector,
// ReplicaManager.findPreferredReadReplica), on values only.
#include "broker/replica/replica_selector.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace eddy::broker {
namespace {

ClientMetadata in_rack(std::string rack) { return ClientMetadata{std::move(rack)}; }

ReplicaView view(int32_t id, std::optional<std::string> rack, int64_t leo, int64_t lag_ms = 0) {
  return ReplicaView{id, std::move(rack), leo, lag_ms};
}

TEST(ReplicaSelectorTest, KafkasClassNamesAreTheSelectorsAndAnythingElseIsRefused) {
  EXPECT_EQ(parse_replica_selector_class("").value(), ReplicaSelector::kNone);
  EXPECT_EQ(parse_replica_selector_class("org.apache.kafka.common.replica.LeaderSelector").value(),
            ReplicaSelector::kLeader);
  EXPECT_EQ(parse_replica_selector_class("org.apache.kafka.common.replica.RackAwareReplicaSelector")
                .value(),
            ReplicaSelector::kRackAware);
  EXPECT_FALSE(parse_replica_selector_class("com.example.MySelector").is_ok());
}

TEST(ReplicaSelectorTest, RackAwareChoosesTheFollowerInTheClientsRack) {
  auto chosen = select_replica(ReplicaSelector::kRackAware, in_rack("b"), view(0, "a", 10),
                               {view(1, "b", 10), view(2, "c", 10)});
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->broker_id, 1);
}

TEST(ReplicaSelectorTest, RackAwareKeepsTheLeaderInTheClientsRackEvenWhenAFollowerIsThereToo) {
  auto chosen = select_replica(ReplicaSelector::kRackAware, in_rack("a"), view(0, "a", 10),
                               {view(1, "a", 10), view(2, "c", 10)});
  EXPECT_EQ(chosen->broker_id, 0);
}

TEST(ReplicaSelectorTest, RackAwareKeepsTheLeaderWithoutAClientRackOrAReplicaInIt) {
  const ReplicaView leader = view(0, "a", 10);
  const std::vector<ReplicaView> followers = {view(1, "b", 10), view(2, std::nullopt, 10)};
  EXPECT_EQ(select_replica(ReplicaSelector::kRackAware, in_rack(""), leader, followers)->broker_id,
            0);
  EXPECT_EQ(select_replica(ReplicaSelector::kRackAware, in_rack("z"), leader, followers)->broker_id,
            0);
}

TEST(ReplicaSelectorTest, AmongFollowersOfTheRackTheMostCaughtUpWins) {
  const ReplicaView leader = view(0, "a", 10);
  // The largest log end first.
  EXPECT_EQ(select_replica(ReplicaSelector::kRackAware, in_rack("b"), leader,
                           {view(1, "b", 9), view(2, "b", 10), view(3, "b", 8)})
                ->broker_id,
            2);
  // Then the most recently caught up.
  EXPECT_EQ(select_replica(ReplicaSelector::kRackAware, in_rack("b"), leader,
                           {view(1, "b", 10, 5), view(2, "b", 10, 50)})
                ->broker_id,
            1);
  // Then the largest broker id.
  EXPECT_EQ(select_replica(ReplicaSelector::kRackAware, in_rack("b"), leader,
                           {view(3, "b", 10, 5), view(2, "b", 10, 5)})
                ->broker_id,
            3);
}

TEST(ReplicaSelectorTest, LeaderSelectorAlwaysChoosesTheLeaderAndNoSelectorChoosesNothing) {
  EXPECT_EQ(
      select_replica(ReplicaSelector::kLeader, in_rack("b"), view(0, "a", 10), {view(1, "b", 10)})
          ->broker_id,
      0);
  EXPECT_FALSE(
      select_replica(ReplicaSelector::kNone, in_rack("b"), view(0, "a", 10), {view(1, "b", 10)}));
}

// findPreferredReadReplica on a leader (0, rack a) with followers 1 (rack b) and 2 (rack c).
class PreferredReadReplicaTest : public ::testing::Test {
 protected:
  int32_t preferred(const std::string& client_rack, int64_t fetch_offset,
                    ReplicaSelector selector = ReplicaSelector::kRackAware) {
    auto rack_of = [this](int32_t id) -> std::optional<std::optional<std::string>> {
      if (unreachable_.contains(id)) return std::nullopt;
      return racks_.at(id);
    };
    return preferred_read_replica(selector, in_rack(client_rack), 0, 10, followers_, fetch_offset,
                                  1000, rack_of);
  }

  std::map<int32_t, std::optional<std::string>> racks_ = {{0, "a"}, {1, "b"}, {2, "c"}};
  std::set<int32_t> unreachable_;
  // Both in the ISR, caught up to 10, logs starting at 2.
  std::vector<RemoteReplica> followers_ = {{1, true, 10, 2, 1000}, {2, true, 10, 2, 1000}};
};

TEST_F(PreferredReadReplicaTest, AnInSyncReachableFollowerOfTheClientsRackIsPreferred) {
  EXPECT_EQ(preferred("b", 5), 1);
  EXPECT_EQ(preferred("c", 10), 2);
}

TEST_F(PreferredReadReplicaTest, TheLeaderIsNeverAnsweredAsPreferred) {
  EXPECT_EQ(preferred("a", 5), -1);
  EXPECT_EQ(preferred("", 5), -1);
  EXPECT_EQ(preferred("b", 5, ReplicaSelector::kLeader), -1);
  EXPECT_EQ(preferred("b", 5, ReplicaSelector::kNone), -1);
}

TEST_F(PreferredReadReplicaTest, AFollowerOutOfTheIsrIsNeverPreferred) {
  followers_[0].in_isr = false;
  EXPECT_EQ(preferred("b", 5), -1);
}

TEST_F(PreferredReadReplicaTest, AFollowerWhoseLogDoesNotHoldTheFetchOffsetIsNotPreferred) {
  EXPECT_EQ(preferred("b", 11), -1);  // past its log end
  EXPECT_EQ(preferred("b", 1), -1);   // below its log start
  followers_[0].log_end_offset = -1;  // has not fetched in this leader epoch yet
  EXPECT_EQ(preferred("b", 0), -1);
}

TEST_F(PreferredReadReplicaTest, AFollowerClientsCannotReachIsNotPreferred) {
  unreachable_.insert(1);  // fenced, or not registered
  EXPECT_EQ(preferred("b", 5), -1);
}

TEST_F(PreferredReadReplicaTest, ALeaderWithoutARackStillSendsTheClientToItsRack) {
  racks_[0] = std::nullopt;
  EXPECT_EQ(preferred("b", 5), 1);
}

}  // namespace
}  // namespace eddy::broker
