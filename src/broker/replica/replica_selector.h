#pragma once
// Follower fetching for consumers (KIP-392): which replica a consumer should read a partition
// from, decided by the leader when the consumer's Fetch (v11+) names its rack (client.rack).
// Pure functions of values, as Kafka's ReplicaSelector plugins are; the replica manager gathers
// the values (replication state, ISR, brokers' racks) and answers PreferredReadReplica.
//
// replica.selector.class chooses the policy, under Kafka's class names:
// - unset (the default): no selector; consumers read from the leader, as before KIP-392;
// - org.apache.kafka.common.replica.LeaderSelector: always the leader (the same answers);
// - org.apache.kafka.common.replica.RackAwareReplicaSelector: the leader when the client names
//   no rack, when no candidate is in its rack, or when the leader is; otherwise the most
//   caught-up candidate of the client's rack (Kafka's ReplicaView.comparator: the largest log
//   end offset, then the most recently caught up, then the largest broker id).
//
// The candidates are Kafka's (ReplicaManager.findPreferredReadReplica): the leader, and each
// follower in the ISR whose log holds the fetch offset (log start <= fetch offset <= log end),
// whose broker clients can reach (registered, unfenced, with an endpoint). A follower out of the
// ISR may lag for ever, so it is never offered. Only a follower is ever answered: choosing the
// leader means "keep reading here", and the leader serves the records itself.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace eddy::broker {

inline constexpr std::string_view kLeaderSelectorClass =
    "org.apache.kafka.common.replica.LeaderSelector";
inline constexpr std::string_view kRackAwareReplicaSelectorClass =
    "org.apache.kafka.common.replica.RackAwareReplicaSelector";

enum class ReplicaSelector : uint8_t { kNone, kLeader, kRackAware };

// replica.selector.class: empty is kNone; another class name is INVALID_ARGUMENT (eddyd has no
// plugins to load).
Result<ReplicaSelector> parse_replica_selector_class(std::string_view class_name);

// What the consumer's Fetch says of it (Kafka's ClientMetadata, less what the built-in selectors
// never read: the client id and address, the principal and the listener name).
struct ClientMetadata {
  std::string rack_id;  // FetchRequest RackId (client.rack); empty: none
};

// A replica as the selector sees it (Kafka's ReplicaView).
struct ReplicaView {
  int32_t broker_id = -1;
  std::optional<std::string> rack;  // its broker.rack; nullopt when unset
  int64_t log_end_offset = -1;
  int64_t time_since_last_caught_up_ms = 0;  // 0 for the leader
};

// Kafka's ReplicaSelector.select: the replica the client should read from, among `leader` and
// `followers` (the candidates, leader excluded); nullopt from kNone.
std::optional<ReplicaView> select_replica(ReplicaSelector selector, const ClientMetadata& client,
                                          const ReplicaView& leader,
                                          const std::vector<ReplicaView>& followers);

// A follower as the leader's replication state knows it.
struct RemoteReplica {
  int32_t broker_id = -1;
  bool in_isr = false;
  int64_t log_end_offset = -1;    // the offset it last fetched at; -1 unknown
  int64_t log_start_offset = -1;  // as its last fetch reported it; -1 unknown
  int64_t last_caught_up_ms = 0;
};

// A replica's broker as clients reach it: nullopt when it is not registered, fenced, or has no
// endpoint; else its broker.rack (nullopt when unset).
using ReplicaRackLookup =
    std::function<std::optional<std::optional<std::string>>(int32_t broker_id)>;

// Kafka's ReplicaManager.findPreferredReadReplica on the leader: the follower a consumer
// fetching at `fetch_offset` should read from, or -1 to keep reading from the leader.
int32_t preferred_read_replica(ReplicaSelector selector, const ClientMetadata& client,
                               int32_t leader_id, int64_t leader_log_end_offset,
                               const std::vector<RemoteReplica>& followers, int64_t fetch_offset,
                               int64_t now_ms, const ReplicaRackLookup& rack_of);

}  // namespace eddy::broker
