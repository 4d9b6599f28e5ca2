#include "cli/app/reassign_throttle.h"

#include <algorithm>

#include "cli/app/alter_configs.h"

namespace eddy::cli {
namespace {

using Change = ConfigChange;

constexpr const char* kRateKeys[] = {"leader.replication.throttled.rate",
                                     "follower.replication.throttled.rate"};
constexpr const char* kLeaderList = "leader.replication.throttled.replicas";
constexpr const char* kFollowerList = "follower.replication.throttled.replicas";

Status alter_topic(client::AdminClient& admin, const std::string& topic,
                   std::vector<Change> changes) {
  return alter_resource_configs(admin.bootstrap(), kTopicResource, topic, std::move(changes),
                                /*validate_only=*/false, topic);
}

// A broker resource's change goes to that broker, as Kafka's admin client sends it.
Status alter_broker(client::AdminClient& admin, int32_t id, std::vector<Change> changes) {
  auto conn = admin.broker(id);
  if (!conn.is_ok()) return conn.status();
  return alter_resource_configs(**conn, kBrokerResource, std::to_string(id), std::move(changes),
                                /*validate_only=*/false, "broker " + std::to_string(id));
}

void append_pair(std::string* list, int32_t partition, int32_t broker) {
  if (!list->empty()) *list += ",";
  *list += std::to_string(partition) + ":" + std::to_string(broker);
}

}  // namespace

ReassignmentThrottle reassignment_throttle(
    const std::vector<PlanEntry>& plan,
    const std::map<std::pair<std::string, int32_t>, std::vector<int32_t>>& current) {
  ReassignmentThrottle t;
  for (const PlanEntry& e : plan) {
    auto it = current.find({e.topic, e.partition});
    const std::vector<int32_t> sources = it != current.end() ? it->second : std::vector<int32_t>{};
    std::vector<int32_t> destinations;
    for (int32_t b : e.replicas) {
      if (std::find(sources.begin(), sources.end(), b) == sources.end()) destinations.push_back(b);
    }
    // A partition that does not move is not throttled (Kafka's move map skips it).
    if (destinations.empty()) continue;
    std::vector<int32_t> sorted_sources = sources;
    std::sort(sorted_sources.begin(), sorted_sources.end());
    std::sort(destinations.begin(), destinations.end());
    for (int32_t b : sorted_sources) {
      append_pair(&t.leader_replicas[e.topic], e.partition, b);
      t.brokers.insert(b);
    }
    for (int32_t b : destinations) {
      append_pair(&t.follower_replicas[e.topic], e.partition, b);
      t.brokers.insert(b);
    }
  }
  return t;
}

Status set_reassignment_throttle(client::AdminClient& admin, const ReassignmentThrottle& t,
                                 int64_t bytes_per_sec) {
  // The brokers' connections come from the last metadata response.
  auto md = admin.metadata(std::vector<std::string>{});
  if (!md.is_ok()) return md.status();
  for (int32_t b : t.brokers) {
    std::vector<Change> changes;
    for (const char* key : kRateKeys) {
      changes.push_back({key, kOpSet, std::to_string(bytes_per_sec), {}});
    }
    EDDY_RETURN_IF_ERROR(alter_broker(admin, b, std::move(changes)));
  }
  // Every topic with either list (a partition new to the cluster has no leader side).
  std::set<std::string> topics;
  for (const auto& [topic, list] : t.leader_replicas) topics.insert(topic);
  for (const auto& [topic, list] : t.follower_replicas) topics.insert(topic);
  for (const std::string& topic : topics) {
    std::vector<Change> changes;
    for (const auto& [key, lists] : {std::pair{kLeaderList, &t.leader_replicas},
                                     std::pair{kFollowerList, &t.follower_replicas}}) {
      if (auto it = lists->find(topic); it != lists->end()) {
        changes.push_back({key, kOpSet, it->second, {}});
      }
    }
    EDDY_RETURN_IF_ERROR(alter_topic(admin, topic, std::move(changes)));
  }
  return Status::ok();
}

Status clear_reassignment_throttle(client::AdminClient& admin,
                                   const std::set<std::string>& topics) {
  auto md = admin.metadata(std::vector<std::string>{});
  if (!md.is_ok()) return md.status();
  for (const auto& b : md->brokers) {
    std::vector<Change> changes;
    for (const char* key : kRateKeys) changes.push_back({key, kOpDelete, std::nullopt, {}});
    EDDY_RETURN_IF_ERROR(alter_broker(admin, b.node_id, std::move(changes)));
  }
  for (const std::string& topic : topics) {
    EDDY_RETURN_IF_ERROR(alter_topic(admin, topic,
                                     {{kLeaderList, kOpDelete, std::nullopt, {}},
                                      {kFollowerList, kOpDelete, std::nullopt, {}}}));
  }
  return Status::ok();
}

}  // namespace eddy::cli
