#pragma once
// The config keys of Kafka's replication throttle (KIP-73), with their one validator:
//  - broker keys leader.replication.throttled.rate and follower.replication.throttled.rate
//    (bytes per second, dynamic per broker or as a cluster default, Kafka's DynamicConfig.Broker);
//  - topic keys leader.replication.throttled.replicas and
//    follower.replication.throttled.replicas: which replicas of the topic the rates apply to,
//    "partition:broker,..." or "*" (every replica), as kafka-reassign-partitions --throttle sets
//    them. A broker throttles partition p of a topic when the list names p:<its own id>.

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "metadata/config_def.h"

namespace eddy::metadata {

inline constexpr std::string_view kLeaderThrottledRate = "leader.replication.throttled.rate";
inline constexpr std::string_view kFollowerThrottledRate = "follower.replication.throttled.rate";
inline constexpr std::string_view kLeaderThrottledReplicas =
    "leader.replication.throttled.replicas";
inline constexpr std::string_view kFollowerThrottledReplicas =
    "follower.replication.throttled.replicas";

// The two dynamic broker rate keys.
// They are part of the one table of dynamic broker-only keys (dynamic_broker_config.h).
const std::vector<ConfigDef>& replication_throttle_rate_defs();

// The topic keys' definitions (type LIST, default ""), validated by check_throttled_replicas.
ConfigDef throttled_replicas_def(std::string_view name, std::string_view doc);

// Kafka's ThrottledReplicaListValidator: "" or "*" or a comma list of partition:broker pairs
// (blanks around items allowed); the message names the key.
Status check_throttled_replicas(const ConfigDef& def, std::string_view value);

// A parsed list. all: "*".
struct ThrottledReplicas {
  bool all = false;
  std::vector<std::pair<int32_t, int32_t>> replicas;  // (partition, broker)
};
Result<ThrottledReplicas> parse_throttled_replicas(std::string_view value);

// The partitions of the topic a broker throttles (Kafka's parseThrottledPartitions): nullopt
// means every partition ("*"); an empty set none.
std::optional<std::set<int32_t>> throttled_partitions(const ThrottledReplicas& list,
                                                      int32_t broker);

}  // namespace eddy::metadata
