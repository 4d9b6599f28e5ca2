#include "broker/replication_throttles.h"

#include <spdlog/spdlog.h>

#include "metadata/replication_throttle_config.h"

namespace eddy::broker {
namespace {

ReplicationQuota::Options quota_options(const BrokerConfig& config) {
  ReplicationQuota::Options o;
  o.samples = static_cast<int>(config.get_long("replication.quota.window.num"));
  o.window_ms = config.get_long("replication.quota.window.size.seconds") * 1000;
  return o;
}

// The rate this node runs with: its own value, the cluster default or the config file (each
// validated by the key's ConfigDef when set), else unlimited (the key's default).
int64_t resolve_rate(std::string_view key, const metadata::BrokerValueLookup& broker) {
  if (auto v = broker(key); v && v->value) {
    if (auto n = metadata::parse_config_long(*v->value)) return *n;
  }
  return ReplicationQuota::kUnlimited;
}

// The topic's list for `key` as the partitions this node throttles (an empty set: none).
std::optional<std::set<int32_t>> throttled_here(const metadata::TopicImage& topic,
                                                std::string_view key, int32_t node_id) {
  auto it = topic.configs.find(std::string(key));
  if (it == topic.configs.end()) return std::set<int32_t>{};
  auto list = metadata::parse_throttled_replicas(it->second);
  if (!list.is_ok()) return std::set<int32_t>{};  // validated when set; never stored bad
  return metadata::throttled_partitions(*list, node_id);
}

}  // namespace

ReplicationThrottles::ReplicationThrottles(const BrokerConfig& config, int32_t node_id,
                                           const Clock* clock)
    : node_id_(node_id),
      leader_(quota_options(config), clock),
      follower_(quota_options(config), clock) {
  metrics_ = metrics::registry().add_collector([this](metrics::Writer& w) {
    // Kafka's kafka.server:type={Leader,Follower}Replication,name=byte-rate.
    w.family("kafka_server_leaderreplication_byte_rate",
             "Bytes per second this broker sent to throttled followers as leader (Kafka's "
             "LeaderReplication byte-rate), measured over the replication quota's windows",
             metrics::Type::kGauge, {});
    w.sample({}, leader_.measured_rate());
    w.family("kafka_server_followerreplication_byte_rate",
             "Bytes per second this broker fetched for throttled replicas as follower (Kafka's "
             "FollowerReplication byte-rate)",
             metrics::Type::kGauge, {});
    w.sample({}, follower_.measured_rate());
    w.family("eddy_replication_throttled_total",
             "Times a throttled partition's bytes were held back because its replication quota "
             "was exceeded: on a leader's read for a follower's fetch (quota=leader; a parked "
             "fetch reads again each time it is woken) or left out of a follower's fetch "
             "(quota=follower)",
             metrics::Type::kCounter, {"quota"});
    w.sample({"leader"}, static_cast<double>(leader_.throttled_count()));
    w.sample({"follower"}, static_cast<double>(follower_.throttled_count()));
  });
}

void ReplicationThrottles::apply_rates(const metadata::BrokerValueLookup& broker) {
  for (auto [quota, key] : {std::pair{&leader_, metadata::kLeaderThrottledRate},
                            std::pair{&follower_, metadata::kFollowerThrottledRate}}) {
    const int64_t rate = resolve_rate(key, broker);
    if (rate != quota->rate()) {
      spdlog::info("{}: {}", key,
                   rate == ReplicationQuota::kUnlimited ? "unlimited" : std::to_string(rate));
      quota->set_rate(rate);
    }
  }
}

void ReplicationThrottles::apply_topics(const metadata::MetadataImage& before,
                                        const metadata::MetadataImage& after) {
  for (const auto& [name, old] : before.topics()) {
    if (after.topic(name) == nullptr) {
      leader_.remove_throttle(name);
      follower_.remove_throttle(name);
    }
  }
  for (const auto& [name, topic] : after.topics()) {
    // An unchanged topic shares its image with the previous one: no map to compare.
    const metadata::TopicImage* old = before.topic(name);
    if (old == topic.get() || (old != nullptr && old->configs == topic->configs)) continue;
    leader_.mark_throttled(name,
                           throttled_here(*topic, metadata::kLeaderThrottledReplicas, node_id_));
    follower_.mark_throttled(
        name, throttled_here(*topic, metadata::kFollowerThrottledReplicas, node_id_));
  }
}

}  // namespace eddy::broker
