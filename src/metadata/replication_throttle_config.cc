#include "metadata/replication_throttle_config.h"

#include <charconv>
#include <string>

namespace eddy::metadata {
namespace {

constexpr std::string_view kLongMaxText = "9223372036854775807";

std::vector<ConfigDef> make_rate_defs() {
  using T = ConfigType;
  return {
      {kLeaderThrottledRate, T::kLong, kLongMaxText,
       "Bytes per second this broker, as leader, sends to followers of the replicas listed in "
       "leader.replication.throttled.replicas that are not in the ISR (Kafka's replication "
       "quota over replication.quota.window.num windows of replication.quota.window.size.seconds).",
       0},
      {kFollowerThrottledRate, T::kLong, kLongMaxText,
       "Bytes per second this broker, as follower, fetches for the replicas listed in "
       "follower.replication.throttled.replicas while they are behind the leader.",
       0},
  };
}

// A partition or broker id: decimal digits that fit an int32.
std::optional<int32_t> parse_id(std::string_view s) {
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

const std::vector<ConfigDef>& replication_throttle_rate_defs() {
  static const std::vector<ConfigDef> defs = make_rate_defs();
  return defs;
}

ConfigDef throttled_replicas_def(std::string_view name, std::string_view doc) {
  ConfigDef d{name, ConfigType::kList, "", doc};
  d.check = &check_throttled_replicas;
  return d;
}

Result<ThrottledReplicas> parse_throttled_replicas(std::string_view value) {
  ThrottledReplicas out;
  // Kafka accepts blank items ("0:1,,1:2"); they name nothing.
  std::vector<std::string> items = split_config_list(value);
  std::erase_if(items, [](const std::string& item) { return item.empty(); });
  if (items.size() == 1 && items[0] == "*") {
    out.all = true;
    return out;
  }
  for (const std::string& item : items) {
    const size_t colon = item.find(':');
    std::optional<int32_t> partition, broker;
    if (colon != std::string::npos) {
      partition = parse_id(std::string_view(item).substr(0, colon));
      broker = parse_id(std::string_view(item).substr(colon + 1));
    }
    if (!partition || !broker) {
      return invalid_argument("'" + item + "' is not a partitionId:brokerId pair");
    }
    out.replicas.emplace_back(*partition, *broker);
  }
  return out;
}

Status check_throttled_replicas(const ConfigDef& def, std::string_view value) {
  if (parse_throttled_replicas(value).is_ok()) return Status::ok();
  // Kafka's message (ThrottledReplicaListValidator).
  return invalid_argument("invalid value '" + std::string(value) + "' for config key '" +
                          std::string(def.name) + "': " + std::string(def.name) +
                          " must be the literal '*' or a list of replicas in the following "
                          "format: [partitionId]:[brokerId],[partitionId]:[brokerId],...");
}

std::optional<std::set<int32_t>> throttled_partitions(const ThrottledReplicas& list,
                                                      int32_t broker) {
  if (list.all) return std::nullopt;
  std::set<int32_t> out;
  for (const auto& [partition, b] : list.replicas) {
    if (b == broker) out.insert(partition);
  }
  return out;
}

}  // namespace eddy::metadata
