#pragma once
// ReplicaManager: the broker's partitions and the data path over them (Kafka's ReplicaManager).
// The Kafka handlers for Produce, Fetch, ListOffsets, DeleteRecords, OffsetForLeaderEpoch and
// InitProducerId call it with decoded requests; the metadata layer tells it the role of each
// partition this node hosts (apply_assignment: leader or follower, keyed on the leader epoch;
// remove_partition) as the metadata image changes.
//
// Produce: acks=0 and acks=1 complete when the append returns; acks=-1 (all) waits in the
// purgatory until the high watermark covers the appended batches (durable under the flush policy
// and fetched by every ISR member) or the request timeout (REQUEST_TIMED_OUT).
//
// Fetch: answers at once when min_bytes are available below the high watermark, max_wait_ms is 0,
// an error occurred or a partition names a preferred read replica; otherwise waits in the
// purgatory and is woken by high-watermark advances of its partitions. Records are file slices
// for sendfile. A consumer with client metadata (Fetch v11+, KIP-392) reads a follower's replica
// too, up to that follower's high watermark; on the leader, replica.selector.class may send it to
// a follower instead (PreferredReadReplica).
//
// DeleteRecords: the leader moves its log start at once, then the request waits in the purgatory
// until the low watermark (the minimum log start over the leader and every replica whose broker
// is alive, which followers report in their fetches) reaches the requested offset, or the
// request timeout (REQUEST_TIMED_OUT), as Kafka's DelayedDeleteRecords.
//
// Callbacks run exactly once, on an arbitrary thread; receivers post to their own executor.
// Thread-safe.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker/replica/delayed_operation.h"
#include "broker/replica/fetch_session_cache.h"
#include "broker/replica/high_watermark_checkpoint.h"
#include "broker/replica/partition.h"
#include "broker/replica/replica_types.h"
#include "broker/replica/replication_quota.h"
#include "common/clock.h"
#include "log/log_manager.h"

namespace eddy::broker {

struct ReplicaManagerOptions {
  NodeId node_id{0};
  log::LogManager* logs = nullptr;  // not owned; outlives the manager
  Clock* clock = &SystemClock::instance();
  // Bound on produce and fetch requests waiting at once; past it, fetches answer at once and
  // acks=all produces answer REQUEST_TIMED_OUT.
  size_t max_delayed_operations = 100'000;
  // How much of the log's tail is replayed at load to rebuild idempotent-producer state when the
  // partition has no usable producer-state snapshot (with one, the replay starts at its offset).
  uint64_t producer_state_scan_bytes = 64ULL << 20;
  FetchSessionOptions fetch_sessions;  // max.incremental.fetch.session.cache.slots, ...
  // Proposes an ISR change of a partition this node leads to the controller (AlterPartition);
  // the answer goes back through Partition::alter_partition_answered. Null: ISRs never change
  // here (a single node).
  std::function<void(const TopicPartition& tp, int32_t leader_epoch, int32_t partition_epoch,
                     std::vector<int32_t> isr)>
      propose_isr;
  // Whether the metadata knows the partition (hosted elsewhere: NOT_LEADER_OR_FOLLOWER rather
  // than UNKNOWN_TOPIC_OR_PARTITION). Null: unknown.
  std::function<bool(const TopicPartition& tp)> partition_exists;
  // Whether a broker is alive (registered and unfenced): only live replicas hold the low
  // watermark back (DeleteRecords). Null: every replica counts.
  std::function<bool(int32_t broker)> broker_alive;
  int64_t replica_lag_time_max_ms = 30'000;  // replica.lag.time.max.ms
  // replica.selector.class, and each replica's broker as clients reach it (KIP-392, follower
  // fetching: replica_selector.h). Null lookup: no broker is reachable, no preferred replica.
  ReplicaSelector replica_selector = ReplicaSelector::kNone;
  ReplicaRackLookup replica_rack;
  // How often the high watermarks are checkpointed (replica.high.watermark.checkpoint.interval.ms;
  // high_watermark_checkpoint.h); also at shutdown(). 0: only at shutdown().
  int64_t high_watermark_checkpoint_interval_ms = 5'000;
  // The leader side of the replication throttle (leader.replication.throttled.*): a follower out
  // of the ISR fetching a throttled partition gets no records while the quota is exceeded (its
  // fetch waits as one with nothing new), and the bytes sent for throttled partitions are
  // recorded. Null: no throttle. Outlives the manager.
  ReplicationQuota* leader_quota = nullptr;
};

// Why this node's replica of a partition is offline (docs/broker.md, "Offline replicas"). The one
// answer Metadata (offline_replicas and the partition error), CreateTopics and `eddyctl cluster
// health` give.
struct OfflineReplica {
  enum class Cause {
    // The log could not be opened (out of file descriptors, a storage error): nothing of the
    // partition is served here; Metadata, Produce and Fetch answer KAFKA_STORAGE_ERROR.
    kLogUnavailable,
    // The log has damaged offsets (docs/storage.md, "Damage and quarantine"): they are never
    // served (CORRUPT_MESSAGE) nor reused; the rest of the partition is served.
    kDamagedOffsets,
  };
  Cause cause = Cause::kLogUnavailable;
  std::string reason;  // for operators: the open error, or the damaged ranges
};

class ReplicaManager {
 public:
  explicit ReplicaManager(ReplicaManagerOptions options);
  ~ReplicaManager();
  ReplicaManager(const ReplicaManager&) = delete;
  ReplicaManager& operator=(const ReplicaManager&) = delete;

  // Starts the purgatory reaper thread (timeouts of delayed produce and fetch requests) and the
  // high-watermark checkpoint thread.
  void start();
  // Stops both; every waiting request is answered (timed out); then writes the producer-state
  // snapshots and the high-watermark checkpoints (clean shutdown). Idempotent.
  void shutdown();
  // Writes the high watermark of every partition hosted here to its log dir's checkpoint, for the
  // dirs whose entries changed since the last write (what the checkpoint thread runs). The first
  // error is returned; the other dirs are written all the same.
  Status checkpoint_high_watermarks();

  // Leads `tp` at `epoch` from now on (creating its log when missing). Idempotent for the same
  // epoch; a new epoch re-runs the leader transition. When the log cannot be opened (out of file
  // descriptors, a storage error) the partition is offline here until a later become_leader
  // succeeds: Metadata and CreateTopics report it, Produce and Fetch answer KAFKA_STORAGE_ERROR.
  Status become_leader(const TopicPartition& tp, LeaderEpoch epoch, std::vector<NodeId> isr,
                       const PartitionSettings& settings);
  // The role the metadata gives this node for `tp`: leader when a.leader is this node, else
  // follower (the replica fetcher copies from a.leader). A new leader epoch re-runs the
  // transition; the same epoch with a newer partition epoch updates replicas and ISR. Returns
  // the partition (nullptr with the error when its log cannot be opened: offline).
  Result<std::shared_ptr<Partition>> apply_assignment(const TopicPartition& tp,
                                                      const ReplicaAssignment& a,
                                                      const PartitionSettings& settings);
  // One pass of the ISR shrink check over the partitions led here (replica.lag.time.max.ms).
  void maybe_shrink_isrs();
  // Every partition whose replica on this node is offline, and why: those it should lead but
  // could not open, and those whose log has damaged offsets.
  std::map<TopicPartition, OfflineReplica> offline_partitions() const;
  void update_settings(const TopicPartition& tp, const PartitionSettings& settings);
  // Forgets the partition and, with delete_log, removes its log (DeleteTopics).
  Status remove_partition(const TopicPartition& tp, bool delete_log);
  std::shared_ptr<Partition> get_partition(const TopicPartition& tp) const;
  // The partition when this broker leads it (at `epoch`, when the client sent one to check);
  // otherwise nullptr, with *error the Kafka error that tells the client what to refresh.
  std::shared_ptr<Partition> leader_partition(const TopicPartition& tp,
                                              std::optional<LeaderEpoch> epoch,
                                              int16_t* error) const;
  std::vector<TopicPartition> partitions() const;

  // Produce. acks must be 0, 1 or -1 (the handler answers INVALID_REQUIRED_ACKS otherwise).
  // A client's append to an internal topic is INVALID_TOPIC_EXCEPTION for that partition.
  void append_records(std::vector<ProducePartitionInput> inputs, int16_t acks, int32_t timeout_ms,
                      ProduceCallback callback, AppendOrigin origin = AppendOrigin::kClient);

  // Fetch. A replica_id >= 0 must be a follower of the partition (ISR member or assigned
  // replica); the handler has already rejected one that is not a known broker. A consumer
  // without client metadata reads from the leader only (NOT_LEADER_OR_FOLLOWER elsewhere).
  void fetch(const FetchParams& params, std::vector<FetchPartitionInput> inputs,
             FetchCallback callback);

  // ListOffsets for one partition: timestamp -2 earliest, -1 latest (HW, or LSO for
  // read_committed, equal without transactions), -3 the batch with the largest timestamp, else
  // the first offset whose timestamp >= it.
  ListOffsetResult list_offset(const TopicPartition& tp, int64_t timestamp,
                               IsolationLevel isolation, LeaderEpoch current_leader_epoch) const;
  // DeleteRecords: moves the log start of each partition led here to its offset (-1 means the
  // high watermark; above the HW is OFFSET_OUT_OF_RANGE; an internal topic is
  // INVALID_TOPIC_EXCEPTION: its records are the broker's state, as in Kafka), then answers once
  // the low watermark has reached it, with the low watermark, or at `timeout_ms` with
  // REQUEST_TIMED_OUT (Kafka's DelayedDeleteRecords).
  void delete_records(std::vector<DeleteRecordsInput> inputs, int32_t timeout_ms,
                      DeleteRecordsCallback callback);
  // A broker was fenced or unfenced: tries the waiting DeleteRecords, whose low watermark counts
  // only live replicas.
  void broker_liveness_changed();
  OffsetForLeaderEpochResult offset_for_leader_epoch(const TopicPartition& tp,
                                                     LeaderEpoch current_leader_epoch,
                                                     LeaderEpoch leader_epoch) const;

  Purgatory& purgatory() { return purgatory_; }
  FetchSessionCache& fetch_sessions() const { return fetch_sessions_; }
  const ReplicaManagerOptions& options() const { return options_; }

 private:
  // One partition of a fetch: its records up to max_bytes, or the error leader_partition() gives.
  FetchPartitionResult read_partition(const FetchParams& params, const FetchPartitionInput& in,
                                      uint64_t max_bytes) const;
  // A consumer's partition: the leader's, or with client metadata any replica hosted here (at
  // `epoch` when the client fences); otherwise nullptr with *error.
  std::shared_ptr<Partition> consumer_partition(const FetchParams& params, const TopicPartition& tp,
                                                LeaderEpoch epoch, int16_t* error) const;
  // The follower the leader `p` sends a consumer fetching at `offset` to; -1: none.
  int32_t preferred_read_replica(const Partition& p, const ClientMetadata& client,
                                 Offset offset) const;
  friend class DelayedFetch;
  // The error for a partition this node has no Partition of: offline, hosted elsewhere or
  // unknown.
  int16_t missing_partition_error(const TopicPartition& tp) const;
  // The partition, created (log opened, producer state rebuilt) when missing; offline on error.
  Result<std::shared_ptr<Partition>> get_or_create_partition(const TopicPartition& tp,
                                                             const PartitionSettings& settings);
  // A follower's validated fetch moved its state: an ISR expansion goes to the controller.
  void record_follower_fetch(const FetchParams& params, const FetchPartitionInput& in);
  void propose(const Partition& p, std::vector<int32_t> isr);
  // DeleteRecords on the leader's own log: the result, and the offset the low watermark must
  // reach (*required) when it succeeded.
  DeleteRecordsResult delete_records_on_leader(const TopicPartition& tp, int64_t offset,
                                               std::shared_ptr<Partition>* partition,
                                               Offset* required);
  void checkpoint_loop();
  // Records the topic id in the partition's directory, or checks the one recorded there.
  static Status record_topic_id(const TopicPartition& tp, const log::PartitionLog& log,
                                const Uuid& topic_id);

  // The log dir holding a partition's log (its directory's parent).
  static std::string log_dir_of(const TopicPartition& tp, const log::PartitionLog& log);

  ReplicaManagerOptions options_;
  Purgatory purgatory_;
  mutable FetchSessionCache fetch_sessions_;
  mutable std::shared_mutex mu_;
  std::map<TopicPartition, std::shared_ptr<Partition>> partitions_;
  std::map<TopicPartition, std::string> offline_;  // guarded by mu_; see become_leader

  // High-watermark checkpoints, per log dir: what start-up read and no partition has taken yet
  // (kept in the next writes while the log is still there, so a partition not opened yet loses
  // nothing), and what was last written (an unchanged dir is not written again).
  std::mutex checkpoint_mu_;
  std::map<std::string, HighWatermarks> restored_hws_;  // guarded by checkpoint_mu_
  std::map<std::string, HighWatermarks> written_hws_;   // guarded by checkpoint_mu_
  std::mutex checkpoint_thread_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_stop_ = false;  // guarded by checkpoint_thread_mu_
  std::thread checkpoint_thread_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace eddy::broker
