// One test per rule of the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable
// Consensus Algorithm", §5) and of the dissertation's extensions we implement. Each drives real
// RawNodes through TestCluster and checks only what the rule promises.

#include <gtest/gtest.h>

#include <algorithm>

#include "raft/core/conf_change.h"
#include "test_cluster.h"

namespace eddy::raft::testing {
namespace {

pb::ConfState voters(std::initializer_list<int32_t> ids) {
  pb::ConfState cs;
  for (int32_t id : ids) cs.add_voters(id);
  return cs;
}

// A cluster of voters 1..n, no leader yet.
TestCluster cluster(int n, NodeOptions options = {}) {
  TestCluster c;
  pb::ConfState cs;
  for (int i = 1; i <= n; ++i) cs.add_voters(i);
  for (int i = 1; i <= n; ++i) c.add_node(i, cs, options);
  return c;
}

// A cluster of voters 1..n with node 1 elected leader.
TestCluster elected_cluster(int n, NodeOptions options = {}) {
  TestCluster c = cluster(n, options);
  EXPECT_TRUE(c.node(1).campaign().is_ok());
  c.stabilize();
  EXPECT_EQ(c.node(1).status().role, Role::kLeader);
  return c;
}

// Node `id`'s log gets entries with `terms` after its bootstrap entries; its term becomes the
// last of them.
void append_terms(TestCluster& c, int32_t id, const std::vector<uint64_t>& terms) {
  MemoryStorage& s = *c.test_node(id).storage;
  uint64_t index = s.last_index()->value();
  std::vector<pb::Entry> ents;
  for (uint64_t t : terms) {
    pb::Entry e;
    e.set_term(t);
    e.set_index(++index);
    e.set_data(std::string("t") + std::to_string(t));
    ents.push_back(e);
  }
  ASSERT_TRUE(s.append(ents).is_ok());
  pb::HardState hs = s.hard_state();
  hs.set_term(std::max<uint64_t>(hs.term(), terms.empty() ? 0 : terms.back()));
  s.set_hard_state(hs);
  c.restart(id);
}

std::vector<pb::Message> sent_by(TestCluster& c, int32_t id) {
  while (c.process_ready(id, nullptr)) {
  }
  std::vector<pb::Message> out;
  for (auto& m : c.take_messages()) {
    if (m.from() == id) out.push_back(std::move(m));
  }
  return out;
}

pb::Message msg(pb::MessageType type, int32_t from, int32_t to, uint64_t term) {
  pb::Message m;
  m.set_type(type);
  m.set_from(from);
  m.set_to(to);
  m.set_term(term);
  return m;
}

uint64_t last_index(TestCluster& c, int32_t id) { return c.node(id).status().last_index.value(); }

// §5.1: a server that sees a larger term adopts it and becomes a follower.
TEST(RaftPaper, LeaderStepsDownOnHigherTerm) {
  TestCluster c = elected_cluster(3);
  const uint64_t term = c.node(1).status().term.value();
  ASSERT_TRUE(c.node(1).step(msg(pb::MSG_APPEND, 2, 1, term + 1)).is_ok());
  NodeStatus st = c.node(1).status();
  EXPECT_EQ(st.role, Role::kFollower);
  EXPECT_EQ(st.term.value(), term + 1);
  EXPECT_EQ(st.leader.value(), 2);
}

// §5.1: a request with a stale term is rejected; the sender learns the newer term.
TEST(RaftPaper, StaleTermAppendIsAnsweredWithCurrentTerm) {
  TestCluster c = elected_cluster(3);
  const uint64_t term = c.node(2).status().term.value();
  (void)sent_by(c, 2);
  ASSERT_TRUE(c.node(2).step(msg(pb::MSG_APPEND, 3, 2, term - 1)).is_ok());
  auto out = sent_by(c, 2);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type(), pb::MSG_APPEND_RESPONSE);
  EXPECT_EQ(out[0].term(), term);
  EXPECT_EQ(c.node(2).status().term.value(), term);
}

// §5.2: a follower that hears nothing for an election timeout starts an election.
TEST(RaftPaper, FollowerCampaignsAfterElectionTimeout) {
  TestCluster c = cluster(3, {.pre_vote = false});
  c.tick(1, 2 * 10);
  NodeStatus st = c.node(1).status();
  EXPECT_EQ(st.role, Role::kCandidate);
  EXPECT_EQ(st.term.value(), 2u);
  auto out = sent_by(c, 1);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& m : out) EXPECT_EQ(m.type(), pb::MSG_VOTE);
}

// §5.2: election timeouts are chosen randomly from [T, 2T), so nodes rarely collide.
TEST(RaftPaper, ElectionTimeoutIsRandomizedWithinOneToTwoTimeouts) {
  std::set<int> seen;
  for (int seed = 1; seed <= 30; ++seed) {
    TestCluster c;
    c.add_node(seed, voters({seed, 100}), {.pre_vote = false});
    int ticks = 0;
    while (c.node(seed).status().role == Role::kFollower && ticks < 100) {
      c.tick(seed);
      ++ticks;
    }
    EXPECT_GE(ticks, 10);
    EXPECT_LT(ticks, 20);
    seen.insert(ticks);
  }
  EXPECT_GT(seen.size(), 3u);
}

// §5.2: only granting a vote restarts the election timer; a rejected candidate (here one with a
// stale log and a higher term) cannot keep a follower from timing out.
TEST(RaftPaper, RejectedVoteRequestDoesNotRestartElectionTimer) {
  auto ticks_to_campaign = [](TestCluster& c) {
    int ticks = 0;
    while (c.node(1).status().role == Role::kFollower && ticks < 100) {
      c.tick(1);
      ++ticks;
    }
    return ticks;
  };
  TestCluster undisturbed;
  undisturbed.add_node(1, voters({1, 2, 3}), {.pre_vote = false, .check_quorum = false});
  const int timeout = ticks_to_campaign(undisturbed);

  TestCluster c;
  c.add_node(1, voters({1, 2, 3}), {.pre_vote = false, .check_quorum = false});
  append_terms(c, 1, {2, 2});
  c.tick(1, timeout - 1);
  pb::Message m = msg(pb::MSG_VOTE, 2, 1, 5);
  m.set_index(1);
  m.set_log_term(1);
  ASSERT_TRUE(c.node(1).step(m).is_ok());
  auto out = sent_by(c, 1);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].reject());
  c.tick(1);
  EXPECT_EQ(c.node(1).status().role, Role::kCandidate);
}

// Node 1 of five voters campaigns while `isolated` cannot be reached; returns its role after.
Role campaign_among_five_with_isolated(std::initializer_list<int32_t> isolated) {
  TestCluster c = cluster(5, {.pre_vote = false});
  for (int32_t id : isolated) c.isolate(id);
  EXPECT_TRUE(c.node(1).campaign().is_ok());
  c.stabilize();
  return c.node(1).status().role;
}

// §5.2: a candidate that receives votes from a majority becomes leader.
TEST(RaftPaper, CandidateWithMajorityBecomesLeader) {
  EXPECT_EQ(campaign_among_five_with_isolated({4, 5}), Role::kLeader);
}

// §5.2: without a majority the candidate does not win.
TEST(RaftPaper, CandidateWithoutMajorityStaysCandidate) {
  EXPECT_EQ(campaign_among_five_with_isolated({3, 4, 5}), Role::kCandidate);
}

// §5.2 (election safety): each server votes for at most one candidate per term.
TEST(RaftPaper, ServerVotesOncePerTerm) {
  TestCluster c = cluster(3, {.pre_vote = false});
  const uint64_t li = last_index(c, 1);
  auto vote = [&](int32_t from) {
    pb::Message m = msg(pb::MSG_VOTE, from, 1, 2);
    m.set_index(li);
    m.set_log_term(1);
    return m;
  };
  ASSERT_TRUE(c.node(1).step(vote(2)).is_ok());
  ASSERT_TRUE(c.node(1).step(vote(3)).is_ok());
  ASSERT_TRUE(c.node(1).step(vote(2)).is_ok());  // a retry from the chosen candidate
  auto out = sent_by(c, 1);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].reject());
  EXPECT_TRUE(out[1].reject());
  EXPECT_FALSE(out[2].reject());
  EXPECT_EQ(c.node(1).status().vote.value(), 2);
}

// §5.2: a candidate that hears from a leader of its term becomes a follower.
TEST(RaftPaper, CandidateBecomesFollowerOnAppendFromLeaderOfItsTerm) {
  TestCluster c = cluster(3, {.pre_vote = false});
  ASSERT_TRUE(c.node(1).campaign().is_ok());
  ASSERT_EQ(c.node(1).status().role, Role::kCandidate);
  const uint64_t term = c.node(1).status().term.value();
  ASSERT_TRUE(c.node(1).step(msg(pb::MSG_HEARTBEAT, 2, 1, term)).is_ok());
  EXPECT_EQ(c.node(1).status().role, Role::kFollower);
  EXPECT_EQ(c.node(1).status().leader.value(), 2);
}

// §5.4.1: a vote is denied to a candidate whose last log term is older.
TEST(RaftPaper, VoteDeniedToCandidateWithOlderLastTerm) {
  TestCluster c = cluster(3, {.pre_vote = false});
  append_terms(c, 1, {2, 3});
  pb::Message m = msg(pb::MSG_VOTE, 2, 1, 5);
  m.set_index(last_index(c, 1) + 5);
  m.set_log_term(2);
  ASSERT_TRUE(c.node(1).step(m).is_ok());
  auto out = sent_by(c, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject());
}

// §5.4.1: with equal last terms, the longer log is more up to date.
TEST(RaftPaper, VoteDeniedToCandidateWithShorterLogOfSameTerm) {
  TestCluster c = cluster(3, {.pre_vote = false});
  append_terms(c, 1, {2, 2, 2});
  pb::Message m = msg(pb::MSG_VOTE, 2, 1, 5);
  m.set_index(last_index(c, 1) - 1);
  m.set_log_term(2);
  ASSERT_TRUE(c.node(1).step(m).is_ok());
  auto out = sent_by(c, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject());
  m.set_index(last_index(c, 1));
  m.set_term(6);
  ASSERT_TRUE(c.node(1).step(m).is_ok());
  out = sent_by(c, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].reject());
}

// §5.3: the leader appends a proposal to its log and replicates it to every follower.
TEST(RaftPaper, LeaderReplicatesProposalToFollowers) {
  TestCluster c = elected_cluster(3);
  ASSERT_TRUE(c.node(1).propose("x").is_ok());
  c.stabilize();
  for (int id = 1; id <= 3; ++id) {
    auto& applied = c.test_node(id).applied;
    ASSERT_FALSE(applied.empty());
    EXPECT_EQ(applied.back().data(), "x") << "node " << id;
  }
}

// §5.3: an entry is committed once the leader has replicated it on a majority.
TEST(RaftPaper, EntryCommitsOnMajorityReplication) {
  TestCluster c = elected_cluster(5);
  c.isolate(4);
  c.isolate(5);
  ASSERT_TRUE(c.node(1).propose("x").is_ok());
  c.stabilize();
  EXPECT_EQ(c.node(1).status().commit.value(), last_index(c, 1));
  c.isolate(3);
  ASSERT_TRUE(c.node(1).propose("y").is_ok());
  c.stabilize();
  EXPECT_EQ(c.node(1).status().commit.value(), last_index(c, 1) - 1);
}

// §5.3: followers apply committed entries in log order, exactly once.
TEST(RaftPaper, FollowersApplyCommittedEntriesInOrder) {
  TestCluster c = elected_cluster(3);
  for (const char* d : {"a", "b", "c"}) ASSERT_TRUE(c.node(1).propose(d).is_ok());
  c.stabilize();
  for (int id = 2; id <= 3; ++id) {
    const auto& applied = c.test_node(id).applied;
    for (size_t i = 1; i < applied.size(); ++i) {
      EXPECT_EQ(applied[i].index(), applied[i - 1].index() + 1);
    }
    ASSERT_GE(applied.size(), 3u);
    EXPECT_EQ(applied[applied.size() - 3].data(), "a");
    EXPECT_EQ(applied.back().data(), "c");
  }
}

// §5.3 (log matching): a follower refuses entries whose predecessor it does not hold.
TEST(RaftPaper, FollowerRejectsAppendWithMismatchedPrevious) {
  TestCluster c = cluster(3);
  const uint64_t li = last_index(c, 2);
  pb::Message m = msg(pb::MSG_APPEND, 1, 2, 2);
  m.set_index(li);
  m.set_log_term(2);  // the follower has term 1 there
  ASSERT_TRUE(c.node(2).step(m).is_ok());
  auto out = sent_by(c, 2);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject());
  EXPECT_EQ(last_index(c, 2), li);
}

// §5.3: conflicting entries are deleted and replaced by the leader's.
TEST(RaftPaper, FollowerTruncatesConflictingSuffix) {
  TestCluster c = cluster(3);
  const uint64_t base = last_index(c, 2);
  append_terms(c, 2, {2, 2, 2});
  pb::Message m = msg(pb::MSG_APPEND, 1, 2, 3);
  m.set_index(base + 1);
  m.set_log_term(2);
  pb::Entry* e = m.add_entries();
  e->set_term(3);
  e->set_index(base + 2);
  e->set_data("new");
  ASSERT_TRUE(c.node(2).step(m).is_ok());
  while (c.process_ready(2, nullptr)) {
  }
  EXPECT_EQ(last_index(c, 2), base + 2);
  EXPECT_EQ(c.test_node(2).storage->term(RaftIndex(base + 2))->value(), 3u);
}

// §5.3 (optimization): a rejection hint lets the leader skip a whole conflicting term at once.
TEST(RaftPaper, LeaderSkipsConflictingTermUsingFollowerHint) {
  TestCluster c = cluster(3, {.pre_vote = false});
  append_terms(c, 1, {2, 4, 4, 4});
  append_terms(c, 2, {2, 3, 3, 3, 3, 3});  // a stale tail from a term-3 leader
  append_terms(c, 3, {2, 4, 4, 4});
  c.isolate(2);
  ASSERT_TRUE(c.node(1).campaign().is_ok());  // wins term 5 with node 3's vote
  c.stabilize();
  ASSERT_EQ(c.node(1).status().role, Role::kLeader);
  c.heal();
  ASSERT_TRUE(c.node(1).propose("x").is_ok());
  std::vector<std::string> log;
  c.tick(1, 1);
  c.stabilize(&log);
  int rejections = static_cast<int>(std::count_if(log.begin(), log.end(), [](const auto& l) {
    return l.find("2->1 MsgAppResp") != std::string::npos &&
           l.find("rejected") != std::string::npos;
  }));
  // Probing one index at a time would take three rejections to get past the term-4 entries.
  EXPECT_EQ(rejections, 1);
  EXPECT_EQ(c.test_node(2).applied.back().data(), "x");
}

// §5.4.2: a leader never commits an entry from a previous term by counting replicas (figure 8).
TEST(RaftPaper, LeaderDoesNotCommitPreviousTermEntryByCounting) {
  TestCluster c = cluster(3, {.pre_vote = false});
  append_terms(c, 1, {2});
  append_terms(c, 2, {2});
  const uint64_t term2_index = last_index(c, 1);
  c.isolate(2);
  c.isolate(3);
  c.tick(1, 30);  // node 1 campaigns but cannot win: term 3 with its vote only
  ASSERT_TRUE(c.node(1).campaign().is_ok());
  while (c.process_ready(1, nullptr)) {
  }
  const uint64_t t = c.node(1).status().term.value();
  // Force leadership with node 2's vote, but keep the new term's no-op from being acknowledged.
  pb::Message grant = msg(pb::MSG_VOTE_RESPONSE, 2, 1, t);
  ASSERT_TRUE(c.node(1).step(grant).is_ok());
  ASSERT_EQ(c.node(1).status().role, Role::kLeader);
  // Node 2 acknowledges the term-2 entry (but not the no-op).
  pb::Message ack = msg(pb::MSG_APPEND_RESPONSE, 2, 1, t);
  ack.set_index(term2_index);
  ASSERT_TRUE(c.node(1).step(ack).is_ok());
  EXPECT_LT(c.node(1).status().commit.value(), term2_index);
  // Once the current term's no-op is on a majority, both commit.
  ack.set_index(term2_index + 1);
  ASSERT_TRUE(c.node(1).step(ack).is_ok());
  EXPECT_EQ(c.node(1).status().commit.value(), term2_index + 1);
}

// §5.4 (leader completeness): a node missing committed entries cannot become leader.
TEST(RaftPaper, NodeMissingCommittedEntriesCannotWin) {
  TestCluster c = elected_cluster(3, {.pre_vote = false, .check_quorum = false});
  c.isolate(3);
  ASSERT_TRUE(c.node(1).propose("committed").is_ok());
  c.stabilize();
  ASSERT_EQ(c.test_node(2).applied.back().data(), "committed");
  c.heal();
  c.isolate(1);
  ASSERT_TRUE(c.node(3).campaign().is_ok());
  c.stabilize();
  EXPECT_NE(c.node(3).status().role, Role::kLeader);
  ASSERT_TRUE(c.node(2).campaign().is_ok());
  c.stabilize();
  EXPECT_EQ(c.node(2).status().role, Role::kLeader);
}

// A restart never hands out again what a durable state machine already applied, even when the
// stored commit index lags it (commit-only hard state changes are not fsynced).
TEST(RaftPaper, RestartDoesNotReapplyEntriesBeyondStoredCommit) {
  TestCluster c = elected_cluster(3);
  ASSERT_TRUE(c.node(1).propose("x").is_ok());
  c.stabilize();
  TestNode& n = c.test_node(2);
  const uint64_t applied = n.applied.back().index();
  pb::HardState hs = n.storage->hard_state();
  hs.set_commit(applied - 2);
  n.storage->set_hard_state(hs);
  c.restart(2);
  const size_t before = n.applied.size();
  c.stabilize();
  EXPECT_EQ(n.applied.size(), before);
  EXPECT_GE(c.node(2).status().commit.value(), applied);
}

// Dissertation §9.6: with pre-vote, a partitioned node does not inflate its term.
TEST(RaftPaper, PreVoteKeepsPartitionedNodeTerm) {
  TestCluster c = elected_cluster(3);
  const uint64_t term = c.node(3).status().term.value();
  c.isolate(3);
  for (int i = 0; i < 100; ++i) {
    c.tick(3);
    c.stabilize();
  }
  EXPECT_EQ(c.node(3).status().term.value(), term);
  c.heal();
  c.tick(1, 1);
  c.stabilize();
  EXPECT_EQ(c.node(1).status().role, Role::kLeader);
  EXPECT_EQ(c.node(1).status().term.value(), term);
}

// Dissertation §6.2: a leader that cannot reach a quorum for an election timeout steps down.
TEST(RaftPaper, CheckQuorumLeaderStepsDownWhenCutOff) {
  TestCluster c = elected_cluster(3);
  c.isolate(1);
  for (int i = 0; i < 25; ++i) {
    c.tick(1);
    c.stabilize();
  }
  EXPECT_EQ(c.node(1).status().role, Role::kFollower);
}

// Dissertation §4.2.3: with a live leader, followers ignore vote requests (lease).
TEST(RaftPaper, FollowerWithLiveLeaderIgnoresVoteRequests) {
  TestCluster c = elected_cluster(3, {.pre_vote = false});
  const uint64_t term = c.node(2).status().term.value();
  pb::Message m = msg(pb::MSG_VOTE, 3, 2, term + 1);
  m.set_index(last_index(c, 2));
  m.set_log_term(term);
  ASSERT_TRUE(c.node(2).step(m).is_ok());
  EXPECT_EQ(c.node(2).status().term.value(), term);
  EXPECT_TRUE(sent_by(c, 2).empty());
}

// Dissertation §3.10: leadership transfer catches the target up, then sends TimeoutNow.
TEST(RaftPaper, LeaderTransferHandsLeadershipToTarget) {
  TestCluster c = elected_cluster(3);
  ASSERT_TRUE(c.node(1).transfer_leadership(NodeId(3)).is_ok());
  c.stabilize();
  EXPECT_EQ(c.node(3).status().role, Role::kLeader);
  EXPECT_EQ(c.node(1).status().role, Role::kFollower);
  EXPECT_EQ(c.node(1).status().leader.value(), 3);
}

// A leader refuses proposals while a transfer is in progress.
TEST(RaftPaper, LeaderRefusesProposalsDuringTransfer) {
  TestCluster c = elected_cluster(3);
  c.isolate(3);
  ASSERT_TRUE(c.node(1).transfer_leadership(NodeId(3)).is_ok());
  EXPECT_EQ(c.node(1).propose("x").code(), StatusCode::kUnavailable);
  // Abandoned after an election timeout.
  c.tick(1, 10);
  EXPECT_EQ(c.node(1).status().lead_transferee, kNoNode);
}

// Dissertation §6.4: ReadIndex answers only after a heartbeat round confirms leadership.
TEST(RaftPaper, ReadIndexWaitsForQuorumHeartbeat) {
  TestCluster c = elected_cluster(3);
  c.isolate(2);
  c.isolate(3);
  ASSERT_TRUE(c.node(1).read_index("r1").is_ok());
  c.stabilize();
  EXPECT_TRUE(c.test_node(1).read_states.empty());
  c.heal();
  c.tick(1, 1);  // the next heartbeat carries the read's context
  c.stabilize();
  ASSERT_EQ(c.test_node(1).read_states.size(), 1u);
  EXPECT_EQ(c.test_node(1).read_states[0].context, "r1");
  EXPECT_EQ(c.test_node(1).read_states[0].index.value(), c.node(1).status().commit.value());
}

// A follower's ReadIndex is forwarded to the leader and answered with the leader's commit.
TEST(RaftPaper, FollowerReadIndexIsServedByLeader) {
  TestCluster c = elected_cluster(3);
  ASSERT_TRUE(c.node(1).propose("x").is_ok());
  c.stabilize();
  ASSERT_TRUE(c.node(2).read_index("r2").is_ok());
  c.stabilize();
  ASSERT_EQ(c.test_node(2).read_states.size(), 1u);
  EXPECT_EQ(c.test_node(2).read_states[0].index.value(), c.node(1).status().commit.value());
}

// Flow control: no more than max_inflight_appends unacknowledged appends per follower, and no
// more than max_append_bytes per message.
TEST(RaftPaper, AppendsAreBoundedByInflightWindowAndMessageBytes) {
  TestCluster c = elected_cluster(2, {.max_append_bytes = 64, .max_inflight_appends = 2});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.node(1).propose(std::string(40, 'a' + i)).is_ok());
  auto out = sent_by(c, 1);
  int appends = 0;
  for (const auto& m : out) {
    if (m.type() != pb::MSG_APPEND) continue;
    ++appends;
    EXPECT_LE(m.entries_size(), 1);
  }
  EXPECT_LE(appends, 2);
  for (auto& m : out) (void)c.node(2).step(m);
  c.stabilize();
  EXPECT_EQ(c.test_node(2).applied.back().data(), std::string(40, 'j'));
}

// A follower behind the leader's compacted log receives the snapshot in chunks and rejoins.
TEST(RaftPaper, LaggingFollowerCatchesUpFromChunkedSnapshot) {
  TestCluster c = elected_cluster(3, {.max_snapshot_chunk_bytes = 4});
  c.isolate(3);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(c.node(1).propose(std::string("e") + std::to_string(i)).is_ok());
  c.stabilize();
  ASSERT_TRUE(c.snapshot_and_compact(1, "state-after-e4").is_ok());
  c.heal();
  std::vector<std::string> log;
  c.tick(1, 1);
  c.stabilize(&log);
  int chunks = static_cast<int>(std::count_if(
      log.begin(), log.end(), [](const auto& l) { return l.rfind("1->3 MsgSnap ", 0) == 0; }));
  EXPECT_GE(chunks, 4);  // 14 bytes in 4-byte chunks
  EXPECT_EQ(c.node(3).status().commit.value(), c.node(1).status().commit.value());
  ASSERT_TRUE(c.node(1).propose("after").is_ok());
  c.stabilize();
  EXPECT_EQ(c.test_node(3).applied.back().data(), "after");
}

// Dissertation §4.1: a configuration takes effect on append, and only one change may be pending.
TEST(RaftPaper, OnlyOneUncommittedMembershipChangeAtATime) {
  TestCluster c = elected_cluster(3);
  c.add_node(4, {});
  c.isolate(2);
  c.isolate(3);
  pb::ConfChange cc;
  cc.set_type(pb::CONF_CHANGE_ADD_LEARNER);
  cc.set_node_id(4);
  ASSERT_TRUE(c.node(1).propose_conf_change(cc).is_ok());
  EXPECT_EQ(c.node(1).status().conf_state.learners_size(), 1);  // in effect at once
  cc.set_node_id(5);
  EXPECT_EQ(c.node(1).propose_conf_change(cc).code(), StatusCode::kFailedPrecondition);
  c.heal();
  c.stabilize();
  EXPECT_TRUE(c.node(1).propose_conf_change(cc).is_ok());
}

// Dissertation §4.2.1: a learner is promoted only once it has caught up.
TEST(RaftPaper, LearnerPromotedOnlyWhenCaughtUp) {
  TestCluster c = elected_cluster(3);
  c.add_node(4, {});
  c.isolate(4);
  pb::ConfChange cc;
  cc.set_type(pb::CONF_CHANGE_ADD_LEARNER);
  cc.set_node_id(4);
  ASSERT_TRUE(c.node(1).propose_conf_change(cc).is_ok());
  c.stabilize();
  cc.set_type(pb::CONF_CHANGE_ADD_VOTER);
  EXPECT_EQ(c.node(1).propose_conf_change(cc).code(), StatusCode::kFailedPrecondition);
  c.heal();
  c.tick(1, 1);
  c.stabilize();
  ASSERT_TRUE(c.node(1).propose_conf_change(cc).is_ok());
  c.stabilize();
  EXPECT_TRUE(is_voter(c.node(4).status().conf_state, 4));
  EXPECT_EQ(c.node(4).status().conf_state.voters_size(), 4);
}

// A learner never campaigns.
TEST(RaftPaper, LearnerDoesNotCampaign) {
  TestCluster c = elected_cluster(3);
  c.add_node(4, {});
  pb::ConfChange cc;
  cc.set_type(pb::CONF_CHANGE_ADD_LEARNER);
  cc.set_node_id(4);
  ASSERT_TRUE(c.node(1).propose_conf_change(cc).is_ok());
  c.stabilize();
  c.isolate(4);
  c.tick(4, 50);
  EXPECT_EQ(c.node(4).status().role, Role::kFollower);
  EXPECT_FALSE(c.node(4).campaign().is_ok());
}

// Dissertation §4.2.2: a leader that removes itself steps down once the change commits.
TEST(RaftPaper, RemovedLeaderStepsDownAfterCommit) {
  TestCluster c = elected_cluster(3);
  pb::ConfChange cc;
  cc.set_type(pb::CONF_CHANGE_REMOVE_NODE);
  cc.set_node_id(1);
  ASSERT_TRUE(c.node(1).propose_conf_change(cc).is_ok());
  EXPECT_EQ(c.node(1).status().role, Role::kLeader);
  c.stabilize();
  EXPECT_EQ(c.node(1).status().role, Role::kFollower);
  for (int i = 0; i < 40 && c.node(2).status().role != Role::kLeader &&
                  c.node(3).status().role != Role::kLeader;
       ++i) {
    c.tick(2);
    c.tick(3);
    c.stabilize();
  }
  const bool new_leader =
      c.node(2).status().role == Role::kLeader || c.node(3).status().role == Role::kLeader;
  EXPECT_TRUE(new_leader);
}

}  // namespace
}  // namespace eddy::raft::testing
