#include "simulation.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "linearizability.h"
#include "raft/core/conf_change.h"
#include "raft/core/memory_storage.h"
#include "raft/core/random.h"
#include "raft/core/raw_node.h"
#include "sim_node.h"

namespace eddy::raft::sim {
namespace {

constexpr int64_t kOpTimeoutMs = 400;
constexpr size_t kSnapshotPadBytes = 150;  // so snapshots span several chunks
constexpr size_t kTraceLines = 300;

std::string encode_state(int64_t value) {
  return "v=" + std::to_string(value) + ";" + std::string(kSnapshotPadBytes, 'x');
}

int64_t decode_state(const std::string& data) {
  if (data.size() < 2 || data[0] != 'v') return 0;
  return std::stoll(data.substr(2, data.find(';') - 2));
}

// A client operation against the register.
struct ClientOp {
  int client = 0;
  bool write = false;
  int64_t value = 0;  // written value (unique), or the value read
  int64_t invoke = 0;
  int64_t response = -1;
  bool failed = false;     // refused up front: certainly had no effect
  bool timed_out = false;  // outcome unknown to the client
  int node = -1;
};

struct Node : SimRaftNode {
  int32_t id = 0;
  bool up = false;
  // The register state machine.
  int64_t value = 0;
  uint64_t applied = 0;
  pb::ConfState applied_conf;
  std::vector<ReadState> reads_waiting;
  std::unordered_map<uint64_t, size_t> proposals;  // write value -> op
  // Invariant tracking.
  uint64_t term_seen = 0;    // this incarnation
  uint64_t commit_seen = 0;  // this incarnation
  uint64_t durable_term = 0;
  uint64_t checked_commit = 0;
};

class Simulation {
 public:
  explicit Simulation(const SimOptions& o) : o_(o), rng_(o.seed * 0x9e3779b97f4a7c15ULL + 7) {}
  SimResult run();

 private:
  enum class Kind { kTick, kDeliver, kSyncDone, kRestart, kFault, kAdmin, kClient, kOpTimeout };
  using Event = EventQueue<Kind>::Event;

  uint64_t schedule(int64_t delay, Kind kind, int node, uint64_t arg = 0) {
    return events_.schedule(now_ + delay, kind, node, arg);
  }
  bool faults_on() const { return o_.faults && now_ < o_.duration_ms * 8 / 10; }
  void fail(const std::string& what);
  void note(const std::string& line);

  void start_node(int i);
  void crash(int i);
  void drive(int i);
  void sync_done(int i);
  void apply_entry(Node& n, const pb::Entry& e);
  void serve_reads(Node& n);
  void maybe_snapshot(Node& n);
  void check_node(int i);
  void check_committed(int i, uint64_t commit);
  void check_leader_completeness(Node& n);
  void record_committed(uint64_t index, uint64_t term, const std::string& data, int node);
  void send(int from, const pb::Message& m);
  void deliver(uint64_t seq, int to);
  void on_fault();
  void on_admin();
  void on_client(int client);
  void complete(size_t op, int64_t result);
  int leader_node() const;
  void check_history();

  SimOptions o_;
  Random rng_;
  SimResult result_;
  int64_t now_ = 0;
  EventQueue<Kind> events_;
  std::unordered_map<uint64_t, pb::Message> in_flight_;
  std::vector<Node> nodes_;
  std::vector<std::vector<bool>> blocked_;  // blocked_[from][to]
  uint64_t drop_per_mille_ = 20, dup_per_mille_ = 20;
  int64_t max_delay_ms_ = 15;
  // Global truth: the committed log, first seen at any node.
  std::vector<std::optional<std::pair<uint64_t, std::string>>> committed_;
  uint64_t max_commit_ = 0;
  std::unordered_map<uint64_t, int32_t> leaders_;  // term -> leader
  std::vector<ClientOp> ops_;
  std::vector<bool> client_busy_;
  std::unordered_map<int64_t, int64_t> first_apply_;  // write value -> time
  std::deque<std::string> trace_;
  bool faults_stopped_ = false;
  uint64_t commit_when_faults_stopped_ = 0;
};

void Simulation::fail(const std::string& what) {
  if (!result_.ok) return;
  result_.ok = false;
  result_.failure = "t=" + std::to_string(now_) + "ms: " + what;
}

void Simulation::note(const std::string& line) {
  if (!o_.trace) return;
  trace_.push_back(std::to_string(now_) + "ms " + line);
  if (trace_.size() > kTraceLines) trace_.pop_front();
}

void Simulation::start_node(int i) {
  Node& n = nodes_[i];
  Config cfg;
  cfg.id = NodeId(n.id);
  cfg.election_ticks = 10;
  cfg.heartbeat_ticks = 2;
  auto snap = n.durable.snapshot();
  cfg.applied = snap->metadata().index();
  // Small limits so flow control, chunking and paging all happen.
  // One entry per append in some seeds, so followers acknowledge a new leader's log piece by
  // piece (the interleavings behind Figure 8 of the Raft paper).
  cfg.max_append_bytes = o_.seed % 3 == 0 ? 1 : 200;
  cfg.max_inflight_appends = 4;
  cfg.max_snapshot_chunk_bytes = 64;
  cfg.max_committed_bytes_per_ready = 400;
  // Safety must not depend on the liveness aids: some seeds run without them.
  cfg.pre_vote = o_.seed % 4 != 1;
  cfg.check_quorum = o_.seed % 4 != 2;
  cfg.random_seed = o_.seed * 1000003 + static_cast<uint64_t>(n.id) * 7919 + n.incarnation;
  if (Status s = n.start(cfg); !s.is_ok()) {
    fail("node " + std::to_string(n.id) + " cannot restart: " + s.to_string());
    return;
  }
  n.up = true;
  n.value = decode_state(snap->data());
  n.applied = snap->metadata().index();
  n.applied_conf = snap->metadata().conf_state();
  n.reads_waiting.clear();
  n.proposals.clear();
  n.term_seen = 0;
  n.commit_seen = 0;
  n.checked_commit = n.applied;
  note("start node " + std::to_string(n.id));
  // Committed entries survive a crash: what the node restarts with still holds them unchanged.
  check_committed(i, n.durable.hard_state().commit());
}

void Simulation::crash(int i) {
  Node& n = nodes_[i];
  n.crash(rng_);
  n.up = false;
  result_.crashes++;
  note("crash node " + std::to_string(n.id));
  schedule(20 + static_cast<int64_t>(rng_.uniform(300)), Kind::kRestart, i);
}

void Simulation::drive(int i) {
  Node& n = nodes_[i];
  Status append;
  if (!n.up || !n.write_ready(append)) return;
  if (!append.is_ok()) fail("storage append: " + append.to_string());
  schedule(static_cast<int64_t>(rng_.uniform(3)), Kind::kSyncDone, i, n.incarnation);
}

void Simulation::sync_done(int i) {
  Node& n = nodes_[i];
  // fsync: the durable copy catches up with what the process wrote.
  Ready rd = n.sync();
  if (rd.hard_state) {
    if (rd.hard_state->term() < n.durable_term) {
      fail("node " + std::to_string(n.id) + " durable term went back from " +
           std::to_string(n.durable_term) + " to " + std::to_string(rd.hard_state->term()));
    }
    n.durable_term = rd.hard_state->term();
    check_committed(i, rd.hard_state->commit());
  }
  // Only now may the node speak: its votes and acknowledgements are durable.
  for (const auto& m : rd.messages) {
    if (o_.trace && m.type() != pb::MSG_HEARTBEAT && m.type() != pb::MSG_HEARTBEAT_RESPONSE) {
      note("send " + std::to_string(m.from()) + "->" + std::to_string(m.to()) + " type " +
           std::to_string(m.type()) + " term " + std::to_string(m.term()) + " index " +
           std::to_string(m.index()) + " log_term " + std::to_string(m.log_term()) + " ents " +
           std::to_string(m.entries_size()) + " commit " + std::to_string(m.commit()) +
           (m.reject() ? " reject" : ""));
    }
    send(i, m);
  }
  if (rd.snapshot) {
    const auto& md = rd.snapshot->metadata();
    n.value = decode_state(rd.snapshot->data());
    n.applied = md.index();
    n.applied_conf = md.conf_state();
    result_.snapshots_installed++;
    note("node " + std::to_string(n.id) + " installed snapshot at " + std::to_string(md.index()));
  }
  for (const auto& e : rd.committed_entries) apply_entry(n, e);
  for (auto& rs : rd.read_states) n.reads_waiting.push_back(std::move(rs));
  n.advance();
  serve_reads(n);
  maybe_snapshot(n);
}

void Simulation::apply_entry(Node& n, const pb::Entry& e) {
  if (e.index() != n.applied + 1) {
    fail("node " + std::to_string(n.id) + " applied index " + std::to_string(e.index()) +
         " after " + std::to_string(n.applied));
    return;
  }
  record_committed(e.index(), e.term(), e.data(), n.id);
  n.applied = e.index();
  if (e.type() == pb::ENTRY_CONF_CHANGE) {
    pb::ConfChange cc;
    if (cc.ParseFromString(e.data())) {
      if (auto next = apply_conf_change(n.applied_conf, cc); next.is_ok()) {
        n.applied_conf = std::move(next).value();
      }
    }
    return;
  }
  if (e.data().empty()) return;
  const int64_t v = std::stoll(e.data().substr(1));
  n.value = v;
  first_apply_.try_emplace(v, now_);
  if (auto it = n.proposals.find(static_cast<uint64_t>(v)); it != n.proposals.end()) {
    complete(it->second, v);
    n.proposals.erase(it);
  }
}

void Simulation::serve_reads(Node& n) {
  auto it = n.reads_waiting.begin();
  while (it != n.reads_waiting.end()) {
    if (it->index.value() > n.applied) {
      ++it;
      continue;
    }
    const size_t op = std::stoull(it->context.substr(1));
    if (ops_[op].node == static_cast<int>(&n - nodes_.data())) complete(op, n.value);
    it = n.reads_waiting.erase(it);
  }
}

void Simulation::maybe_snapshot(Node& n) {
  const uint64_t snap_index = n.live->snapshot()->metadata().index();
  if (n.applied < snap_index + 12 + rng_.uniform(12)) return;
  // Keep a few entries behind the snapshot sometimes, so both catch-up paths run.
  const uint64_t compact_to = n.applied - rng_.uniform(4);
  if (Status st = n.snapshot(n.applied, n.applied_conf, encode_state(n.value), compact_to);
      !st.is_ok()) {
    fail("create_snapshot: " + st.to_string());
  }
}

void Simulation::record_committed(uint64_t index, uint64_t term, const std::string& data,
                                  int node) {
  if (committed_.size() <= index) committed_.resize(index + 1);
  auto& slot = committed_[index];
  if (!slot) {
    slot.emplace(term, data);
  } else if (slot->first != term || slot->second != data) {
    fail("committed entry " + std::to_string(index) + " differs at node " + std::to_string(node) +
         ": term " + std::to_string(term) + " vs " + std::to_string(slot->first));
  }
}

void Simulation::check_committed(int i, uint64_t commit) {
  Node& n = nodes_[i];
  const uint64_t first = n.live->first_index()->value();
  const uint64_t lo = std::max(n.checked_commit + 1, first);
  if (commit >= lo) {
    auto ents = n.live->entries(RaftIndex(lo), RaftIndex(commit + 1), UINT64_MAX);
    if (!ents.is_ok()) {
      fail("node " + std::to_string(n.id) + " commit " + std::to_string(commit) +
           " beyond its stored log: " + ents.status().to_string());
      return;
    }
    for (const auto& e : *ents) record_committed(e.index(), e.term(), e.data(), n.id);
  }
  if (commit > max_commit_) {
    note("node " + std::to_string(n.id) + " commit " + std::to_string(commit));
  }
  n.checked_commit = std::max(n.checked_commit, commit);
  max_commit_ = std::max(max_commit_, commit);
  result_.committed = max_commit_;
}

void Simulation::check_leader_completeness(Node& n) {
  // Raft §5.4: a new leader's log holds every committed entry.
  const uint64_t first = n.live->first_index()->value();
  const uint64_t last = n.live->last_index()->value();
  if (last < max_commit_) {
    fail("leader " + std::to_string(n.id) + " lacks committed index " +
         std::to_string(max_commit_) + " (last " + std::to_string(last) + ")");
    return;
  }
  if (max_commit_ < first) return;
  auto ents = n.live->entries(RaftIndex(first), RaftIndex(max_commit_ + 1), UINT64_MAX);
  if (!ents.is_ok()) return;
  for (const auto& e : *ents) {
    const auto& slot = committed_[e.index()];
    if (slot && (slot->first != e.term() || slot->second != e.data())) {
      fail("leader " + std::to_string(n.id) + " has a different entry at committed index " +
           std::to_string(e.index()));
      return;
    }
  }
}

void Simulation::check_node(int i) {
  Node& n = nodes_[i];
  if (!n.up || !result_.ok) return;
  const NodeStatus st = n.raft->status();
  const uint64_t term = st.term.value();
  const uint64_t commit = st.commit.value();
  if (term < n.term_seen) fail("node " + std::to_string(n.id) + " term went back");
  if (commit < n.commit_seen) fail("node " + std::to_string(n.id) + " commit went back");
  n.term_seen = term;
  n.commit_seen = commit;
  if (st.role == Role::kLeader) {
    auto [it, inserted] = leaders_.try_emplace(term, n.id);
    if (inserted) {
      result_.elections++;
      std::string voters;
      for (int32_t v : st.conf_state.voters()) voters += " " + std::to_string(v);
      note("node " + std::to_string(n.id) + " leader of term " + std::to_string(term) + " last " +
           std::to_string(st.last_index.value()) + " voters" + voters);
      check_leader_completeness(n);
    } else if (it->second != n.id) {
      fail("two leaders in term " + std::to_string(term) + ": " + std::to_string(it->second) +
           " and " + std::to_string(n.id));
    }
  }
}

void Simulation::send(int from, const pb::Message& m) {
  const int to = m.to() - 1;
  if (to < 0 || to >= static_cast<int>(nodes_.size())) return;
  if (blocked_[from][to]) return;
  if (faults_on() && rng_.uniform(1000) < drop_per_mille_) return;
  const int copies = faults_on() && rng_.uniform(1000) < dup_per_mille_ ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    uint64_t seq = schedule(1 + static_cast<int64_t>(rng_.uniform(max_delay_ms_)), Kind::kDeliver,
                            to, static_cast<uint64_t>(from));
    in_flight_.emplace(seq, m);
  }
}

void Simulation::deliver(uint64_t seq, int to) {
  auto it = in_flight_.find(seq);
  pb::Message m = std::move(it->second);
  in_flight_.erase(it);
  Node& n = nodes_[to];
  if (!n.up || blocked_[m.from() - 1][to]) return;
  if (Status s = n.raft->step(m); !s.is_ok()) fail("step: " + s.to_string());
}

int Simulation::leader_node() const {
  int best = -1;
  uint64_t best_term = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (!n.up) continue;
    NodeStatus st = n.raft->status();
    if (st.role == Role::kLeader && st.term.value() >= best_term) {
      best = static_cast<int>(i);
      best_term = st.term.value();
    }
  }
  return best;
}

void Simulation::on_fault() {
  if (!faults_on()) return;
  schedule(100 + static_cast<int64_t>(rng_.uniform(200)), Kind::kFault, -1);
  const int total = static_cast<int>(nodes_.size());
  const uint64_t r = rng_.uniform(100);
  if (r < 15) {
    uint64_t mask = rng_.uniform(uint64_t{1} << total);
    for (int a = 0; a < total; ++a) {
      for (int b = 0; b < total; ++b) blocked_[a][b] = ((mask >> a) & 1) != ((mask >> b) & 1);
    }
    note("partition mask " + std::to_string(mask));
  } else if (r < 25) {
    int a = static_cast<int>(rng_.uniform(total)), b = static_cast<int>(rng_.uniform(total));
    if (a != b) blocked_[a][b] = true;
    note("one-way block " + std::to_string(a + 1) + "->" + std::to_string(b + 1));
  } else if (r < 45) {
    for (auto& row : blocked_) std::fill(row.begin(), row.end(), false);
    note("heal");
  } else if (r < 60) {
    int down = 0;
    for (const auto& n : nodes_) down += !n.up;
    // Half the crashes hit the leader: leader turnover with partly replicated entries is where
    // commitment rules (Figure 8) and log truncation get exercised.
    const int leader = leader_node();
    int i = leader >= 0 && rng_.chance(1, 2) ? leader : static_cast<int>(rng_.uniform(total));
    if (nodes_[i].up && down < std::max(1, (o_.voters - 1) / 2)) crash(i);
  } else if (r < 70) {
    int l = leader_node();
    if (l >= 0) {
      NodeStatus st = nodes_[l].raft->status();
      int32_t to =
          st.conf_state.voters(static_cast<int>(rng_.uniform(st.conf_state.voters_size())));
      (void)nodes_[l].raft->transfer_leadership(NodeId(to));
      note("transfer leadership " + std::to_string(l + 1) + "->" + std::to_string(to));
      drive(l);
    }
  } else if (r < 80) {
    drop_per_mille_ = rng_.uniform(100);
    dup_per_mille_ = rng_.uniform(50);
    max_delay_ms_ = 1 + static_cast<int64_t>(rng_.uniform(30));
  }
}

void Simulation::on_admin() {
  if (!faults_on()) return;
  schedule(250 + static_cast<int64_t>(rng_.uniform(350)), Kind::kAdmin, -1);
  int l = leader_node();
  if (l < 0) return;
  const pb::ConfState cs = nodes_[l].raft->status().conf_state;
  pb::ConfChange cc;
  if (cs.learners_size() > 0) {
    cc.set_type(pb::CONF_CHANGE_ADD_VOTER);
    cc.set_node_id(cs.learners(0));
  } else if (cs.voters_size() > o_.voters) {
    cc.set_type(pb::CONF_CHANGE_REMOVE_NODE);
    cc.set_node_id(cs.voters(static_cast<int>(rng_.uniform(cs.voters_size()))));
  } else {
    std::vector<int32_t> outside;
    for (const auto& n : nodes_) {
      if (!is_voter(cs, n.id) && !is_learner(cs, n.id)) outside.push_back(n.id);
    }
    if (outside.empty()) return;
    cc.set_type(pb::CONF_CHANGE_ADD_LEARNER);
    cc.set_node_id(outside[rng_.uniform(outside.size())]);
  }
  if (nodes_[l].raft->propose_conf_change(cc).is_ok()) {
    result_.conf_changes++;
    note("conf change type " + std::to_string(cc.type()) + " node " + std::to_string(cc.node_id()));
  }
  drive(l);
}

void Simulation::on_client(int client) {
  if (client_busy_[client]) return;
  std::vector<int> up;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].up) up.push_back(static_cast<int>(i));
  }
  int l = leader_node();
  int target = (l >= 0 && rng_.chance(4, 5)) ? l : up.empty() ? -1 : up[rng_.uniform(up.size())];
  if (target < 0) {
    schedule(20, Kind::kClient, client);
    return;
  }
  const size_t id = ops_.size();
  ClientOp op;
  op.client = client;
  op.write = rng_.chance(1, 2);
  op.invoke = now_;
  op.node = target;
  Node& n = nodes_[target];
  Status s;
  if (op.write) {
    op.value = static_cast<int64_t>(id) + 1;
    s = n.raft->propose("w" + std::to_string(op.value));
    if (s.is_ok()) n.proposals[static_cast<uint64_t>(op.value)] = id;
  } else {
    s = n.raft->read_index("r" + std::to_string(id));
  }
  op.failed = !s.is_ok();
  ops_.push_back(op);
  if (op.failed) {
    schedule(5 + static_cast<int64_t>(rng_.uniform(20)), Kind::kClient, client);
    return;
  }
  client_busy_[client] = true;
  schedule(kOpTimeoutMs, Kind::kOpTimeout, -1, id);
  drive(target);
}

void Simulation::complete(size_t op, int64_t result) {
  ClientOp& c = ops_[op];
  if (c.response >= 0 || c.timed_out) return;
  c.response = now_;
  if (!c.write) c.value = result;
  client_busy_[c.client] = false;
  schedule(static_cast<int64_t>(rng_.uniform(30)), Kind::kClient, c.client);
}

void Simulation::check_history() {
  std::vector<RegisterOp> history;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const ClientOp& c = ops_[i];
    if (c.failed) continue;
    RegisterOp r{c.invoke, c.response, c.write, c.value, i};
    if (c.response < 0) {
      // Unknown outcome: a read had no effect; a write took effect by the time any node applied
      // it, or never (the run is over).
      if (!c.write) continue;
      auto it = first_apply_.find(c.value);
      if (it == first_apply_.end()) continue;
      r.response = it->second;
    }
    history.push_back(r);
  }
  result_.ops = history.size();
  CheckResult cr = check_register(std::move(history), 0);
  if (cr.verdict != Verdict::kLinearizable) fail("register history: " + cr.detail);
}

SimResult Simulation::run() {
  const int total = o_.voters + 1;
  pb::ConfState initial;
  for (int i = 1; i <= o_.voters; ++i) initial.add_voters(i);
  nodes_.resize(total);
  blocked_.assign(total, std::vector<bool>(total, false));
  for (int i = 0; i < total; ++i) {
    nodes_[i].id = i + 1;
    // The spare node starts outside the cluster, with an empty configuration.
    nodes_[i].durable = MemoryStorage(i < o_.voters ? initial : pb::ConfState{});
    start_node(i);
    schedule(static_cast<int64_t>(rng_.uniform(o_.tick_ms)), Kind::kTick, i);
  }
  client_busy_.assign(o_.clients, false);
  for (int c = 0; c < o_.clients; ++c) schedule(50 + c, Kind::kClient, c);
  schedule(200, Kind::kFault, -1);
  schedule(300, Kind::kAdmin, -1);

  while (!events_.empty() && result_.ok) {
    const Event ev = events_.pop();
    if (ev.time > o_.duration_ms) break;
    now_ = ev.time;
    result_.events++;
    int touched = ev.node;
    switch (ev.kind) {
      case Kind::kTick:
        if (nodes_[ev.node].up) nodes_[ev.node].raft->tick();
        schedule(o_.tick_ms, Kind::kTick, ev.node);
        break;
      case Kind::kDeliver:
        deliver(ev.seq, ev.node);
        break;
      case Kind::kSyncDone:
        if (nodes_[ev.node].up && ev.arg == nodes_[ev.node].incarnation) sync_done(ev.node);
        break;
      case Kind::kRestart:
        start_node(ev.node);
        break;
      case Kind::kFault:
        on_fault();
        break;
      case Kind::kAdmin:
        on_admin();
        break;
      case Kind::kClient:
        touched = -1;
        on_client(ev.node);
        break;
      case Kind::kOpTimeout: {
        ClientOp& c = ops_[ev.arg];
        if (c.response < 0 && !c.timed_out) {
          c.timed_out = true;
          client_busy_[c.client] = false;
          schedule(static_cast<int64_t>(rng_.uniform(30)), Kind::kClient, c.client);
        }
        break;
      }
    }
    if (!faults_on() && !faults_stopped_) {
      faults_stopped_ = true;
      commit_when_faults_stopped_ = max_commit_;
      for (auto& row : blocked_) std::fill(row.begin(), row.end(), false);
    }
    if (touched >= 0) {
      check_node(touched);
      drive(touched);
    } else {
      for (int i = 0; i < total; ++i) {
        check_node(i);
        drive(i);
      }
    }
  }
  result_.ended_with_leader = leader_node() >= 0;
  result_.progressed_after_faults = max_commit_ > commit_when_faults_stopped_;
  if (result_.ok) check_history();
  if (o_.trace) {
    for (const auto& line : trace_) result_.trace += line + "\n";
  }
  return result_;
}

}  // namespace

SimResult run_simulation(const SimOptions& options) { return Simulation(options).run(); }

}  // namespace eddy::raft::sim
