#include "controller_sim_internal.h"

namespace eddy::metadata::sim::internal {

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
  cfg.applied = c.applied;
  cfg.max_append_bytes = 2000;
  cfg.max_inflight_appends = 4;
  cfg.max_snapshot_chunk_bytes = 512;
  cfg.random_seed = o_.seed * 1000003 + static_cast<uint64_t>(c.id) * 7919 + c.incarnation;
  if (Status s = c.start(cfg); !s) {
    result_.ok = false;
    result_.failure = "controller " + std::to_string(c.id) + " cannot restart: " + s.message();
    return;
  }
  c.up = true;
  c.sessions = BrokerHeartbeatManager(kSessionTimeoutMs);
  c.queue.clear();
  c.in_flight.reset();
  note("start controller " + std::to_string(c.id));
  publish(i, true);
}

void Simulation::crash_controller(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  c.crash(rng_);
  c.up = false;
  c.queue.clear();  // requests die with the process: their senders time out
  c.in_flight.reset();
  result_.controller_crashes++;
  note("crash controller " + std::to_string(c.id));
  schedule(50 + static_cast<int64_t>(rng_.uniform(400)), Kind::kRestart, i);
}

void Simulation::drive(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  Status append;
  if (!c.up || !c.write_ready(append)) return;
  schedule(static_cast<int64_t>(rng_.uniform(3)), Kind::kSyncDone, i, c.incarnation);
}

void Simulation::sync_done(int i) {
  ControllerNode& c = ctl_[static_cast<size_t>(i)];
  const Ready rd = c.sync();
  if (rd.hard_state) {
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
  c.advance();
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
      if (o_.trace && static_cast<int64_t>(e.index()) > max_offset_) {
        note("offset " + std::to_string(e.index()) + ": " + batch.ShortDebugString());
      }
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
  const uint64_t compact_to = c.applied - rng_.uniform(4);
  (void)c.snapshot(c.applied, c.raft->status().conf_state, c.sm->snapshot(), compact_to);
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
  // As QuorumController::refresh_sessions.
  c.sessions.start_term(term, *image, now_);
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
  } else if (auto* g = std::get_if<CreatePartitions>(&rpc.request)) {
    reply.result = planner_.create_partitions(*image, g->topic, g->count, {}, batch);
  } else if (auto* l = std::get_if<ElectLeaders>(&rpc.request)) {
    // Per-partition answers (ELECTION_NOT_NEEDED, ...) are the client's business; what is
    // checked here is what the elections leave in the image.
    (void)control_.elect_leaders(*image, l->election, {}, batch);
  } else if (auto* u = std::get_if<UnregisterBroker>(&rpc.request)) {
    reply.result = control_.unregister_broker(*image, c.sessions, u->broker, batch);
  } else {
    reply.fenced_broker = control_.fence_one_expired(*image, c.sessions, now_, batch);
  }
  if (!reply.result.ok() || batch->records_size() == 0) return false;
  // New partitions placed on a fenced broker too (Kafka's placer): born with a shorter ISR.
  for (const auto& record : batch->records()) {
    if (record.has_partition() &&
        record.partition().isr_size() < record.partition().replicas_size()) {
      result_.born_under_replicated++;
    }
  }
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
  const auto* elect = std::get_if<ElectLeaders>(&rpc.request);
  checker_.planned(*image, *batch, std::holds_alternative<AlterPartitionRequest>(rpc.request),
                   control_.settings().unclean_leader_election_enable ||
                       (elect != nullptr && elect->election == Election::kUnclean));
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

  while (!events_.empty() && result_.ok) {
    const Event ev = events_.pop();
    if (ev.time > o_.duration_ms) break;
    now_ = ev.time;
    result_.events++;
    switch (ev.kind) {
      case Kind::kTick:
        if (ctl_[static_cast<size_t>(ev.node)].up) {
          ctl_[static_cast<size_t>(ev.node)].raft->tick();
          complete_in_flight(ev.node);
        }
        schedule(kTickMs, Kind::kTick, ev.node);
        break;
      case Kind::kRaftDeliver: {
        auto it = raft_in_flight_.find(ev.seq);
        raft::pb::Message m = std::move(it->second);
        raft_in_flight_.erase(it);
        ControllerNode& c = ctl_[static_cast<size_t>(ev.node)];
        if (c.up && !blocked_[static_cast<size_t>(m.from() - 1)][static_cast<size_t>(ev.node)]) {
          (void)c.raft->step(m);
        }
        break;
      }
      case Kind::kSyncDone:
        if (ctl_[static_cast<size_t>(ev.node)].up &&
            ev.arg == ctl_[static_cast<size_t>(ev.node)].incarnation) {
          sync_done(ev.node);
        }
        break;
      case Kind::kRestart:
        start_controller(ev.node);
        break;
      case Kind::kFault:
        on_fault();
        break;
      case Kind::kRpcToController: {
        auto it = rpcs_.find(ev.arg);
        Rpc rpc = std::move(it->second);
        rpcs_.erase(it);
        on_request(ev.node, std::move(rpc));
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
        if (ev.node >= 0) {
          SimBroker& b = brokers_[static_cast<size_t>(ev.node)];
          if (b.outstanding == ev.arg) {
            b.outstanding = 0;
            b.controller = static_cast<int>(rng_.uniform(ctl_.size()));
          }
        } else {
          SimClient& c = clients_[static_cast<size_t>(-ev.node - 1)];
          if (c.outstanding == ev.arg) {
            c.outstanding = 0;
            c.controller = static_cast<int>(rng_.uniform(ctl_.size()));
            schedule(static_cast<int64_t>(rng_.uniform(50)), Kind::kClient, -ev.node - 1);
          }
        }
        break;
      case Kind::kBrokerTick:
        if (ev.arg == brokers_[static_cast<size_t>(ev.node)].generation) broker_tick(ev.node);
        break;
      case Kind::kBrokerReturn:
        broker_return(ev.node);
        break;
      case Kind::kClient:
        client_act(ev.node);
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

}  // namespace eddy::metadata::sim::internal

namespace eddy::metadata::sim {

ControllerSimResult run_controller_simulation(const ControllerSimOptions& options) {
  return internal::Simulation(options).run();
}

}  // namespace eddy::metadata::sim
