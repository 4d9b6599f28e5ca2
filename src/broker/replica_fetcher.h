#pragma once
// ReplicaFetcherManager: the follower side of replication (Kafka's ReplicaFetcherManager and
// ReplicaFetcherThread). For each partition this node follows, a fetcher thread of the leader
// broker copies the leader's log with Kafka's Fetch (v12+: ReplicaId/ReplicaState,
// LastFetchedEpoch), `num.replica.fetchers` threads per source broker, partitions spread over
// them by hash. Each round trip:
//  - asks every partition of the thread from its log end, with the epoch of its last batch;
//  - DivergingEpoch (KIP-279): truncates where truncation_offset() says and fetches again (a
//    follower that does not know the leader's epoch walks back one epoch per round trip);
//  - OFFSET_OUT_OF_RANGE below the leader's log start: restarts the log empty there; above the
//    leader's end: truncates to the leader's high watermark and fetches again;
//  - appends the records (offsets and epochs kept, producer state recorded), fsyncs them under
//    log.flush.policy=sync before the next fetch, so the fetch offset the leader counts toward
//    the high watermark is durable here; then HW = min(leader HW, own LEO), and the log start
//    follows the leader's;
//  - on NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH or a broken
//    connection, backs off replica.fetch.backoff.ms until the metadata moves the partition;
//  - leaves out a partition under the follower replication throttle while it is behind the
//    leader's high watermark and the quota is exceeded (Kafka's shouldFollowerThrottle); a round
//    with every partition left out waits replica.fetch.backoff.ms.
// The leader parks a fetch that finds nothing new for replica.fetch.wait.max.ms and wakes it on
// its next append.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker/replica/replica_manager.h"
#include "broker/replica/replication_quota.h"
#include "client/connection.h"
#include "metadata/metadata_service.h"

namespace eddy::broker {

struct ReplicaFetcherOptions {
  int32_t node_id = -1;
  metadata::MetadataService* metadata = nullptr;
  ReplicaManager* replicas = nullptr;
  int num_fetchers = 1;                   // num.replica.fetchers
  int32_t fetch_max_bytes = 1 << 20;      // replica.fetch.max.bytes
  int32_t response_max_bytes = 10 << 20;  // replica.fetch.response.max.bytes
  int32_t min_bytes = 1;                  // replica.fetch.min.bytes
  int32_t wait_max_ms = 500;              // replica.fetch.wait.max.ms
  int32_t backoff_ms = 1000;              // replica.fetch.backoff.ms
  int32_t socket_timeout_ms = 30'000;     // replica.socket.timeout.ms
  // The follower side of the replication throttle (follower.replication.throttled.*): a
  // throttled partition that is behind the leader is left out of a fetch while the quota is
  // exceeded, and the bytes fetched for throttled partitions are recorded. Null: no throttle.
  ReplicationQuota* quota = nullptr;
};

class ReplicaFetcherManager {
 public:
  explicit ReplicaFetcherManager(ReplicaFetcherOptions options);
  ~ReplicaFetcherManager();  // shutdown()
  ReplicaFetcherManager(const ReplicaFetcherManager&) = delete;
  ReplicaFetcherManager& operator=(const ReplicaFetcherManager&) = delete;

  // Follows `tp` from `leader` at `leader_epoch` (moving it from another fetcher when the leader
  // changed).
  void add_partition(const TopicPartition& tp, int32_t leader, int32_t leader_epoch);
  // Stops following `tp` (this node leads it now, or no longer hosts it).
  void remove_partition(const TopicPartition& tp);
  // Stops every fetcher thread.
  void shutdown();

 private:
  class Fetcher;
  ReplicaFetcherOptions options_;
  std::mutex mu_;
  bool stopped_ = false;                                                  // guarded by mu_
  std::map<std::pair<int32_t, int>, std::unique_ptr<Fetcher>> fetchers_;  // (leader, index)
  std::map<TopicPartition, std::pair<int32_t, int>> assigned_;            // guarded by mu_
};

}  // namespace eddy::broker
