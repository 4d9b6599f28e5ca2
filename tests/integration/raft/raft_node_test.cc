// RaftNode in-process: real files, real loopback sockets, several nodes in one process.

#include "raft/node/raft_node.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "../../testing/temp_dir.h"
#include "kv_cluster.h"
#include "kv_state_machine.h"

namespace eddy::raft {
namespace {

using namespace std::chrono_literals;

using testing::KvStateMachine;

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

class RaftNodeTest : public ::testing::Test {
 protected:
  RaftNodeConfig config(int id, const std::map<NodeId, PeerAddress>& voters) {
    RaftNodeConfig c;
    c.id = NodeId(id);
    c.voters = voters;
    c.data_dir = std::filesystem::path(dir_.path()) / ("node" + std::to_string(id));
    c.tick_ms = 10;
    c.election_ticks = 10;
    c.request_timeout_ms = 2000;
    return c;
  }
  std::map<NodeId, PeerAddress> voters(int n) {
    std::map<NodeId, PeerAddress> out;
    for (int id = 1; id <= n; ++id)
      out[NodeId(id)] = PeerAddress{"127.0.0.1", testing::free_port()};
    return out;
  }

  eddy::testing::TempDir dir_;
};

TEST_F(RaftNodeTest, SingleVoterCommitsAndAppliesProposals) {
  KvStateMachine sm;
  RaftNode node(config(1, voters(1)), sm);
  ASSERT_TRUE(node.start().is_ok());
  EXPECT_EQ(node.raft_port(), 0) << "a single-voter quorum listens on nothing";
  ASSERT_TRUE(eventually([&] { return node.status().role == Role::kLeader; }));
  auto r = node.propose("a 1").get();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->result, "OK " + std::to_string(r->index.value()));
  EXPECT_EQ(sm.get("a"), "1");
  EXPECT_EQ(node.propose("").get().status().code(), StatusCode::kInvalidArgument);
  node.stop();
}

TEST_F(RaftNodeTest, RestartRestoresTheSnapshotAndReplaysTheLog) {
  RaftNodeConfig c = config(1, voters(1));
  c.snapshot_interval = 5;
  c.snapshot_catchup_entries = 2;
  uint64_t last = 0;
  {
    KvStateMachine sm;
    RaftNode node(c, sm);
    ASSERT_TRUE(node.start().is_ok());
    ASSERT_TRUE(eventually([&] { return node.status().role == Role::kLeader; }));
    for (int i = 0; i < 12; ++i) {
      auto r = node.propose("k" + std::to_string(i) + " v" + std::to_string(i)).get();
      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
      last = r->index.value();
    }
    EXPECT_GT(node.status().snapshot_index.value(), 0u);
    node.stop();
  }
  KvStateMachine sm;
  RaftNode node(c, sm);
  ASSERT_TRUE(node.start().is_ok());
  EXPECT_EQ(sm.restores(), 1) << "state comes back from the snapshot file";
  ASSERT_TRUE(eventually([&] { return node.status().applied.value() >= last; }));
  EXPECT_EQ(sm.size(), 12u);
  EXPECT_EQ(sm.get("k11"), "v11");
  node.stop();
}

TEST_F(RaftNodeTest, FollowerRefusesProposalsWithALeaderHintAndServesReads) {
  auto v = voters(3);
  KvStateMachine sms[3];
  std::vector<std::unique_ptr<RaftNode>> nodes;
  for (int id = 1; id <= 3; ++id) {
    nodes.push_back(std::make_unique<RaftNode>(config(id, v), sms[id - 1]));
    ASSERT_TRUE(nodes.back()->start().is_ok());
  }
  int leader = -1;
  ASSERT_TRUE(eventually([&] {
    for (int i = 0; i < 3; ++i) {
      if (nodes[i]->status().role == Role::kLeader) leader = i;
    }
    if (leader < 0) return false;
    for (auto& n : nodes) {
      if (n->status().leader != NodeId(leader + 1)) return false;
    }
    return true;
  }));
  ASSERT_TRUE(nodes[leader]->propose("x 42").get().is_ok());
  RaftNode& follower = *nodes[(leader + 1) % 3];
  auto refused = follower.propose("y 1").get();
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("leader hint: " + std::to_string(leader + 1)),
            std::string::npos)
      << refused.status().message();

  std::promise<std::string> read;
  KvStateMachine& follower_sm = sms[(leader + 1) % 3];
  follower.read_index([&](Result<RaftIndex> r) {
    read.set_value(r.is_ok() ? follower_sm.get("x").value_or("none") : r.status().to_string());
  });
  auto fut = read.get_future();
  ASSERT_EQ(fut.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(fut.get(), "42") << "a ReadIndex read on a follower sees the committed write";
  for (auto& n : nodes) n->stop();
}

TEST_F(RaftNodeTest, ProposalFailsWhenTheQuorumIsGone) {
  auto v = voters(3);
  KvStateMachine sms[3];
  std::vector<std::unique_ptr<RaftNode>> nodes;
  for (int id = 1; id <= 3; ++id) {
    RaftNodeConfig c = config(id, v);
    c.request_timeout_ms = 300;
    nodes.push_back(std::make_unique<RaftNode>(c, sms[id - 1]));
    ASSERT_TRUE(nodes.back()->start().is_ok());
  }
  int leader = -1;
  ASSERT_TRUE(eventually([&] {
    for (int i = 0; i < 3; ++i) {
      if (nodes[i]->status().role == Role::kLeader) leader = i;
    }
    return leader >= 0;
  }));
  for (int i = 0; i < 3; ++i) {
    if (i != leader) nodes[i]->stop();
  }
  auto fut = nodes[leader]->propose("z 1");
  ASSERT_EQ(fut.wait_for(10s), std::future_status::ready) << "a proposal must not hang";
  auto r = fut.get();
  EXPECT_FALSE(r.is_ok());
  EXPECT_TRUE(r.status().code() == StatusCode::kTimeout ||
              r.status().code() == StatusCode::kUnavailable)
      << r.status().to_string();
  nodes[leader]->stop();
}

TEST_F(RaftNodeTest, StoppedNodeFailsRequestsWithCancelled) {
  KvStateMachine sm;
  RaftNode node(config(1, voters(1)), sm);
  ASSERT_TRUE(node.start().is_ok());
  node.stop();
  EXPECT_EQ(node.propose("a 1").get().status().code(), StatusCode::kCancelled);
}

TEST_F(RaftNodeTest, NodeMissingFromTheVotersIsRefusedAtStart) {
  KvStateMachine sm;
  RaftNodeConfig c = config(4, voters(3));
  RaftNode node(c, sm);
  EXPECT_EQ(node.start().code(), StatusCode::kInvalidArgument);
}

TEST(QuorumVoters, ParsesKafkaSyntax) {
  auto v = parse_quorum_voters("1@localhost:9093,2@10.0.0.2:9094");
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->size(), 2u);
  EXPECT_EQ(v->at(NodeId(1)).host, "localhost");
  EXPECT_EQ(v->at(NodeId(2)).port, 9094);
  EXPECT_FALSE(parse_quorum_voters("1@host").is_ok());
  EXPECT_FALSE(parse_quorum_voters("x@host:1").is_ok());
  EXPECT_FALSE(parse_quorum_voters("1@host:1,1@host:2").is_ok());
  EXPECT_FALSE(parse_quorum_voters("").is_ok());
}

}  // namespace
}  // namespace eddy::raft
