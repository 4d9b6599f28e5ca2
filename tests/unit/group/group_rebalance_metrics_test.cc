// eddy_group_rebalances_total{trigger, reason} (metrics/group_metrics.h): each rebalance the
// coordinator starts is counted once, by what triggered it and the client's KIP-800 reason;
// requests that start none count nothing.

#include "group_test_fixture.h"
#include "metrics/group_metrics.h"

namespace eddy::group::testing {
namespace {

uint64_t rebalances(std::string_view trigger, std::string_view reason) {
  return metrics::rebalances().labels({std::string(trigger), std::string(reason)}).value();
}

// The counts of every (trigger, reason) a test reads, before and after.
class RebalanceCounts {
 public:
  explicit RebalanceCounts(std::vector<std::pair<std::string, std::string>> keys)
      : keys_(std::move(keys)) {
    for (const auto& [t, r] : keys_) before_.push_back(rebalances(t, r));
  }
  // The increase of each key since construction, in order.
  std::vector<uint64_t> delta() const {
    std::vector<uint64_t> out;
    for (size_t i = 0; i < keys_.size(); ++i) {
      out.push_back(rebalances(keys_[i].first, keys_[i].second) - before_[i]);
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> keys_;
  std::vector<uint64_t> before_;
};

using Deltas = std::vector<uint64_t>;

class RebalanceMetricsTest : public GroupCoordinatorTest {
 protected:
  // Both members sync generation `gen` (the leader with an empty assignment): the group is Stable.
  void settle(const std::string& leader, const std::string& follower, int32_t gen) {
    auto f = sync(follower, gen);
    auto l = sync(leader, gen, {});
    ASSERT_TRUE(f->answered() && l->answered());
    ASSERT_EQ(coord->group_state(kGroup), GroupState::kStable);
  }
};

TEST_F(RebalanceMetricsTest, RebalancesAreCountedByTriggerAndTheClientsReason) {
  if (!metrics::kEnabled) GTEST_SKIP() << "metrics compiled out";
  RebalanceCounts counts({{"member_joined", "none"},
                          {"member_joined", "rebalance failed due to"},
                          {"leader_rejoined", "cached metadata has changed from"},
                          {"member_left", "the consumer is being closed"},
                          {"session_expired", "none"}});
  // The first member starts generation 1, the second starts the next rebalance with a Java
  // client's reason (an exception message and class: cut at the quote).
  auto [ids, gen] = stable_group(1);
  JoinOptions o;
  o.reason =
      "rebalance failed due to 'The coordinator is not aware of this member.' "
      "(UnknownMemberIdException)";
  auto second = join("", o);
  auto first = join(ids[0]);
  ASSERT_TRUE(second->answered());
  ASSERT_TRUE(first->answered());
  EXPECT_EQ(counts.delta(), (Deltas{1, 1, 0, 0, 0}));

  // Back to Stable; a follower rejoining unchanged starts nothing, the leader rejoining does.
  std::string leader = first->result->leader;
  std::string follower = leader == ids[0] ? second->result->member_id : ids[0];
  settle(leader, follower, first->result->generation_id);
  ASSERT_TRUE(join(follower)->answered());
  EXPECT_EQ(counts.delta(), (Deltas{1, 1, 0, 0, 0}));
  JoinOptions lo;
  lo.reason = "cached metadata has changed from (version1: {t=1}) to (version2: {t=2})";
  auto l = join(leader, lo);
  auto f = join(follower);
  ASSERT_TRUE(l->answered() && f->answered());
  EXPECT_EQ(counts.delta(), (Deltas{1, 1, 1, 0, 0}));

  // LeaveGroup v5's member reason; then a session expiry, which has no client reason.
  settle(leader, follower, l->result->generation_id);
  coord->leave_group(kGroup, {LeaveMember{follower, std::nullopt, "the consumer is being closed"}});
  EXPECT_EQ(counts.delta(), (Deltas{1, 1, 1, 1, 0}));
  auto alone = join(leader);
  ASSERT_TRUE(alone->answered());
  ASSERT_TRUE(sync(leader, alone->result->generation_id, {})->answered());
  auto third = join("");
  auto again = join(leader);
  ASSERT_TRUE(third->answered() && again->answered());
  EXPECT_EQ(counts.delta(), (Deltas{2, 1, 1, 1, 0}));
  // Neither member syncs or heartbeats: the first expiry starts a rebalance, the second joins it.
  clock.advance_ms(10'001);
  coord->tick();
  EXPECT_EQ(counts.delta(), (Deltas{2, 1, 1, 1, 1}));
}

}  // namespace
}  // namespace eddy::group::testing
