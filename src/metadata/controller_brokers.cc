// ClusterControl's broker decisions: registration, heartbeats, session expiry, controlled
// shutdown, unregistration and producer id blocks.
#include <algorithm>

#include "metadata/cluster_control.h"

namespace eddy::metadata {
namespace {

using E = protocol::ErrorCode;

void add_fence(const BrokerRegistration& b, bool fenced, pb::MetadataBatch* out) {
  if (fenced) {
    auto* r = out->add_records()->mutable_fence_broker();
    r->set_broker_id(b.id);
    r->set_broker_epoch(b.epoch);
  } else {
    auto* r = out->add_records()->mutable_unfence_broker();
    r->set_broker_id(b.id);
    r->set_broker_epoch(b.epoch);
  }
}

bool in_any_isr(const MetadataImage& image, int32_t broker) {
  for (const auto& [name, t] : image.topics()) {
    for (const auto& p : t->partitions) {
      if (std::find(p.isr.begin(), p.isr.end(), broker) != p.isr.end()) return true;
    }
  }
  return false;
}

}  // namespace

bool BrokerHeartbeatManager::has_valid_session(int32_t broker, int64_t now_ms) const {
  auto it = last_contact_ms_.find(broker);
  return it != last_contact_ms_.end() && now_ms - it->second < timeout_ms_;
}

bool BrokerHeartbeatManager::start_term(uint64_t term, const MetadataImage& image, int64_t now_ms) {
  if (term == term_) return false;
  term_ = term;
  last_contact_ms_.clear();
  for (const auto& [id, broker] : image.brokers()) touch(id, now_ms);
  return true;
}

std::vector<int32_t> BrokerHeartbeatManager::expired(int64_t now_ms) const {
  std::vector<std::pair<int64_t, int32_t>> lapsed;
  for (const auto& [broker, last] : last_contact_ms_) {
    if (now_ms - last >= timeout_ms_) lapsed.emplace_back(last, broker);
  }
  std::sort(lapsed.begin(), lapsed.end());
  std::vector<int32_t> out;
  for (const auto& [last, broker] : lapsed) out.push_back(broker);
  return out;
}

bool leads_any(const MetadataImage& image, int32_t broker) {
  for (const auto& [name, t] : image.topics()) {
    for (const auto& p : t->partitions) {
      if (p.leader == broker) return true;
    }
  }
  return false;
}

void ClusterControl::fence(const MetadataImage& image, const BrokerRegistration& broker,
                           pb::MetadataBatch* out) const {
  leave_isrs(image, broker.id, out);
  add_fence(broker, true, out);
}

BrokerRegistrationReply ClusterControl::register_broker(const MetadataImage& image,
                                                        BrokerHeartbeatManager& sessions,
                                                        const BrokerRegistrationRequest& request,
                                                        int64_t next_offset, int64_t now_ms,
                                                        pb::MetadataBatch* out) const {
  BrokerRegistrationReply reply;
  if (request.cluster_id != settings_.cluster_id) {
    reply.result = ControllerResult::error(E::kInconsistentClusterId,
                                           "Expected cluster ID " + settings_.cluster_id +
                                               ", but got cluster ID " + request.cluster_id + ".");
    return reply;
  }
  if (request.broker_id < 0) {
    reply.result = ControllerResult::error(E::kInvalidRequest, "Invalid broker id.");
    return reply;
  }
  const BrokerRegistration* existing = image.broker(request.broker_id);
  // As Kafka's: a fenced registration holds no session (it is not live), so another
  // incarnation may take the id at once.
  if (existing != nullptr && existing->incarnation != request.incarnation && !existing->fenced &&
      sessions.has_valid_session(request.broker_id, now_ms)) {
    reply.result = ControllerResult::error(E::kDuplicateBrokerRegistration,
                                           "Another broker is registered with that broker id: " +
                                               std::to_string(request.broker_id) + ".");
    return reply;
  }
  // A registration that still leads or sits in ISRs belongs to a process that is gone (it
  // restarted): its replicas must catch up again before they count.
  if (existing != nullptr && (leads_any(image, existing->id) || in_any_isr(image, existing->id))) {
    leave_isrs(image, existing->id, out);
  }
  BrokerRegistration reg;
  reg.id = request.broker_id;
  reg.incarnation = request.incarnation;
  reg.endpoints = request.endpoints;
  reg.rack = request.rack;
  reg.epoch = next_offset;
  reg.fenced = true;
  to_record(reg, out->add_records()->mutable_register_broker());
  sessions.touch(reg.id, now_ms);
  reply.broker_epoch = reg.epoch;
  return reply;
}

BrokerHeartbeatReply ClusterControl::heartbeat(const MetadataImage& image,
                                               BrokerHeartbeatManager& sessions,
                                               const BrokerHeartbeatRequest& request,
                                               int64_t now_ms, pb::MetadataBatch* out) const {
  BrokerHeartbeatReply reply;
  const BrokerRegistration* b = image.broker(request.broker_id);
  if (b == nullptr) {
    reply.result = ControllerResult::error(
        E::kBrokerIdNotRegistered,
        "Broker " + std::to_string(request.broker_id) + " is not registered.");
    return reply;
  }
  if (b->epoch != request.broker_epoch) {
    reply.result = ControllerResult::error(
        E::kStaleBrokerEpoch, "Expected broker epoch " + std::to_string(b->epoch) + ", but got " +
                                  std::to_string(request.broker_epoch) + ".");
    return reply;
  }
  sessions.touch(b->id, now_ms);
  // Caught up: it has applied at least its own registration.
  reply.is_caught_up = request.current_metadata_offset >= b->epoch;
  reply.is_fenced = b->fenced;
  if (b->fenced) {
    if (request.want_shut_down) {
      reply.should_shut_down = true;
    } else if (!request.want_fence && reply.is_caught_up) {
      add_fence(*b, false, out);
      elect_leaderless(image, b->id, out);
      reply.is_fenced = false;
    }
    return reply;
  }
  if (b->in_controlled_shutdown) {
    if (!leads_any(image, b->id)) {
      fence(image, *b, out);
      reply.is_fenced = true;
      reply.should_shut_down = true;
    }
    return reply;
  }
  if (request.want_fence) {
    fence(image, *b, out);
    reply.is_fenced = true;
    reply.should_shut_down = request.want_shut_down;
    return reply;
  }
  if (request.want_shut_down) {
    if (leads_any(image, b->id)) {
      auto* change = out->add_records()->mutable_broker_registration_change();
      change->set_broker_id(b->id);
      change->set_broker_epoch(b->epoch);
      change->set_in_controlled_shutdown(true);
      leave_isrs(image, b->id, out);
    } else {
      fence(image, *b, out);
      reply.is_fenced = true;
      reply.should_shut_down = true;
    }
  }
  return reply;
}

int32_t ClusterControl::fence_one_expired(const MetadataImage& image,
                                          BrokerHeartbeatManager& sessions, int64_t now_ms,
                                          pb::MetadataBatch* out) const {
  for (int32_t id : sessions.expired(now_ms)) {
    sessions.remove(id);
    const BrokerRegistration* b = image.broker(id);
    if (b == nullptr || b->fenced) continue;  // nothing to do: it leads and holds nothing
    fence(image, *b, out);
    return id;
  }
  return -1;
}

ControllerResult ClusterControl::unregister_broker(const MetadataImage& image,
                                                   BrokerHeartbeatManager& sessions,
                                                   int32_t broker_id,
                                                   pb::MetadataBatch* out) const {
  const BrokerRegistration* b = image.broker(broker_id);
  if (b == nullptr) {
    return ControllerResult::error(E::kBrokerIdNotRegistered,
                                   "Broker ID " + std::to_string(broker_id) + " not registered");
  }
  leave_isrs(image, broker_id, out);
  auto* r = out->add_records()->mutable_unregister_broker();
  r->set_broker_id(broker_id);
  r->set_broker_epoch(b->epoch);
  sessions.remove(broker_id);
  return {};
}

ControllerResult ClusterControl::allocate_producer_ids(const MetadataImage& image,
                                                       int32_t broker_id, int64_t broker_epoch,
                                                       int64_t* first_id,
                                                       pb::MetadataBatch* out) const {
  const BrokerRegistration* b = image.broker(broker_id);
  if (b == nullptr || b->epoch != broker_epoch) {
    return ControllerResult::error(E::kStaleBrokerEpoch,
                                   "Stale broker epoch " + std::to_string(broker_epoch) +
                                       " for broker " + std::to_string(broker_id));
  }
  int64_t first = image.next_producer_id();
  if (first > INT64_MAX - kProducerIdBlockSize) {
    return ControllerResult::error(E::kUnknownServerError, "Exhausted all producerIds.");
  }
  auto* r = out->add_records()->mutable_producer_ids();
  r->set_broker_id(broker_id);
  r->set_broker_epoch(broker_epoch);
  r->set_next_producer_id(first + kProducerIdBlockSize);
  *first_id = first;
  return {};
}

}  // namespace eddy::metadata
