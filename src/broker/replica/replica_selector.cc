#include "broker/replica/replica_selector.h"

#include <algorithm>
#include <tuple>

namespace eddy::broker {

Result<ReplicaSelector> parse_replica_selector_class(std::string_view class_name) {
  if (class_name.empty()) return ReplicaSelector::kNone;
  if (class_name == kLeaderSelectorClass) return ReplicaSelector::kLeader;
  if (class_name == kRackAwareReplicaSelectorClass) return ReplicaSelector::kRackAware;
  return invalid_argument("replica.selector.class: " + std::string(class_name) +
                          " is not a selector eddyd has (" + std::string(kLeaderSelectorClass) +
                          ", " + std::string(kRackAwareReplicaSelectorClass) + ")");
}

namespace {

// Kafka's ReplicaView.comparator(): "most caught up" is greatest.
auto caught_up_key(const ReplicaView& r) {
  return std::make_tuple(r.log_end_offset, -r.time_since_last_caught_up_ms, r.broker_id);
}

}  // namespace

std::optional<ReplicaView> select_replica(ReplicaSelector selector, const ClientMetadata& client,
                                          const ReplicaView& leader,
                                          const std::vector<ReplicaView>& followers) {
  switch (selector) {
    case ReplicaSelector::kNone:
      return std::nullopt;
    case ReplicaSelector::kLeader:
      return leader;
    case ReplicaSelector::kRackAware:
      break;
  }
  if (client.rack_id.empty() || leader.rack == client.rack_id) return leader;
  const ReplicaView* best = nullptr;
  for (const ReplicaView& f : followers) {
    if (f.rack != client.rack_id) continue;
    if (best == nullptr || caught_up_key(f) > caught_up_key(*best)) best = &f;
  }
  return best != nullptr ? *best : leader;
}

int32_t preferred_read_replica(ReplicaSelector selector, const ClientMetadata& client,
                               int32_t leader_id, int64_t leader_log_end_offset,
                               const std::vector<RemoteReplica>& followers, int64_t fetch_offset,
                               int64_t now_ms, const ReplicaRackLookup& rack_of) {
  if (selector == ReplicaSelector::kNone) return -1;
  std::vector<ReplicaView> candidates;
  for (const RemoteReplica& f : followers) {
    if (!f.in_isr || f.log_end_offset < fetch_offset || f.log_start_offset > fetch_offset) {
      continue;
    }
    std::optional<std::optional<std::string>> rack = rack_of(f.broker_id);
    if (!rack) continue;  // clients cannot reach it
    candidates.push_back(ReplicaView{f.broker_id, std::move(*rack), f.log_end_offset,
                                     std::max<int64_t>(0, now_ms - f.last_caught_up_ms)});
  }
  ReplicaView leader{leader_id, std::nullopt, leader_log_end_offset, 0};
  if (std::optional<std::optional<std::string>> rack = rack_of(leader_id)) {
    leader.rack = std::move(*rack);
  }
  std::optional<ReplicaView> chosen = select_replica(selector, client, leader, candidates);
  if (!chosen || chosen->broker_id == leader_id) return -1;
  return chosen->broker_id;
}

}  // namespace eddy::broker
