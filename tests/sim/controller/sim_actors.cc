#include "controller_sim_internal.h"

namespace eddy::metadata::sim::internal {

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
    t.name = std::to_string(next_topic_++);
    t.name.insert(0, 1, 't');
    t.partitions = 1 + static_cast<int32_t>(rng_.uniform(3));
    t.replication_factor = static_cast<int16_t>(1 + rng_.uniform(3));
    topic_names_.push_back(t.name);
    send_rpc(sender, c.controller, std::move(t));
  } else if (r < 60) {
    DeleteTopic d{topic_names_[rng_.uniform(topic_names_.size())]};
    checker_.deletion_requested(d.name);
    send_rpc(sender, c.controller, std::move(d));
  } else if (r < 70) {
    CreatePartitions g;
    g.topic = topic_names_[rng_.uniform(topic_names_.size())];
    g.count = 2 + static_cast<int32_t>(rng_.uniform(3));
    send_rpc(sender, c.controller, std::move(g));
  } else if (r < 78) {
    // Unclean elections only where they are enabled: elsewhere they would only be refused.
    send_rpc(sender, c.controller,
             ElectLeaders{o_.seed % 4 == 3 && rng_.chance(1, 2) ? Election::kUnclean
                                                                : Election::kPreferred});
  } else if (r < 80) {
    send_rpc(sender, c.controller,
             UnregisterBroker{static_cast<int32_t>(1 + rng_.uniform(brokers_.size()))});
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
  } else if (rpc.reply.offset >= 0) {
    result_.other_admin++;
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

}  // namespace eddy::metadata::sim::internal
