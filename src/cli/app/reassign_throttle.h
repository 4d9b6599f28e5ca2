#pragma once
// The replication throttle of a reassignment, as kafka-reassign-partitions sets and clears it
// (`eddyctl partition reassign --throttle`, and its --verify once every move is done):
//  - every broker taking part (a partition's current replicas and its targets) gets
//    leader.replication.throttled.rate and follower.replication.throttled.rate = the throttle;
//  - each moved topic gets leader.replication.throttled.replicas = partition:current-replica
//    pairs (the replicas that may lead the copy) and follower.replication.throttled.replicas =
//    partition:new-replica pairs (the replicas catching up);
//  - clearing deletes the rates on every broker of the cluster and the lists of the plan's
//    topics.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "client/admin_client.h"
#include "common/status.h"

namespace eddy::cli {

// One partition of a reassignment plan (Kafka's JSON plan).
struct PlanEntry {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;
};

// What --throttle sets, for a plan and the partitions' current replicas: broker ids and each
// topic's two lists (Kafka's calculateLeaderThrottles / calculateFollowerThrottles).
struct ReassignmentThrottle {
  std::set<int32_t> brokers;
  std::map<std::string, std::string> leader_replicas;    // topic -> "p:b,..."
  std::map<std::string, std::string> follower_replicas;  // topic -> "p:b,..."
};
ReassignmentThrottle reassignment_throttle(
    const std::vector<PlanEntry>& plan,
    const std::map<std::pair<std::string, int32_t>, std::vector<int32_t>>& current);

// Sets the rates (bytes/s) on the throttle's brokers and the lists on its topics.
Status set_reassignment_throttle(client::AdminClient& admin, const ReassignmentThrottle& t,
                                 int64_t bytes_per_sec);
// Deletes the rates on every broker of the cluster and the lists of `topics`.
Status clear_reassignment_throttle(client::AdminClient& admin, const std::set<std::string>& topics);

}  // namespace eddy::cli
