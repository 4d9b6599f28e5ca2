#pragma once
// Partition: the broker's replica of one topic partition and, while this node leads it, the
// leader's view of the replica set. It owns the partition's high watermark; the log owns the
// bytes, the log start offset and the log end offset (LEO).
//
// High watermark. The HW is the minimum, over the in-sync replicas (ISR), of the offset each has
// made safe: for the leader itself, its durable LEO under flush.policy=sync (the offset after the
// last batch an fsync covered; the log's durability callbacks move it) or its LEO under
// flush.policy=interval; for a follower, the offset it last fetched from (a follower fetching at
// offset N holds everything below N). On one node the ISR is the leader alone. Consumers never
// read at or above the HW, so they never see data a crash could take back.
//
// Waiters. Produce requests with acks=all wait for HW >= their last offset + 1; fetches wait for
// new data below the HW. Both register here (weak references: the purgatory owns them) and are
// tried whenever the HW moves.
//
// Threads: append_as_leader() serialises on append_mu_ (the idempotent-producer check and the log
// append are one step); everything else is safe from any thread. Lock order: append_mu_, then
// mu_; callbacks of waiters run with no lock held.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "broker/replica/delayed_operation.h"
#include "broker/replica/producer_state.h"
#include "broker/replica/replica_types.h"
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

  // Makes this node the leader at `epoch` with the given ISR (which must hold the local node).
  // Everything already in the log is made durable first, so the HW can start at the LEO: what
  // survived a restart is what Kafka's HW checkpoint would have let consumers read.
  Status become_leader(LeaderEpoch epoch, std::vector<NodeId> isr, PartitionSettings settings);
  void update_settings(const PartitionSettings& settings);
  // Stops leading: pending produce and fetch waiters are tried at once and answer
  // NOT_LEADER_OR_FOLLOWER.
  void stop_leading();

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

  // A follower fetched at `fetch_offset`: it holds everything below. Advances the HW when the
  // follower is in the ISR.
  void update_follower_fetch_state(NodeId follower, Offset fetch_offset);

  // Produce and fetch waiters. A produce waiter is tried once the HW reaches `required_offset`.
  void add_produce_waiter(Offset required_offset, std::weak_ptr<DelayedOperation> op);
  void add_fetch_waiter(std::weak_ptr<DelayedOperation> op);

  // ListOffsets support. The record with the largest timestamp seen by appends and the load scan
  // (nullopt when none), and the first record at or after `timestamp` in the batch at
  // `batch_offset` (batch-granular lookups made exact, as Kafka answers).
  std::optional<log::TimestampOffset> max_timestamp_offset() const;
  std::optional<log::TimestampOffset> first_record_at_or_after(Offset batch_offset,
                                                               int64_t timestamp) const;

  // Replays the batch headers of the log's tail into the producer state (at load).
  Status rebuild_producer_state(uint64_t scan_bytes);
  size_t producer_count() const;

 private:
  // The first record at or after `timestamp` in the batch holding `offset`; nullopt when the
  // batch cannot be read or has none.
  std::optional<log::TimestampOffset> scan_batch(Offset offset, int64_t timestamp) const;
  void on_local_durable(Offset next_offset, const Status& status);
  // Marks the partition failed (appends answer KAFKA_STORAGE_ERROR) and logs why, once.
  void fail_storage(const Status& why);
  // Recomputes the HW; when it moved, tries the waiters it may satisfy.
  void maybe_advance_high_watermark();
  void note_batch_timestamp(const records::BatchHeader& h);

  const TopicPartition tp_;
  const std::shared_ptr<log::PartitionLog> log_;
  const NodeId local_node_;

  std::atomic<bool> is_leader_{false};
  std::atomic<int32_t> leader_epoch_{-1};
  std::atomic<int64_t> high_watermark_{0};
  std::atomic<bool> failed_{false};  // the log could not make data durable

  mutable std::mutex append_mu_;
  ProducerStateTable producers_;  // guarded by append_mu_

  mutable std::mutex mu_;
  PartitionSettings settings_;                         // guarded by mu_
  std::vector<NodeId> isr_;                            // guarded by mu_
  std::map<NodeId, int64_t> follower_offsets_;         // guarded by mu_
  int64_t durable_end_ = 0;                            // guarded by mu_: local LEO covered by fsync
  std::optional<log::TimestampOffset> max_timestamp_;  // guarded by mu_; offset = batch base
  std::multimap<int64_t, std::weak_ptr<DelayedOperation>> produce_waiters_;  // guarded by mu_
  std::vector<std::weak_ptr<DelayedOperation>> fetch_waiters_;               // guarded by mu_
};

}  // namespace eddy::broker
