#pragma once
// Partition: the broker's replica of one topic partition, in one of two roles the metadata gives
// it (keyed on the leader epoch): the leader, which appends clients' records and keeps the
// replicas' replication state, or a follower, which appends what its replica fetcher copies from
// the leader. The log owns the bytes, the log start offset and the log end offset (LEO); the
// partition owns the high watermark and the role.
//
// High watermark. On the leader, ReplicationState computes it: the minimum, over the maximal ISR,
// of the offset each replica has made safe: for the leader itself, its durable LEO under
// flush.policy=sync (the offset after the last batch an fsync covered; the log's durability
// callbacks move it) or its LEO under flush.policy=interval; for a follower, the offset it last
// fetched at (a follower fetching at offset N holds everything below N, and under sync has
// fsynced it before asking). It does not move while the ISR is below min.insync.replicas. On a
// follower it is min(leader's HW, own LEO). Consumers never read at or above the HW, so they never
// see data a crash could take back.
//
// Waiters. Produce requests with acks=all wait for HW >= their last offset + 1; fetches wait for
// new data; DeleteRecords waits for the low watermark (the minimum log start over the leader and
// the live followers, ReplicationState) to reach its offset. All register here (weak references:
// the purgatory owns them); produce waiters are tried when the HW moves, fetch waiters also on
// every leader append (a parked follower fetch must see the new records at once, or acks=all would
// cost replica.fetch.wait.max.ms); DeleteRecords waiters are tried when a follower reports a new
// log start, when the replicas change, and when a broker's liveness changes
// (try_delete_records_waiters()).
//
// Threads: appends (leader or follower) and truncation serialise on append_mu_ (the producer
// state and the log move together); everything else is safe from any thread. Lock order:
// append_mu_, then mu_; callbacks of waiters run with no lock held.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "broker/replica/delayed_operation.h"
#include "broker/replica/producer_state.h"
#include "broker/replica/replica_selector.h"
#include "broker/replica/replica_types.h"
#include "broker/replica/replication_state.h"
#include "common/clock.h"
#include "log/partition_log.h"

namespace eddy::broker {

// What append_as_leader() did.
struct LeaderAppendInfo {
  int16_t error = 0;
  std::string error_message;
  Offset base_offset{-1};
  Offset last_offset{-1};
  int64_t log_append_time_ms = -1;
  bool duplicate = false;  // an idempotent retry: nothing appended, offsets are the original ones
  std::vector<records::RecordError> record_errors;  // the records that refused the batch
};

class Partition : public std::enable_shared_from_this<Partition> {
 public:
  Partition(TopicPartition tp, std::shared_ptr<log::PartitionLog> log, NodeId local_node);

  const TopicPartition& tp() const { return tp_; }
  const std::shared_ptr<log::PartitionLog>& log() const { return log_; }

  // Starts the HW from a checkpointed one (high_watermark_checkpoint.h), clamped to the log, before
  // the partition takes a role; a HW that is higher already stays.
  void restore_high_watermark(Offset checkpointed);
  // Makes this node the leader of the assignment (whose ISR must hold the local node) at its
  // leader epoch, which starts at the current LEO. Everything already in the log is made durable
  // first. The HW carries over (from the previous role, or restore_high_watermark() at start-up);
  // a sole replica's moves to the LEO at once, with followers it moves once they fetch.
  Status become_leader(const ReplicaAssignment& assignment, PartitionSettings settings,
                       int64_t now_ms);
  // The single-replica form: this node alone leads at `epoch` (replicas = ISR = `isr`).
  Status become_leader(LeaderEpoch epoch, std::vector<NodeId> isr, PartitionSettings settings);
  // Follows `assignment.leader`: waiters are answered NOT_LEADER_OR_FOLLOWER; the replica
  // fetcher appends from now on.
  void become_follower(const ReplicaAssignment& assignment, PartitionSettings settings);
  // Replicas or ISR changed within the leader epoch (a committed AlterPartition, a
  // reassignment).
  void update_assignment(const ReplicaAssignment& assignment);
  void update_settings(const PartitionSettings& settings);
  // Stops leading: pending produce and fetch waiters are tried at once and answer
  // NOT_LEADER_OR_FOLLOWER.
  void stop_leading();
  ReplicaAssignment assignment() const;

  bool is_leader() const { return is_leader_.load(); }
  // The log failed to make data durable; appends answer KAFKA_STORAGE_ERROR.
  bool has_failed() const { return failed_.load(); }
  LeaderEpoch leader_epoch() const { return LeaderEpoch(leader_epoch_.load()); }
  Offset high_watermark() const { return Offset(high_watermark_.load()); }
  Offset log_end_offset() const { return log_->log_end_offset(); }
  Offset log_start_offset() const { return log_->log_start_offset(); }
  PartitionSettings settings() const;
  std::vector<NodeId> isr() const;

  // Checks a client's current_leader_epoch against ours: FENCED_LEADER_EPOCH when older,
  // UNKNOWN_LEADER_EPOCH when newer, 0 when equal or -1 (not fencing).
  int16_t check_leader_epoch(LeaderEpoch client_epoch) const;

  // Appends a Produce request's records for `acks`: checks leadership, the ISR size against
  // min.insync.replicas (acks=all), that there is exactly one batch, its size, CRC and every
  // record (Kafka's LogValidator rules, with the records' true max timestamp written into the
  // header), and idempotent-producer sequences, then appends. Registers for the durability of what
  // it appended, so the HW follows.
  LeaderAppendInfo append_as_leader(MutableByteSpan records, int16_t acks);

  // ---- Leader side of replication.

  // Validates a follower's fetch before it moves anything: NOT_LEADER_OR_FOLLOWER when this is
  // not the leader or `follower` is not in the replica set, FENCED/UNKNOWN_LEADER_EPOCH for
  // another leader epoch; *diverging is set when its LastFetchedEpoch diverges from this log.
  int16_t check_follower_fetch(NodeId follower, LeaderEpoch current_leader_epoch,
                               Offset fetch_offset, LeaderEpoch last_fetched_epoch,
                               std::optional<EpochAndOffset>* diverging) const;
  // A follower fetched at `fetch_offset`: it holds everything below, and its log starts at
  // `log_start` (-1 when the fetch did not say). Advances the HW when the follower is in the ISR,
  // and tries the DeleteRecords waiters when its log start moved. Returns the ISR to propose
  // (AlterPartition) when it may join it; the proposal is pending from now on.
  std::optional<std::vector<int32_t>> update_follower_fetch_state(NodeId follower,
                                                                  Offset fetch_offset,
                                                                  Offset log_start, int64_t now_ms);
  // Each follower's replication state and membership of the committed ISR, to choose a
  // consumer's preferred read replica (replica_selector.h); empty unless this replica leads.
  std::vector<RemoteReplica> remote_replicas() const;
  // The leader's low watermark: the minimum log start over this replica and every follower
  // whose broker `alive` accepts (null: all); -1 when one of them has not reported it yet.
  Offset low_watermark(const std::function<bool(int32_t)>& alive) const;
  // The ISR to propose without the followers that lagged past replica.lag.time.max.ms (pending
  // from now on), or nothing.
  std::optional<std::vector<int32_t>> maybe_shrink_isr(int64_t now_ms, int64_t max_lag_ms);
  // The controller answered a proposal: committed (error 0, with the state it holds) or not.
  void alter_partition_answered(int16_t error, std::vector<int32_t> isr, int32_t leader_epoch,
                                int32_t partition_epoch);

  // DeleteRecords on the leader: moves the log start to `offset` (checked against the HW by the
  // caller), and answers the parked follower fetches at once so that they follow it now.
  Status delete_records_before(Offset offset);

  // ---- Follower side (the replica fetcher).

  // Appends batches copied from the leader, with their offsets and epochs, and records them in
  // the producer state (a retried idempotent batch is a duplicate here too after a failover).
  Result<log::AppendResult> append_as_follower(ByteSpan records);
  // Removes everything at or after `offset` (a diverging tail), or restarts the log empty at
  // `offset` when the leader's log starts past ours; the producer state forgets those batches.
  Status truncate_to(Offset offset);
  Status truncate_fully_and_start_at(Offset offset);
  // The leader's HW and log start from a fetch answer: HW = min(leader HW, own LEO), and the
  // log start follows the leader's (its DeleteRecords and retention reach the followers). A move
  // of the HW tries the parked fetches: consumers reading from this follower (KIP-392).
  void update_follower_high_watermark(Offset leader_hw, Offset leader_log_start);

  // Produce and fetch waiters. A produce waiter is tried once the HW reaches `required_offset`.
  void add_produce_waiter(Offset required_offset, std::weak_ptr<DelayedOperation> op);
  void add_fetch_waiter(std::weak_ptr<DelayedOperation> op);
  // A DeleteRecords waiter, tried whenever the low watermark may have moved, until it completes.
  void add_delete_records_waiter(std::weak_ptr<DelayedOperation> op);
  // Tries the DeleteRecords waiters (a broker's liveness changed: the low watermark counts
  // only live ones).
  void try_delete_records_waiters();

  // ListOffsets support. The record with the largest timestamp seen by appends and the load scan
  // (nullopt when none), and the first record at or after `timestamp` in the batch at
  // `batch_offset` (batch-granular lookups made exact, as Kafka answers).
  std::optional<log::TimestampOffset> max_timestamp_offset() const;
  std::optional<log::TimestampOffset> first_record_at_or_after(Offset batch_offset,
                                                               int64_t timestamp) const;

  // Loads the producer state at start: the newest readable producer-state snapshot at or below
  // the log end offset (newer ones are deleted, unreadable ones skipped), then the batch headers
  // of the log from the snapshot's offset. With no snapshot, the last scan_bytes of the log
  // (roughly: whole segments, newest first) are replayed instead.
  Status rebuild_producer_state(uint64_t scan_bytes);
  // Writes the producer state at the log end offset to a snapshot (clean shutdown; the appends
  // write one themselves each time the log rolls). Writes nothing when a snapshot at the log end
  // exists already, or when there is neither producer state nor any snapshot.
  Status take_producer_snapshot();
  size_t producer_count() const;

 private:
  // The first record at or after `timestamp` in the batch holding `offset`; nullopt when the
  // batch cannot be read or has none.
  std::optional<log::TimestampOffset> scan_batch(Offset offset, int64_t timestamp) const;
  void on_local_durable(Offset next_offset, const Status& status);
  // Tries every parked fetch (a leader append: followers wait for new data, not for the HW).
  void wake_fetch_waiters();
  // Moves the live waiters of `waiters` into *out (they stay registered); mu_ held.
  static void collect_waiters_locked(std::vector<std::weak_ptr<DelayedOperation>>* waiters,
                                     std::vector<std::shared_ptr<DelayedOperation>>* out);
  // Answers every produce and fetch waiter (the role changed).
  void release_waiters();
  // Marks the partition failed (appends answer KAFKA_STORAGE_ERROR) and logs why, once.
  void fail_storage(const Status& why);
  // Recomputes the HW; when it moved, tries the waiters it may satisfy.
  void maybe_advance_high_watermark();
  void note_batch_timestamp(const records::BatchHeader& h);
  // After an append (append_mu_ held): when the log rolled since the last snapshot, snapshots the
  // producer state at the log end, so a restart replays about one segment, not the whole log.
  void maybe_snapshot_after_roll_locked();
  // Once per segment: cold, kept out of the append path.
  [[gnu::cold, gnu::noinline]] void snapshot_after_roll_locked();
  Status take_producer_snapshot_locked();

  const TopicPartition tp_;
  const std::shared_ptr<log::PartitionLog> log_;
  const NodeId local_node_;

  std::atomic<bool> is_leader_{false};
  std::atomic<int32_t> leader_epoch_{-1};
  std::atomic<int64_t> high_watermark_{0};
  std::atomic<bool> failed_{false};  // the log could not make data durable

  mutable std::mutex append_mu_;
  ProducerStateTable producers_;  // guarded by append_mu_
  Offset snapshot_segment_base_;  // guarded by append_mu_: the active segment at the last snapshot

  mutable std::mutex mu_;
  PartitionSettings settings_;                         // guarded by mu_
  ReplicationState repl_;                              // guarded by mu_
  int64_t durable_end_ = 0;                            // guarded by mu_: local LEO covered by fsync
  std::optional<log::TimestampOffset> max_timestamp_;  // guarded by mu_; offset = batch base
  std::multimap<int64_t, std::weak_ptr<DelayedOperation>> produce_waiters_;  // guarded by mu_
  std::vector<std::weak_ptr<DelayedOperation>> fetch_waiters_;               // guarded by mu_
  std::vector<std::weak_ptr<DelayedOperation>> delete_records_waiters_;      // guarded by mu_
};

}  // namespace eddy::broker
