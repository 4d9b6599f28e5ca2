// Three real raft_kv_node processes on loopback: elect, replicate, kill -9 the leader, elect
// again, restart the killed node and check that it catches up to identical state and that no
// acknowledged write is lost.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "../../testing/temp_dir.h"
#include "kv_cluster.h"

namespace eddy::raft::testing {
namespace {

using namespace std::chrono_literals;

// "<prefix><i>", built by appending (GCC 12's -Wrestrict misfires on "literal" + std::string).
std::string numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

class RaftClusterTest : public ::testing::Test {
 protected:
  KvClusterOptions options() {
    KvClusterOptions o;
    o.binary = RAFT_KV_NODE_PATH;
    o.root = dir_.path();
    o.tick_ms = 20;
    o.election_ticks = 10;
    // Small enough that the restarted node must catch up from a snapshot, not only the log.
    o.snapshot_interval = 16;
    o.snapshot_catchup = 4;
    return o;
  }
  // Waits (bounded) until every running node reports the same DUMP; returns it.
  std::optional<std::string> wait_for_identical_state(KvCluster& cluster, uint64_t min_applied) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::optional<std::string> first;
      bool same = true;
      for (int id : cluster.ids()) {
        auto d = cluster.dump(id);
        auto st = cluster.status(id);
        if (!d || !st || st->applied < min_applied || (first && *first != *d)) {
          same = false;
          break;
        }
        first = d;
      }
      if (same && first) return first;
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }
  // The value a DUMP line holds for `key`, if any.
  static std::optional<std::string> value_in(const std::string& dump, const std::string& key) {
    std::string needle = " " + key + "=";
    size_t at = dump.find(needle);
    if (at == std::string::npos) return std::nullopt;
    size_t begin = at + needle.size();
    size_t end = dump.find(' ', begin);
    return dump.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  }

  eddy::testing::TempDir dir_;
};

TEST_F(RaftClusterTest, SurvivesLeaderKillAndRestartedNodeCatchesUp) {
  KvCluster cluster(options());
  ASSERT_TRUE(cluster.start_all());
  auto leader = cluster.wait_for_leader(15s);
  ASSERT_TRUE(leader.has_value()) << "no leader elected\n" << cluster.describe();

  std::map<std::string, std::string> acked;
  for (int i = 0; i < 30; ++i) {
    std::string k = numbered("k", i);
    std::string v = numbered("v", i);
    ASSERT_TRUE(cluster.put(k, v, 10s)) << "write " << k << " not acknowledged";
    acked[k] = v;
  }
  auto before = cluster.status(*leader);
  ASSERT_TRUE(before.has_value());

  cluster.kill(*leader);
  auto new_leader = cluster.wait_for_leader(15s);
  ASSERT_TRUE(new_leader.has_value()) << "no new leader after killing " << *leader << "\n"
                                      << cluster.describe();
  EXPECT_NE(*new_leader, *leader);
  auto after = cluster.status(*new_leader);
  ASSERT_TRUE(after.has_value());
  EXPECT_GT(after->term, before->term);

  for (int i = 30; i < 60; ++i) {
    std::string k = numbered("k", i);
    std::string v = numbered("v", i);
    ASSERT_TRUE(cluster.put(k, v, 10s)) << "write " << k << " not acknowledged";
    acked[k] = v;
  }
  // Overwrite a key written under the old leader.
  ASSERT_TRUE(cluster.put("k0", "v0-new", 10s));
  acked["k0"] = "v0-new";

  ASSERT_TRUE(cluster.start(*leader)) << "restart of node " << *leader;
  auto commit = cluster.status(*new_leader);
  ASSERT_TRUE(commit.has_value());
  auto state = wait_for_identical_state(cluster, commit->commit);
  ASSERT_TRUE(state.has_value()) << "nodes did not converge";
  for (const auto& [k, v] : acked) {
    EXPECT_EQ(value_in(*state, k), v) << "acknowledged write " << k << " lost or stale";
  }
  auto restarted = cluster.status(*leader);
  ASSERT_TRUE(restarted.has_value());
  EXPECT_GT(restarted->snapshot, 0u) << "the restarted node should hold a snapshot";

  // A linearizable read through a follower sees the latest write.
  int follower = *leader;
  auto got = kv_request(cluster.client_port(follower), "GET k0", 5000);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "VALUE v0-new");
}

TEST_F(RaftClusterTest, WholeClusterRestartKeepsEveryAcknowledgedWrite) {
  KvCluster cluster(options());
  ASSERT_TRUE(cluster.start_all());
  ASSERT_TRUE(cluster.wait_for_leader(15s).has_value()) << cluster.describe();
  std::map<std::string, std::string> acked;
  for (int i = 0; i < 40; ++i) {
    std::string k = numbered("r", i);
    ASSERT_TRUE(cluster.put(k, numbered("x", i), 10s));
    acked[k] = numbered("x", i);
  }
  for (int id : cluster.ids()) cluster.kill(id);
  for (int id : cluster.ids()) ASSERT_TRUE(cluster.start(id));
  auto leader = cluster.wait_for_leader(15s);
  ASSERT_TRUE(leader.has_value()) << cluster.describe();
  // A write in the new term commits everything before it on every node.
  ASSERT_TRUE(cluster.put("after", "restart", 10s));
  auto st = cluster.status(*leader);
  ASSERT_TRUE(st.has_value());
  auto state = wait_for_identical_state(cluster, st->commit);
  ASSERT_TRUE(state.has_value());
  for (const auto& [k, v] : acked) EXPECT_EQ(value_in(*state, k), v) << k;
}

TEST_F(RaftClusterTest, WriteToAFollowerIsRefusedWithALeaderHint) {
  KvCluster cluster(options());
  ASSERT_TRUE(cluster.start_all());
  auto leader = cluster.wait_for_leader(15s);
  ASSERT_TRUE(leader.has_value()) << cluster.describe();
  int follower = *leader == 1 ? 2 : 1;
  auto reply = kv_request(cluster.client_port(follower), "PUT a b", 5000);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(*reply, "ERR NOT_LEADER " + std::to_string(*leader));
}

}  // namespace
}  // namespace eddy::raft::testing
