// RaftNode in-process: real files, real loopback sockets, several nodes in one process.

#include "raft/node/raft_node.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
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
  // Distinct free ports: two calls of free_port() may hand out the same one.
  std::map<NodeId, PeerAddress> voters(int n) {
    std::map<NodeId, PeerAddress> out;
    std::set<uint16_t> used;
    for (int id = 1; id <= n; ++id) {
      uint16_t port = testing::free_port();
      while (!used.insert(port).second) port = testing::free_port();
      out[NodeId(id)] = PeerAddress{"127.0.0.1", port};
    }
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

// Three nodes whose leader-change callbacks are recorded, for the controller-facing tests.
class RaftNodeLeadershipTest : public RaftNodeTest {
 protected:
  // Another test running beside this one may take a port between free_port() and the bind:
  // then the three nodes start again on new ports.
  void start(int n) {
    Status started;
    for (int attempt = 0; attempt < 5; ++attempt) {
      started = try_start(n);
      if (started.is_ok()) return;
      nodes_.clear();
      sms_.clear();
      std::lock_guard lock(mu_);
      changes_.clear();
    }
    FAIL() << "three nodes did not start: " << started.to_string();
  }
  Status try_start(int n) {
    auto v = voters(n);
    for (int id = 1; id <= n; ++id) {
      sms_.push_back(std::make_unique<KvStateMachine>());
      nodes_.push_back(std::make_unique<RaftNode>(config(id, v), *sms_.back()));
      nodes_.back()->set_leader_change_callback([this, id](const LeaderChange& c) {
        std::lock_guard lock(mu_);
        changes_[id].push_back(c);
      });
      Status s = nodes_.back()->start();
      if (!s.is_ok()) return s;
    }
    return Status::ok();
  }
  // The index (0-based) of the node that is leader and ready, once every node agrees on it.
  int ready_leader() {
    int leader = -1;
    bool agreed = eventually([&] {
      leader = -1;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i]->status().leader_ready) leader = static_cast<int>(i);
      }
      if (leader < 0) return false;
      for (auto& n : nodes_) {
        if (n->status().leader != NodeId(leader + 1)) return false;
      }
      return true;
    });
    return agreed ? leader : -1;
  }
  std::vector<LeaderChange> changes(int id) {
    std::lock_guard lock(mu_);
    return changes_[id];
  }
  void TearDown() override {
    for (auto& n : nodes_) n->stop();
  }

  std::vector<std::unique_ptr<KvStateMachine>> sms_;
  std::vector<std::unique_ptr<RaftNode>> nodes_;
  std::mutex mu_;
  std::map<int, std::vector<LeaderChange>> changes_;
};

TEST_F(RaftNodeLeadershipTest, OneNodePerTermIsToldItIsTheReadyLeader) {
  start(3);
  const int leader = ready_leader();
  ASSERT_GE(leader, 0);
  const Term term = nodes_[leader]->status().term;
  ASSERT_TRUE(eventually([&] {
    auto c = changes(leader + 1);
    return !c.empty() && c.back().self_ready && c.back().term == term;
  }));
  std::map<Term, int> ready_per_term;
  for (int id = 1; id <= 3; ++id) {
    for (const LeaderChange& c : changes(id)) {
      if (c.self_ready) {
        EXPECT_EQ(c.leader, NodeId(id)) << "only the leader itself is told it is ready";
        ++ready_per_term[c.term];
      }
    }
  }
  for (const auto& [t, count] : ready_per_term) EXPECT_EQ(count, 1) << "term " << t;
  // Followers learn the leader of the same term.
  for (int id = 1; id <= 3; ++id) {
    if (id == leader + 1) continue;
    ASSERT_TRUE(eventually([&] {
      auto c = changes(id);
      return !c.empty() && c.back().leader == NodeId(leader + 1) && c.back().term == term &&
             !c.back().self_ready;
    })) << "node "
        << id;
  }
}

TEST_F(RaftNodeLeadershipTest, TransferMovesLeadershipAndTheNewLeaderBecomesReady) {
  start(3);
  const int leader = ready_leader();
  ASSERT_GE(leader, 0);
  const Term before = nodes_[leader]->status().term;
  const int target = (leader + 1) % 3;
  EXPECT_EQ(nodes_[target]->transfer_leadership(NodeId(leader + 1)).get().code(),
            StatusCode::kUnavailable)
      << "a follower cannot transfer leadership";
  ASSERT_TRUE(nodes_[leader]->transfer_leadership(NodeId(target + 1)).get().is_ok());
  ASSERT_TRUE(eventually([&] {
    RaftNodeStatus s = nodes_[target]->status();
    return s.leader_ready && s.term > before;
  }));
  ASSERT_TRUE(eventually([&] {
    auto c = changes(leader + 1);
    return !c.empty() && c.back().leader == NodeId(target + 1) && !c.back().self_ready;
  })) << "the old leader hears of the new one";
  ASSERT_TRUE(nodes_[target]->propose("after transfer").get().is_ok());
}

TEST_F(RaftNodeLeadershipTest, LeaderStatusReportsEveryPeersMatchAndContact) {
  start(3);
  const int leader = ready_leader();
  ASSERT_GE(leader, 0);
  auto r = nodes_[leader]->propose("k v").get();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const int64_t index = static_cast<int64_t>(r->index.value());
  ASSERT_TRUE(eventually([&] {
    RaftNodeStatus s = nodes_[leader]->status();
    if (s.peers.size() != 2 || s.voters.size() != 3) return false;
    for (const RaftPeerStatus& p : s.peers) {
      if (!p.voter || p.match_index < index || p.last_contact_ms <= 0 || p.last_caught_up_ms <= 0)
        return false;
    }
    return true;
  }));
  RaftNodeStatus follower = nodes_[(leader + 1) % 3]->status();
  ASSERT_EQ(follower.peers.size(), 2u);
  for (const RaftPeerStatus& p : follower.peers) {
    EXPECT_EQ(p.match_index, -1) << "only the leader knows what its peers hold";
    if (p.id == NodeId(leader + 1)) {
      EXPECT_GT(p.last_contact_ms, 0);
    }
  }
}

TEST_F(RaftNodeLeadershipTest, ConfChangeRemovesAVoter) {
  start(3);
  const int leader = ready_leader();
  ASSERT_GE(leader, 0);
  const int removed = (leader + 2) % 3;
  pb::ConfChange cc;
  cc.set_type(pb::CONF_CHANGE_REMOVE_NODE);
  cc.set_node_id(removed + 1);
  std::promise<Result<ProposalResult>> done;
  nodes_[leader]->propose_conf_change(cc, [&](Result<ProposalResult> r) { done.set_value(r); });
  auto fut = done.get_future();
  ASSERT_EQ(fut.wait_for(10s), std::future_status::ready);
  auto r = fut.get();
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_TRUE(eventually([&] { return nodes_[leader]->status().voters.size() == 2; }));
  nodes_[removed]->stop();
  // Two voters of two still commit.
  ASSERT_TRUE(nodes_[leader]->propose("still 1").get().is_ok());
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
