#pragma once
// GroupService: the group coordinator wired into a broker. It owns the GroupCoordinator and its
// ReplicaCoordinatorLog, creates the __consumer_offsets topic on first use (compacted,
// offsets.topic.num.partitions partitions), and runs one background thread that every tick_ms
//   - follows leadership: a __consumer_offsets partition this node leads (per the ReplicaManager)
//     is loaded, one it no longer leads (or leads under a new leader epoch) is unloaded, so a
//     group's coordinator is always its partition's leader and moves with it;
//   - ticks the coordinator (session and rebalance timeouts, offset retention).
//
// Broker wiring: construct after the ReplicaManager, start() once the broker serves, stop()
// before the ReplicaManager shuts down; handlers reach it through the BrokerContext.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "broker/config/broker_config.h"
#include "broker/group/group_coordinator.h"
#include "broker/group/replica_coordinator_log.h"
#include "metadata/metadata_service.h"

namespace eddy::group {

struct GroupServiceOptions {
  GroupConfig config;
  int16_t offsets_replication_factor = 1;  // offsets.topic.replication.factor
  int32_t offsets_commit_timeout_ms = 5'000;
  int64_t tick_ms = 100;
  broker::ReplicaManager* replicas = nullptr;  // not owned; outlives the service
  const metadata::MetadataService* metadata = nullptr;
  const metadata::Controller* controller = nullptr;  // plans the topic's creation
  int32_t node_id = -1;
  // Creates a topic unless it exists, wherever the active controller is
  // (BrokerContext::create_topic).
  std::function<void(metadata::CreateTopicSpec, std::function<void(metadata::ControllerResult)>)>
      create_topic;
  const Clock* clock = &SystemClock::instance();
};

// The group.* and offsets.* settings (and node.id) of a broker's configuration; the caller fills
// in replicas, metadata, controller and commit.
GroupServiceOptions group_service_options(const broker::BrokerConfig& config);

class GroupService {
 public:
  explicit GroupService(GroupServiceOptions options);
  ~GroupService();  // stop()
  GroupService(const GroupService&) = delete;
  GroupService& operator=(const GroupService&) = delete;

  void start();
  // Stops the background thread and unloads every partition (waiting requests are answered
  // NOT_COORDINATOR). Idempotent.
  void stop();

  GroupCoordinator& coordinator() { return coordinator_; }

  // The node that coordinates `group_id` now: the leader of its __consumer_offsets partition.
  // Creates the topic when it does not exist yet; COORDINATOR_NOT_AVAILABLE until it has a
  // leader and, when that leader is this broker, until its coordinator has loaded the partition.
  struct Coordinator {
    ErrorCode error = err::kNone;
    int32_t node_id = -1;
  };
  Coordinator find_coordinator(std::string_view group_id);

  // One round of leadership following and ticking, as the background thread runs it (tests).
  void run_once();

 private:
  void ensure_offsets_topic();
  void follow_leadership();
  // Returns freed heap pages to the system once the groups' metadata fell well below its peak.
  void release_memory();
  static constexpr size_t kReleaseBytes = 8 << 20;
  // Logs JoinGroups refused over the metadata limits, at most once a kRefusalLogIntervalMs: a
  // flood must not flood the log too.
  void log_refused_joins();
  static constexpr int64_t kRefusalLogIntervalMs = 60'000;

  GroupServiceOptions options_;
  ReplicaCoordinatorLog log_;
  GroupCoordinator coordinator_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool topic_requested_ = false;
  std::map<int32_t, int32_t> loaded_epochs_;  // partition -> leader epoch it was loaded under
  // run_once's thread only: the coordinator's next deadline (monotonic ms).
  int64_t next_deadline_ms_ = 0;
  // run_once's thread only: the groups' largest metadata since the last trim, when refusals were
  // last logged, and the refusals not logged yet.
  size_t metadata_peak_bytes_ = 0;
  int64_t refusals_logged_ms_ = -1;
  GroupCoordinator::RefusedJoins refusals_;
  std::thread thread_;
};

}  // namespace eddy::group
