#include "controller_sim.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>
#include <variant>
#include <vector>

#include "controller/metadata_state_machine.h"
#include "invariants.h"
#include "metadata/cluster_control.h"
#include "metadata/controller.h"
#include "raft/core/memory_storage.h"
#include "raft/core/random.h"
#include "raft/core/raw_node.h"

namespace eddy::metadata::sim {
namespace {

using raft::MemoryStorage;
using raft::Random;
using raft::RawNode;
using raft::Ready;
using E = ErrorCode;

constexpr int64_t kTickMs = 10;
constexpr int64_t kHeartbeatMs = 100;       // broker.heartbeat.interval.ms, scaled down
constexpr int64_t kSessionTimeoutMs = 600;  // broker.session.timeout.ms, scaled down
constexpr int64_t kRequestTimeoutMs = 500;  // a proposal's answer, as RaftNode's request timeout
constexpr int64_t kClientTimeoutMs = 800;   // a client or broker gives up on an answer
constexpr int64_t kFenceCheckMs = 50;       // the active controller's session expiry check
constexpr uint64_t kSnapshotEvery = 16;     // applied entries between snapshots
constexpr size_t kTraceLines = 300;
const char* const kClusterId = "sim-cluster-id-000000";

struct CreateTopic {
  std::string name;
  int32_t partitions = 1;
  int16_t replication_factor = 1;
};
struct DeleteTopic {
  std::string name;
};
struct Reassign {
  std::string topic;
  int32_t partition = 0;
  std::optional<std::vector<int32_t>> target;  // nullopt: cancel
};
struct FenceExpired {};  // the active controller's own timer, not sent over the network
using Request =
    std::variant<BrokerRegistrationRequest, BrokerHeartbeatRequest, AlterPartitionRequest,
                 CreateTopic, DeleteTopic, Reassign, FenceExpired>;

struct Reply {
  ControllerResult result;
  int32_t leader_hint = -1;  // NOT_CONTROLLER: the active controller, when known
  int64_t offset = -1;       // the entry that carried the change
  BrokerRegistrationReply registration;
  BrokerHeartbeatReply heartbeat;
  AlterPartitionReply alter;
  Uuid topic_id;
  int32_t fenced_broker = -1;
};

// A request on its way to a controller, and the answer on its way back.
struct Rpc {
  uint64_t id = 0;
  int sender = 0;  // >= 0: broker index; < 0: client -(index+1)
  int controller = 0;
  Request request;
  Reply reply;
};

struct Pending {
  Rpc rpc;
  uint64_t index = 0;
  uint64_t term = 0;
  int64_t deadline = 0;
  std::optional<uint64_t> applied_term;  // the term of the entry applied at `index`
};

struct ControllerNode {
  int32_t id = 0;
  bool up = false;
  uint64_t incarnation = 0;
  MemoryStorage durable;  // what survives a crash
  std::unique_ptr<MemoryStorage> live;
  std::unique_ptr<RawNode> raft;
  bool syncing = false;
  Ready pending_ready;
  std::unique_ptr<controller::MetadataStateMachine> sm;
  uint64_t applied = 0;
  uint64_t applied_term = 0;
  // The active controller's soft state (QuorumController's): broker sessions started afresh in
  // each term it becomes active, and the requests it serves one at a time.
  BrokerHeartbeatManager sessions{kSessionTimeoutMs};
  uint64_t sessions_term = 0;
  std::deque<Rpc> queue;
  std::optional<Pending> in_flight;
  bool fence_queued = false;
};

struct SimBroker {
  int32_t id = 0;
  enum class State { kUp, kDown, kPaused } state = State::kUp;
  Uuid incarnation;
  int64_t epoch = -1;  // -1: not registered
  bool fenced = true;
  bool want_shut_down = false;
  int64_t metadata_offset = -1;
  int controller = 0;  // where it sends requests
  uint64_t generation = 0;
  uint64_t outstanding = 0;  // the request it waits on
};

struct SimClient {
  int controller = 0;
  uint64_t outstanding = 0;
};

class Simulation {
 public:
  explicit Simulation(const ControllerSimOptions& o)
      : o_(o),
        rng_(o.seed * 0x9e3779b97f4a7c15ULL + 13),
        ids_(o.seed * 0x2545f4914f6cdd1dULL + 5),
        control_(ClusterSettings{kClusterId, kSessionTimeoutMs, false, 10}),
        planner_(ControllerDefaults{}, [this] { return next_uuid(); }) {}
  ControllerSimResult run();

 private:
  enum class Kind {
    kTick,
    kRaftDeliver,
    kSyncDone,
    kRestart,
    kFault,
    kRpcToController,
    kRpcToSender,
    kRpcTimeout,
    kBrokerTick,
    kBrokerReturn,
    kClient,
    kFenceCheck,
  };
  struct Event {
    int64_t time;
    uint64_t seq;
    Kind kind;
    int target;
    uint64_t arg;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };

  uint64_t schedule(int64_t delay, Kind kind, int target, uint64_t arg = 0) {
    const uint64_t seq = next_seq_++;
    queue_.push(Event{now_ + delay, seq, kind, target, arg});
    return seq;
  }
  bool faults_on() const { return o_.faults && now_ < o_.duration_ms * 8 / 10; }
  void note(const std::string& line);
  Uuid next_uuid();
  int64_t delay() { return 1 + static_cast<int64_t>(rng_.uniform(max_delay_ms_)); }
  bool lost() { return faults_on() && rng_.uniform(1000) < drop_per_mille_; }

  // Controllers.
  void start_controller(int i);
  void crash_controller(int i);
  void drive(int i);
  void sync_done(int i);
  void apply_entry(int i, const raft::pb::Entry& e);
  void publish(int i, bool restored);
  void maybe_snapshot(int i);
  bool active(int i) const;
  int active_controller() const;
  void check_controller(int i);
  void on_request(int i, Rpc rpc);
  void serve(int i);
  void finish(int i, Rpc rpc);
  bool plan(ControllerNode& c, Rpc& rpc, pb::MetadataBatch* batch);
  void plant_bug(pb::MetadataBatch* batch) const;
  void complete_in_flight(int i);

  // Brokers and clients.
  void send_rpc(int sender, int controller, Request request);
  void on_reply(const Rpc& rpc);
  void broker_tick(int b);
  void broker_reply(SimBroker& b, const Rpc& rpc);
  void broker_alter_partition(int b);
  void client_act(int c);
  void client_reply(int c, const Rpc& rpc);
  void on_fault();
  void broker_return(int b);
  bool broker_cut(int b, int controller) const {
    return broker_cut_[static_cast<size_t>(b)][static_cast<size_t>(controller)];
  }

  ControllerSimOptions o_;
  Random rng_;
  Random ids_;
  ControllerSimResult result_;
  InvariantChecker checker_;
  const ClusterControl control_;
  const Controller planner_;
  int64_t now_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t next_rpc_ = 1;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::unordered_map<uint64_t, raft::pb::Message> raft_in_flight_;
  std::unordered_map<uint64_t, Rpc> rpcs_;  // id -> request or reply in flight
  std::vector<ControllerNode> ctl_;
  std::vector<SimBroker> brokers_;
  std::vector<SimClient> clients_;
  std::vector<std::vector<bool>> blocked_;     // between controllers, [from][to]
  std::vector<std::vector<bool>> broker_cut_;  // [broker][controller], both ways
  uint64_t drop_per_mille_ = 20, dup_per_mille_ = 10;
  uint64_t max_delay_ms_ = 10;
  int next_topic_ = 0;
  std::vector<std::string> topic_names_;
  std::deque<std::string> trace_;
  bool faults_stopped_ = false;
  int64_t offset_when_faults_stopped_ = -1;
  int64_t max_offset_ = -1;
  std::set<uint64_t> active_terms_;
};

void Simulation::note(const std::string& line) {
  if (!o_.trace) return;
  trace_.push_back(std::to_string(now_) + "ms " + line);
  if (trace_.size() > kTraceLines) trace_.pop_front();
}

Uuid Simulation::next_uuid() {
  Uuid u;
  for (size_t k = 0; k < u.bytes.size(); ++k) u.bytes[k] = static_cast<uint8_t>(ids_.next());
  return u;
}

// --- controllers

void Simulation::start_controller(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  c.live = std::make_unique<MemoryStorage>(c.durable);
  c.sm = std::make_unique<controller::MetadataStateMachine>();
  auto snap = c.durable.snapshot();
  c.applied = snap->metadata().index();
  c.applied_term = snap->metadata().term();
  if (c.applied > 0) {
    if (Status s = c.sm->restore(snap->data()); !s) {
      checker_.published(c.id, *c.sm->image(), true);  // keeps the order of events readable
      result_.ok = false;
      result_.failure = "controller " + std::to_string(c.id) + " cannot restore: " + s.message();
      return;
    }
  }
  raft::Config cfg;
  cfg.id = NodeId(c.id);
  cfg.election_ticks = 10;
  cfg.heartbeat_ticks = 2;
  cfg.storage = c.live.get();
  cfg.applied = c.applied;
  cfg.max_append_bytes = 2000;
  cfg.max_inflight_appends = 4;
  cfg.max_snapshot_chunk_bytes = 512;
  cfg.random_seed = o_.seed * 1000003 + static_cast<uint64_t>(c.id) * 7919 + c.incarnation;
  auto node = RawNode::create(cfg);
  if (!node.is_ok()) {
    result_.ok = false;
    result_.failure = "controller " + std::to_string(c.id) + " cannot restart";
    return;
  }
  c.raft = std::move(node).value();
  c.up = true;
  c.syncing = false;
  c.sessions_term = 0;
  c.queue.clear();
  c.in_flight.reset();
  note("start controller " + std::to_string(c.id));
  publish(i, true);
}

void Simulation::crash_controller(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  if (c.syncing && !c.pending_ready.snapshot && !c.pending_ready.entries.empty() &&
      rng_.chance(1, 2)) {
    // A torn write: a prefix of the entries reached the disk, the hard state did not.
    const size_t k = rng_.uniform(c.pending_ready.entries.size() + 1);
    std::vector<raft::pb::Entry> prefix(
        c.pending_ready.entries.begin(),
        c.pending_ready.entries.begin() + static_cast<std::ptrdiff_t>(k));
    (void)c.durable.append(prefix);
  }
  c.up = false;
  c.incarnation++;
  c.raft.reset();
  c.live.reset();
  c.syncing = false;
  c.pending_ready = Ready{};
  c.queue.clear();  // requests die with the process: their senders time out
  c.in_flight.reset();
  result_.controller_crashes++;
  note("crash controller " + std::to_string(c.id));
  schedule(50 + static_cast<int64_t>(rng_.uniform(400)), Kind::kRestart, i);
}

void Simulation::drive(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  if (!c.up || c.syncing || !c.raft->has_ready()) return;
  c.pending_ready = c.raft->ready();
  Ready& rd = c.pending_ready;
  if (rd.snapshot) (void)c.live->apply_snapshot(*rd.snapshot);
  (void)c.live->append(rd.entries);
  if (rd.hard_state) c.live->set_hard_state(*rd.hard_state);
  c.syncing = true;
  schedule(static_cast<int64_t>(rng_.uniform(3)), Kind::kSyncDone, i, c.incarnation);
}

void Simulation::sync_done(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  Ready rd = std::move(c.pending_ready);
  c.pending_ready = Ready{};
  if (rd.snapshot) (void)c.durable.apply_snapshot(*rd.snapshot);
  (void)c.durable.append(rd.entries);
  if (rd.hard_state) {
    c.durable.set_hard_state(*rd.hard_state);
    result_.committed = std::max<uint64_t>(result_.committed, rd.hard_state->commit());
  }
  for (const auto& m : rd.messages) {
    const int to = m.to() - 1;
    if (to < 0 || to >= static_cast<int>(ctl_.size()) || blocked_[i][to] || lost()) continue;
    const int copies = faults_on() && rng_.uniform(1000) < dup_per_mille_ ? 2 : 1;
    for (int k = 0; k < copies; ++k) {
      raft_in_flight_.emplace(schedule(delay(), Kind::kRaftDeliver, to), m);
    }
  }
  if (rd.snapshot) {
    if (Status s = c.sm->restore(rd.snapshot->data()); !s) {
      result_.ok = false;
      result_.failure = "controller " + std::to_string(c.id) + " snapshot: " + s.message();
      return;
    }
    c.applied = rd.snapshot->metadata().index();
    c.applied_term = rd.snapshot->metadata().term();
    result_.snapshots_installed++;
    note("controller " + std::to_string(c.id) + " installed snapshot at " +
         std::to_string(c.applied));
    publish(i, true);
  }
  for (const auto& e : rd.committed_entries) apply_entry(i, e);
  c.raft->advance();
  c.syncing = false;
  complete_in_flight(i);
  maybe_snapshot(i);
}

void Simulation::apply_entry(int i, const raft::pb::Entry& e) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  if (e.index() <= c.applied) return;
  if (c.in_flight && c.in_flight->index == e.index()) c.in_flight->applied_term = e.term();
  // As RaftNode: normal entries with data go to the state machine; the new leader's empty entry
  // and conf changes do not.
  if (e.type() == raft::pb::ENTRY_NORMAL && !e.data().empty()) {
    pb::MetadataBatch batch;
    if (batch.ParseFromString(e.data())) {
      checker_.committed_batch(c.id, static_cast<int64_t>(e.index()), batch);
    }
    const std::string refused = c.sm->apply(e);
    if (!refused.empty()) {
      // The active controller checks every batch against a copy first: a refusal is a bug.
      result_.ok = false;
      result_.failure = "t=" + std::to_string(now_) + "ms: " + refused;
      return;
    }
    publish(i, false);
  }
  c.applied = e.index();
  c.applied_term = e.term();
}

void Simulation::publish(int i, bool restored) {
  const ControllerNode& c = ctl_[static_cast<size_t>(i)];
  auto image = c.sm->image();
  checker_.published(c.id, *image, restored);
  max_offset_ = std::max(max_offset_, image->last_offset());
  result_.images = checker_.images_checked();
}

void Simulation::maybe_snapshot(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  const uint64_t snap_index = c.live->snapshot()->metadata().index();
  if (c.applied < snap_index + kSnapshotEvery) return;
  const std::string data = c.sm->snapshot();
  const raft::pb::ConfState conf = c.raft->status().conf_state;
  for (MemoryStorage* s : {c.live.get(), &c.durable}) {
    (void)s->create_snapshot(RaftIndex(c.applied), conf, data);
  }
  const uint64_t compact_to = c.applied - rng_.uniform(4);
  if (compact_to >= c.live->first_index()->value()) {
    (void)c.live->compact(RaftIndex(compact_to));
    (void)c.durable.compact(RaftIndex(compact_to));
  }
}

// RaftNode's LeaderChange::self_ready: the leader has applied an entry of its own term, so its
// image holds everything committed before it.
bool Simulation::active(int i) const {
  const ControllerNode& c = ctl_[static_cast<size_t>(i)];
  if (!c.up) return false;
  const raft::NodeStatus st = c.raft->status();
  return st.role == raft::Role::kLeader && c.applied_term == st.term.value();
}

int Simulation::active_controller() const {
  int best = -1;
  uint64_t best_term = 0;
  for (size_t i = 0; i < ctl_.size(); ++i) {
    if (!active(static_cast<int>(i))) continue;
    const uint64_t term = ctl_[i].raft->status().term.value();
    if (best < 0 || term > best_term) {
      best = static_cast<int>(i);
      best_term = term;
    }
  }
  return best;
}

void Simulation::check_controller(int i) {
  if (!active(i)) return;
  const uint64_t term = ctl_[static_cast<size_t>(i)].raft->status().term.value();
  checker_.active_controller(term, ctl_[static_cast<size_t>(i)].id);
  if (active_terms_.insert(term).second) {
    result_.active_terms = active_terms_.size();
    note("controller " + std::to_string(ctl_[static_cast<size_t>(i)].id) + " active in term " +
         std::to_string(term));
  }
}

// --- the active controller (QuorumController's commit path, one request at a time)

constexpr int kInternal = -1000000;  // the controller's own timer: no answer goes anywhere

void Simulation::on_request(int i, Rpc rpc) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  if (!c.up) return;
  if (!active(i)) {
    rpc.reply.result = ControllerResult::error(E::kNotController, "not the active controller");
    rpc.reply.leader_hint = static_cast<int32_t>(c.raft->status().leader.value()) - 1;
    finish(i, std::move(rpc));
    return;
  }
  c.queue.push_back(std::move(rpc));
  serve(i);
}

void Simulation::plant_bug(pb::MetadataBatch* batch) const {
  if (o_.bug != PlantedBug::kFenceKeepsLeaderships) return;
  const auto& rs = batch->records();
  const bool fences = std::any_of(rs.begin(), rs.end(), [](const pb::MetadataRecord& r) {
    return r.has_fence_broker() || r.has_broker_registration_change();
  });
  if (!fences) return;
  pb::MetadataBatch kept;
  for (const auto& r : rs) {
    if (!r.has_partition_change()) *kept.add_records() = r;
  }
  *batch = std::move(kept);
}

bool Simulation::plan(ControllerNode& c, Rpc& rpc, pb::MetadataBatch* batch) {
  auto image = c.sm->image();
  const uint64_t term = c.raft->status().term.value();
  if (c.sessions_term != term) {
    // A new active controller starts every registered broker's session afresh.
    c.sessions_term = term;
    c.sessions = BrokerHeartbeatManager(kSessionTimeoutMs);
    for (const auto& [id, broker] : image->brokers()) c.sessions.touch(id, now_);
  }
  Reply& reply = rpc.reply;
  if (auto* r = std::get_if<BrokerRegistrationRequest>(&rpc.request)) {
    // As QuorumController: requests are served one at a time and each waits for its entry, so
    // the next entry's index is the broker epoch.
    int64_t next_offset = static_cast<int64_t>(c.raft->status().last_index.value()) + 1;
    if (o_.bug == PlantedBug::kRegistrationEpochOffByOne) next_offset--;
    reply.registration = control_.register_broker(*image, c.sessions, *r, next_offset, now_, batch);
    reply.result = reply.registration.result;
  } else if (auto* h = std::get_if<BrokerHeartbeatRequest>(&rpc.request)) {
    reply.heartbeat = control_.heartbeat(*image, c.sessions, *h, now_, batch);
    reply.result = reply.heartbeat.result;
  } else if (auto* a = std::get_if<AlterPartitionRequest>(&rpc.request)) {
    reply.alter = control_.alter_partition(*image, *a, batch);
  } else if (auto* t = std::get_if<CreateTopic>(&rpc.request)) {
    CreateTopicSpec spec;
    spec.name = t->name;
    spec.num_partitions = t->partitions;
    spec.replication_factor = t->replication_factor;
    reply.result = planner_.create_topic(*image, spec, batch);
  } else if (auto* d = std::get_if<DeleteTopic>(&rpc.request)) {
    reply.result = planner_.delete_topic(*image, d->name, batch);
  } else if (auto* m = std::get_if<Reassign>(&rpc.request)) {
    reply.result = control_.alter_partition_reassignment(*image, m->topic, m->partition, m->target,
                                                         false, batch);
  } else {
    reply.fenced_broker = control_.fence_one_expired(*image, c.sessions, now_, batch);
  }
  if (!reply.result.ok() || batch->records_size() == 0) return false;
  plant_bug(batch);
  // QuorumController applies every batch to a copy before proposing it.
  MetadataImage check(*image);
  if (Status s = check.apply_batch(*batch); !s) {
    reply.result = ControllerResult::error(
        E::kUnknownServerError, "controller emitted records that do not apply: " + s.message());
    result_.ok = false;
    result_.failure = "t=" + std::to_string(now_) + "ms: " + reply.result.message;
    return false;
  }
  return true;
}

void Simulation::serve(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  while (c.up && !c.in_flight && !c.queue.empty() && result_.ok) {
    Rpc rpc = std::move(c.queue.front());
    c.queue.pop_front();
    if (!active(i)) {
      rpc.reply.result = ControllerResult::error(E::kNotController, "leadership moved");
      finish(i, std::move(rpc));
      continue;
    }
    pb::MetadataBatch batch;
    if (!plan(c, rpc, &batch)) {
      finish(i, std::move(rpc));
      continue;
    }
    if (!c.raft->propose(batch.SerializeAsString()).is_ok()) {
      rpc.reply.result = ControllerResult::error(E::kNotController, "proposal refused");
      finish(i, std::move(rpc));
      continue;
    }
    const raft::NodeStatus st = c.raft->status();
    c.in_flight = Pending{std::move(rpc), st.last_index.value(), st.term.value(),
                          now_ + kRequestTimeoutMs, std::nullopt};
    drive(i);
  }
}

// The proposal's answer, as RaftNode's pending requests give it: applied with our term
// (committed), applied with another term (overwritten: NOT_CONTROLLER), or not known in time.
void Simulation::complete_in_flight(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  if (!c.in_flight || !c.up) return;
  Pending& p = *c.in_flight;
  if (c.applied < p.index && now_ < p.deadline) return;
  Rpc rpc = std::move(p.rpc);
  const uint64_t index = p.index, term = p.term;
  const std::optional<uint64_t> p_applied_term = p.applied_term;
  c.in_flight.reset();
  if (c.applied < index) {
    rpc.reply.result = ControllerResult::error(E::kRequestTimedOut, "not committed in time");
  } else {
    const std::optional<uint64_t> entry_term = p_applied_term;
    if (entry_term == term) {
      rpc.reply.offset = static_cast<int64_t>(index);
      if (auto* t = std::get_if<CreateTopic>(&rpc.request)) {
        const TopicImage* topic = c.sm->image()->topic(t->name);
        if (topic != nullptr) rpc.reply.topic_id = topic->id;
      }
    } else if (entry_term) {
      rpc.reply.result = ControllerResult::error(E::kNotController, "proposal overwritten");
    } else {
      rpc.reply.result = ControllerResult::error(E::kRequestTimedOut, "outcome unknown");
    }
  }
  finish(i, std::move(rpc));
  serve(i);
}

void Simulation::finish(int i, Rpc rpc) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  if (rpc.sender == kInternal) {
    c.fence_queued = false;
    if (rpc.reply.result.ok() && rpc.reply.fenced_broker >= 0 && rpc.reply.offset >= 0) {
      result_.fences++;
      note("controller " + std::to_string(c.id) + " fenced broker " +
           std::to_string(rpc.reply.fenced_broker));
      // As QuorumController::fence_expired: one broker per batch until none has expired.
      c.fence_queued = true;
      c.queue.push_back(Rpc{0, kInternal, i, FenceExpired{}, {}});
    }
    return;
  }
  if (rpc.sender >= 0 ? broker_cut(rpc.sender, i) : false) return;
  if (lost()) return;
  const uint64_t id = rpc.id;
  rpcs_.insert_or_assign(id, std::move(rpc));
  schedule(delay(), Kind::kRpcToSender, -1, id);
}

// --- brokers and clients

void Simulation::send_rpc(int sender, int controller, Request request) {
  const uint64_t id = next_rpc_++;
  if (sender >= 0) {
    brokers_[static_cast<size_t>(sender)].outstanding = id;
  } else {
    clients_[static_cast<size_t>(-sender - 1)].outstanding = id;
  }
  schedule(kClientTimeoutMs, Kind::kRpcTimeout, sender, id);
  if ((sender >= 0 && broker_cut(sender, controller)) || lost()) return;
  rpcs_.insert_or_assign(id, Rpc{id, sender, controller, std::move(request), {}});
  schedule(delay(), Kind::kRpcToController, controller, id);
}

void Simulation::on_reply(const Rpc& rpc) {
  if (rpc.sender >= 0) {
    SimBroker& b = brokers_[static_cast<size_t>(rpc.sender)];
    if (b.outstanding != rpc.id || b.state != SimBroker::State::kUp) return;
    b.outstanding = 0;
    broker_reply(b, rpc);
  } else {
    SimClient& c = clients_[static_cast<size_t>(-rpc.sender - 1)];
    if (c.outstanding != rpc.id) return;
    c.outstanding = 0;
    client_reply(-rpc.sender - 1, rpc);
  }
}

void Simulation::broker_tick(int bi) {
  SimBroker& b = brokers_[static_cast<size_t>(bi)];
  if (b.state == SimBroker::State::kDown) return;
  schedule(kHeartbeatMs, Kind::kBrokerTick, bi, b.generation);
  if (b.state == SimBroker::State::kPaused) return;
  // It follows the metadata log from some controller it can reach (an observer).
  const int from = static_cast<int>(rng_.uniform(ctl_.size()));
  if (ctl_[static_cast<size_t>(from)].up && !broker_cut(bi, from)) {
    b.metadata_offset =
        std::max(b.metadata_offset, ctl_[static_cast<size_t>(from)].sm->image()->last_offset());
  }
  if (b.outstanding != 0) return;
  if (b.epoch < 0) {
    BrokerRegistrationRequest r;
    r.broker_id = b.id;
    r.cluster_id = kClusterId;
    r.incarnation = b.incarnation;
    r.endpoints.push_back(BrokerEndpoint{"PLAINTEXT", "broker" + std::to_string(b.id), 9092, 0});
    r.rack = "rack" + std::to_string(b.id % 2);
    send_rpc(bi, b.controller, std::move(r));
    return;
  }
  if (!b.fenced && !b.want_shut_down && rng_.chance(1, 4)) {
    broker_alter_partition(bi);
    if (b.outstanding != 0) return;
  }
  BrokerHeartbeatRequest h;
  h.broker_id = b.id;
  h.broker_epoch = b.epoch;
  h.current_metadata_offset = b.metadata_offset;
  h.want_shut_down = b.want_shut_down;
  send_rpc(bi, b.controller, h);
}

// A partition leader shrinks its ISR (a follower fell behind) or expands it (one caught up),
// from the image it follows, which may be stale: the controller's checks sort that out.
void Simulation::broker_alter_partition(int bi) {
  SimBroker& b = brokers_[static_cast<size_t>(bi)];
  const ControllerNode& from = ctl_[rng_.uniform(ctl_.size())];
  if (!from.up) return;
  auto image = from.sm->image();
  std::vector<std::pair<const TopicImage*, const PartitionState*>> led;
  for (const auto& [name, t] : image->topics()) {
    for (const auto& p : t->partitions) {
      if (p.leader == b.id) led.emplace_back(t.get(), &p);
    }
  }
  if (led.empty()) return;
  const auto [t, p] = led[rng_.uniform(led.size())];
  std::vector<int32_t> isr = p->isr;
  if (isr.size() > 1 && rng_.chance(1, 2)) {
    std::vector<int32_t> followers;
    for (int32_t r : isr) {
      if (r != b.id) followers.push_back(r);
    }
    const int32_t out = followers[rng_.uniform(followers.size())];
    isr.erase(std::find(isr.begin(), isr.end(), out));
  } else {
    std::vector<int32_t> behind;
    for (int32_t r : p->replicas) {
      if (std::find(isr.begin(), isr.end(), r) == isr.end()) behind.push_back(r);
    }
    if (behind.empty()) return;
    isr.push_back(behind[rng_.uniform(behind.size())]);
  }
  AlterPartitionRequest req;
  req.broker_id = b.id;
  req.broker_epoch = b.epoch;
  AlterPartitionRequest::Partition part;
  part.topic_id = t->id;
  part.partition = p->partition;
  part.leader_epoch = p->leader_epoch;
  part.partition_epoch = p->partition_epoch;
  for (int32_t r : isr) {
    const BrokerRegistration* reg = image->broker(r);
    part.new_isr.push_back({r, reg != nullptr ? reg->epoch : -1});
  }
  req.partitions.push_back(std::move(part));
  send_rpc(bi, b.controller, std::move(req));
}

void Simulation::broker_reply(SimBroker& b, const Rpc& rpc) {
  const ControllerResult& r = rpc.reply.result;
  if (r.code == E::kNotController || r.code == E::kRequestTimedOut) {
    b.controller = rpc.reply.leader_hint >= 0 ? rpc.reply.leader_hint
                                              : static_cast<int>(rng_.uniform(ctl_.size()));
    return;
  }
  if (std::holds_alternative<BrokerRegistrationRequest>(rpc.request)) {
    if (!r.ok()) return;
    b.epoch = rpc.reply.registration.broker_epoch;
    b.fenced = true;
    result_.registrations++;
    note("broker " + std::to_string(b.id) + " registered with epoch " + std::to_string(b.epoch));
  } else if (std::holds_alternative<BrokerHeartbeatRequest>(rpc.request)) {
    if (r.code == E::kStaleBrokerEpoch || r.code == E::kBrokerIdNotRegistered) {
      b.epoch = -1;  // registers again
      return;
    }
    if (!r.ok()) return;
    b.fenced = rpc.reply.heartbeat.is_fenced;
    if (rpc.reply.heartbeat.should_shut_down) {
      result_.shutdowns += b.want_shut_down;
      note("broker " + std::to_string(b.id) + " stops (controlled shutdown)");
      b.state = SimBroker::State::kDown;
      schedule(200 + static_cast<int64_t>(rng_.uniform(800)), Kind::kBrokerReturn,
               static_cast<int>(&b - brokers_.data()));
    }
  } else if (std::holds_alternative<AlterPartitionRequest>(rpc.request)) {
    if (rpc.reply.alter.error == E::kStaleBrokerEpoch) return;
    for (const auto& p : rpc.reply.alter.partitions) result_.isr_changes += p.error == E::kNone;
  }
}

void Simulation::client_act(int ci) {
  SimClient& c = clients_[static_cast<size_t>(ci)];
  if (c.outstanding != 0) return;
  const int sender = -ci - 1;
  const uint64_t r = rng_.uniform(100);
  if (r < 45 || topic_names_.empty()) {
    CreateTopic t;
    t.name = "t" + std::to_string(next_topic_++);
    t.partitions = 1 + static_cast<int32_t>(rng_.uniform(3));
    t.replication_factor = static_cast<int16_t>(1 + rng_.uniform(3));
    topic_names_.push_back(t.name);
    send_rpc(sender, c.controller, std::move(t));
  } else if (r < 60) {
    DeleteTopic d{topic_names_[rng_.uniform(topic_names_.size())]};
    checker_.deletion_requested(d.name);
    send_rpc(sender, c.controller, std::move(d));
  } else {
    Reassign m;
    m.topic = topic_names_[rng_.uniform(topic_names_.size())];
    m.partition = static_cast<int32_t>(rng_.uniform(3));
    if (rng_.chance(1, 5)) {
      m.target = std::nullopt;
    } else {
      // Same replica count as most topics have; a mismatch is refused, which is fine too.
      std::vector<int32_t> all;
      for (const auto& b : brokers_) all.push_back(b.id);
      for (size_t k = all.size(); k > 1; --k) std::swap(all[k - 1], all[rng_.uniform(k)]);
      all.resize(1 + rng_.uniform(3));
      m.target = all;
    }
    send_rpc(sender, c.controller, std::move(m));
  }
}

void Simulation::client_reply(int ci, const Rpc& rpc) {
  SimClient& c = clients_[static_cast<size_t>(ci)];
  const ControllerResult& r = rpc.reply.result;
  schedule(20 + static_cast<int64_t>(rng_.uniform(60)), Kind::kClient, ci);
  if (r.code == E::kNotController || r.code == E::kRequestTimedOut) {
    c.controller = rpc.reply.leader_hint >= 0 ? rpc.reply.leader_hint
                                              : static_cast<int>(rng_.uniform(ctl_.size()));
    return;
  }
  if (!r.ok()) return;
  if (auto* t = std::get_if<CreateTopic>(&rpc.request)) {
    checker_.creation_acknowledged(t->name, rpc.reply.topic_id, rpc.reply.offset);
    result_.topics_created++;
    note("created " + t->name + " at offset " + std::to_string(rpc.reply.offset));
  } else if (std::holds_alternative<DeleteTopic>(rpc.request)) {
    result_.topics_deleted++;
  } else if (std::holds_alternative<Reassign>(rpc.request)) {
    result_.reassignments++;
  }
}

void Simulation::on_fault() {
  if (!faults_on()) return;
  schedule(80 + static_cast<int64_t>(rng_.uniform(200)), Kind::kFault, -1);
  const int n = static_cast<int>(ctl_.size());
  const uint64_t r = rng_.uniform(100);
  if (r < 12) {
    const uint64_t mask = rng_.uniform(uint64_t{1} << n);
    for (int a = 0; a < n; ++a) {
      for (int b = 0; b < n; ++b) blocked_[a][b] = ((mask >> a) & 1) != ((mask >> b) & 1);
    }
    note("partition controllers, mask " + std::to_string(mask));
  } else if (r < 22) {
    const int b = static_cast<int>(rng_.uniform(brokers_.size()));
    const int k = static_cast<int>(rng_.uniform(ctl_.size()));
    broker_cut_[static_cast<size_t>(b)][static_cast<size_t>(k)] = true;
    note("cut broker " + std::to_string(b + 1) + " from controller " + std::to_string(k + 1));
  } else if (r < 40) {
    for (auto& row : blocked_) std::fill(row.begin(), row.end(), false);
    for (auto& row : broker_cut_) std::fill(row.begin(), row.end(), false);
    note("heal");
  } else if (r < 55) {
    int down = 0;
    for (const auto& c : ctl_) down += !c.up;
    const int active = active_controller();
    const int i = active >= 0 && rng_.chance(1, 2) ? active : static_cast<int>(rng_.uniform(n));
    if (ctl_[static_cast<size_t>(i)].up && down < std::max(1, (n - 1) / 2)) crash_controller(i);
  } else if (r < 85) {
    const int bi = static_cast<int>(rng_.uniform(brokers_.size()));
    SimBroker& b = brokers_[static_cast<size_t>(bi)];
    if (b.state != SimBroker::State::kUp) return;
    const uint64_t what = rng_.uniform(3);
    if (what == 0) {
      b.state = SimBroker::State::kDown;
      result_.broker_crashes++;
      note("crash broker " + std::to_string(b.id));
      schedule(100 + static_cast<int64_t>(rng_.uniform(900)), Kind::kBrokerReturn, bi);
    } else if (what == 1) {
      // Past its session timeout: the controller fences it; it goes on as it was afterwards.
      b.state = SimBroker::State::kPaused;
      result_.broker_pauses++;
      note("pause broker " + std::to_string(b.id));
      schedule(kSessionTimeoutMs + 50 + static_cast<int64_t>(rng_.uniform(500)),
               Kind::kBrokerReturn, bi);
    } else if (b.epoch >= 0) {
      b.want_shut_down = true;
      note("broker " + std::to_string(b.id) + " asks for controlled shutdown");
    }
  } else {
    drop_per_mille_ = rng_.uniform(80);
    dup_per_mille_ = rng_.uniform(40);
    max_delay_ms_ = 1 + rng_.uniform(20);
  }
}

void Simulation::broker_return(int bi) {
  SimBroker& b = brokers_[static_cast<size_t>(bi)];
  b.outstanding = 0;
  if (b.state == SimBroker::State::kPaused) {
    b.state = SimBroker::State::kUp;
    note("resume broker " + std::to_string(b.id));
    return;
  }
  // A new process: a new incarnation that registers again and follows the log from scratch.
  b.state = SimBroker::State::kUp;
  b.incarnation = next_uuid();
  b.epoch = -1;
  b.fenced = true;
  b.want_shut_down = false;
  b.metadata_offset = -1;
  b.generation++;
  note("start broker " + std::to_string(b.id));
  schedule(static_cast<int64_t>(rng_.uniform(kHeartbeatMs)), Kind::kBrokerTick, bi, b.generation);
}

ControllerSimResult Simulation::run() {
  const int n = o_.controllers;
  raft::pb::ConfState initial;
  for (int i = 1; i <= n; ++i) initial.add_voters(i);
  ctl_.resize(static_cast<size_t>(n));
  blocked_.assign(static_cast<size_t>(n), std::vector<bool>(static_cast<size_t>(n), false));
  for (int i = 0; i < n; ++i) {
    ctl_[static_cast<size_t>(i)].id = i + 1;
    ctl_[static_cast<size_t>(i)].durable = MemoryStorage(initial);
    start_controller(i);
    schedule(static_cast<int64_t>(rng_.uniform(kTickMs)), Kind::kTick, i);
  }
  brokers_.resize(static_cast<size_t>(o_.brokers));
  broker_cut_.assign(brokers_.size(), std::vector<bool>(static_cast<size_t>(n), false));
  for (int b = 0; b < o_.brokers; ++b) {
    brokers_[static_cast<size_t>(b)].id = b + 1;
    brokers_[static_cast<size_t>(b)].state = SimBroker::State::kDown;
    schedule(static_cast<int64_t>(rng_.uniform(200)), Kind::kBrokerReturn, b);
  }
  clients_.resize(static_cast<size_t>(o_.clients));
  for (int c = 0; c < o_.clients; ++c) schedule(300 + c, Kind::kClient, c);
  schedule(300, Kind::kFault, -1);
  schedule(kFenceCheckMs, Kind::kFenceCheck, -1);

  while (!queue_.empty() && result_.ok) {
    const Event ev = queue_.top();
    queue_.pop();
    if (ev.time > o_.duration_ms) break;
    now_ = ev.time;
    result_.events++;
    switch (ev.kind) {
      case Kind::kTick:
        if (ctl_[static_cast<size_t>(ev.target)].up) {
          ctl_[static_cast<size_t>(ev.target)].raft->tick();
          complete_in_flight(ev.target);
        }
        schedule(kTickMs, Kind::kTick, ev.target);
        break;
      case Kind::kRaftDeliver: {
        auto it = raft_in_flight_.find(ev.seq);
        raft::pb::Message m = std::move(it->second);
        raft_in_flight_.erase(it);
        ControllerNode& c = ctl_[static_cast<size_t>(ev.target)];
        if (c.up && !blocked_[static_cast<size_t>(m.from() - 1)][static_cast<size_t>(ev.target)]) {
          (void)c.raft->step(m);
        }
        break;
      }
      case Kind::kSyncDone:
        if (ctl_[static_cast<size_t>(ev.target)].up &&
            ev.arg == ctl_[static_cast<size_t>(ev.target)].incarnation) {
          sync_done(ev.target);
        }
        break;
      case Kind::kRestart:
        start_controller(ev.target);
        break;
      case Kind::kFault:
        on_fault();
        break;
      case Kind::kRpcToController: {
        auto it = rpcs_.find(ev.arg);
        Rpc rpc = std::move(it->second);
        rpcs_.erase(it);
        on_request(ev.target, std::move(rpc));
        break;
      }
      case Kind::kRpcToSender: {
        auto it = rpcs_.find(ev.arg);
        const Rpc rpc = std::move(it->second);
        rpcs_.erase(it);
        on_reply(rpc);
        break;
      }
      case Kind::kRpcTimeout:
        if (ev.target >= 0) {
          SimBroker& b = brokers_[static_cast<size_t>(ev.target)];
          if (b.outstanding == ev.arg) {
            b.outstanding = 0;
            b.controller = static_cast<int>(rng_.uniform(ctl_.size()));
          }
        } else {
          SimClient& c = clients_[static_cast<size_t>(-ev.target - 1)];
          if (c.outstanding == ev.arg) {
            c.outstanding = 0;
            c.controller = static_cast<int>(rng_.uniform(ctl_.size()));
            schedule(static_cast<int64_t>(rng_.uniform(50)), Kind::kClient, -ev.target - 1);
          }
        }
        break;
      case Kind::kBrokerTick:
        if (ev.arg == brokers_[static_cast<size_t>(ev.target)].generation) broker_tick(ev.target);
        break;
      case Kind::kBrokerReturn:
        broker_return(ev.target);
        break;
      case Kind::kClient:
        client_act(ev.target);
        break;
      case Kind::kFenceCheck:
        schedule(kFenceCheckMs, Kind::kFenceCheck, -1);
        for (int i = 0; i < n; ++i) {
          ControllerNode& c = ctl_[static_cast<size_t>(i)];
          if (!active(i) || c.fence_queued) continue;
          c.fence_queued = true;
          on_request(i, Rpc{0, kInternal, i, FenceExpired{}, {}});
        }
        break;
    }
    if (!faults_on() && !faults_stopped_) {
      faults_stopped_ = true;
      offset_when_faults_stopped_ = max_offset_;
      for (auto& row : blocked_) std::fill(row.begin(), row.end(), false);
      for (auto& row : broker_cut_) std::fill(row.begin(), row.end(), false);
    }
    for (int i = 0; i < n; ++i) {
      check_controller(i);
      drive(i);
    }
    if (!checker_.ok() && result_.ok) {
      result_.ok = false;
      result_.failure = "t=" + std::to_string(now_) + "ms: " + checker_.failure();
    }
  }
  result_.ended_with_active = active_controller() >= 0;
  result_.progressed_after_faults = max_offset_ > offset_when_faults_stopped_;
  if (o_.trace) {
    for (const auto& line : trace_) result_.trace += line + "\n";
  }
  return result_;
}

}  // namespace

ControllerSimResult run_controller_simulation(const ControllerSimOptions& options) {
  return Simulation(options).run();
}

}  // namespace eddy::metadata::sim
