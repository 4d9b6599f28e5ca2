#include "broker/replica/partition.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "broker/replica/high_watermark_checkpoint.h"
#include "broker/replica/producer_snapshot.h"
#include "protocol/errors.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/batch_reader.h"
#include "protocol/records/batch_validator.h"

namespace eddy::broker {

using protocol::ErrorCode;
using protocol::to_int;

namespace {

// The Kafka error for a log append failure. kTooLarge covers both a batch over max.message.bytes
// (MESSAGE_TOO_LARGE) and a request too large for a segment (RECORD_LIST_TOO_LARGE).
int16_t append_error(const Status& s, size_t request_bytes, const log::LogConfig& config) {
  switch (s.code()) {
    case StatusCode::kCorruption:
      return to_int(ErrorCode::kCorruptMessage);
    case StatusCode::kInvalidArgument:
      return to_int(ErrorCode::kInvalidRecord);
    case StatusCode::kTooLarge:
      return static_cast<int64_t>(request_bytes) > config.segment_bytes
                 ? to_int(ErrorCode::kRecordListTooLarge)
                 : to_int(ErrorCode::kMessageTooLarge);
    case StatusCode::kUnsupported:
      return to_int(ErrorCode::kUnsupportedCompressionType);
    case StatusCode::kNoSpace:
    case StatusCode::kIoError:
    case StatusCode::kFailedPrecondition:
      return to_int(ErrorCode::kKafkaStorageError);
    default:
      return to_int(ErrorCode::kUnknownServerError);
  }
}

}  // namespace

Partition::Partition(TopicPartition tp, std::shared_ptr<log::PartitionLog> log, NodeId local_node)
    : tp_(std::move(tp)), log_(std::move(log)), local_node_(local_node), repl_(local_node.value()) {
  snapshot_segment_base_ = log_->active_segment_base();
}

void Partition::restore_high_watermark(Offset checkpointed) {
  std::lock_guard lock(mu_);
  const int64_t hw = clamp_high_watermark(checkpointed.value(), log_->log_start_offset().value(),
                                          log_->log_end_offset().value());
  if (hw > high_watermark_.load()) high_watermark_.store(hw);
}

Status Partition::become_leader(LeaderEpoch epoch, std::vector<NodeId> isr,
                                PartitionSettings settings) {
  ReplicaAssignment a;
  a.leader = local_node_.value();
  a.leader_epoch = epoch.value();
  for (NodeId r : isr) a.isr.push_back(r.value());
  a.replicas = a.isr;
  return become_leader(a, std::move(settings), 0);
}

Status Partition::become_leader(const ReplicaAssignment& assignment, PartitionSettings settings,
                                int64_t now_ms) {
  if (std::find(assignment.isr.begin(), assignment.isr.end(), local_node_.value()) ==
      assignment.isr.end()) {
    return invalid_argument("the ISR of a partition led here must hold this node");
  }
  log_->update_config(settings.log_config);
  // The epoch's start first, so that the flush below makes it durable with the log.
  log_->assign_leader_epoch(LeaderEpoch(assignment.leader_epoch));
  EDDY_RETURN_IF_ERROR(log_->flush());
  {
    std::lock_guard append_lock(append_mu_);
    std::lock_guard lock(mu_);
    settings_ = std::move(settings);
    repl_.become_leader(assignment, log_->log_end_offset().value(), now_ms);
    durable_end_ = std::max(durable_end_, log_->log_end_offset().value());
    if (high_watermark_.load() < log_->log_start_offset().value()) {
      high_watermark_.store(log_->log_start_offset().value());
    }
    // Stamped on every batch appended from now on, so the epoch cache records where the new
    // epoch starts (Kafka's leader-epoch start offset).
    leader_epoch_.store(assignment.leader_epoch);
    is_leader_.store(true);
  }
  maybe_advance_high_watermark();
  return Status::ok();
}

void Partition::become_follower(const ReplicaAssignment& assignment, PartitionSettings settings) {
  log_->update_config(settings.log_config);
  {
    std::lock_guard append_lock(append_mu_);
    std::lock_guard lock(mu_);
    settings_ = std::move(settings);
    is_leader_.store(false);
    leader_epoch_.store(assignment.leader_epoch);
    repl_.become_follower(assignment);
  }
  release_waiters();
}

void Partition::update_assignment(const ReplicaAssignment& assignment) {
  {
    std::lock_guard lock(mu_);
    repl_.update_assignment(assignment);
  }
  maybe_advance_high_watermark();
  // A replica removed from the set no longer holds the low watermark back.
  try_delete_records_waiters();
}

void Partition::update_settings(const PartitionSettings& settings) {
  log_->update_config(settings.log_config);
  {
    std::lock_guard lock(mu_);
    settings_ = settings;
  }
  maybe_advance_high_watermark();
}

void Partition::stop_leading() {
  is_leader_.store(false);
  release_waiters();
}

void Partition::release_waiters() {
  std::vector<std::shared_ptr<DelayedOperation>> waiters;
  {
    std::lock_guard lock(mu_);
    for (auto& [offset, w] : produce_waiters_) {
      if (auto op = w.lock()) waiters.push_back(std::move(op));
    }
    produce_waiters_.clear();
    for (auto& w : fetch_waiters_) {
      if (auto op = w.lock()) waiters.push_back(std::move(op));
    }
    fetch_waiters_.clear();
    for (auto& w : delete_records_waiters_) {
      if (auto op = w.lock()) waiters.push_back(std::move(op));
    }
    delete_records_waiters_.clear();
  }
  for (auto& op : waiters) op->try_complete();
}

PartitionSettings Partition::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

std::vector<NodeId> Partition::isr() const {
  std::lock_guard lock(mu_);
  std::vector<NodeId> out;
  for (int32_t r : repl_.assignment().isr) out.emplace_back(r);
  return out;
}

std::vector<RemoteReplica> Partition::remote_replicas() const {
  std::lock_guard lock(mu_);
  std::vector<RemoteReplica> out;
  if (!is_leader_.load()) return out;
  const ReplicaAssignment& a = repl_.assignment();
  for (int32_t id : a.replicas) {
    if (id == local_node_.value()) continue;
    RemoteReplica r;
    r.broker_id = id;
    r.in_isr = std::find(a.isr.begin(), a.isr.end(), id) != a.isr.end();
    if (const FollowerState* f = repl_.follower(id)) {
      r.log_end_offset = f->log_end_offset;
      r.log_start_offset = f->log_start_offset;
      r.last_caught_up_ms = f->last_caught_up_ms;
    }
    out.push_back(r);
  }
  return out;
}

ReplicaAssignment Partition::assignment() const {
  std::lock_guard lock(mu_);
  return repl_.assignment();
}

int16_t Partition::check_leader_epoch(LeaderEpoch client_epoch) const {
  if (client_epoch.value() < 0) return to_int(ErrorCode::kNone);
  const int32_t ours = leader_epoch_.load();
  if (client_epoch.value() < ours) return to_int(ErrorCode::kFencedLeaderEpoch);
  if (client_epoch.value() > ours) return to_int(ErrorCode::kUnknownLeaderEpoch);
  return to_int(ErrorCode::kNone);
}

LeaderAppendInfo Partition::append_as_leader(MutableByteSpan records, int16_t acks) {
  LeaderAppendInfo info;
  if (!is_leader_.load()) {
    info.error = to_int(ErrorCode::kNotLeaderOrFollower);
    return info;
  }
  if (failed_.load()) {
    info.error = to_int(ErrorCode::kKafkaStorageError);
    return info;
  }
  PartitionSettings settings;
  size_t isr_size = 0;
  {
    std::lock_guard lock(mu_);
    settings = settings_;
    isr_size = repl_.assignment().isr.size();
  }
  if (acks == -1 && static_cast<int32_t>(isr_size) < settings.min_insync_replicas) {
    info.error = to_int(ErrorCode::kNotEnoughReplicas);
    info.error_message = "ISR size " + std::to_string(isr_size) + " is below min.insync.replicas " +
                         std::to_string(settings.min_insync_replicas);
    return info;
  }
  // Kafka's ProduceRequest.validateRecords and LogValidator rules, all before anything is
  // appended and outside the append lock (CPU work on this request alone): exactly one v2 batch
  // (a legacy message set is INVALID_RECORD, any other magic corrupt), its size against
  // max.message.bytes before its CRC or records are read, the CRC, a known codec, no control or
  // transactional batch (no transactions yet: refused rather than stored with semantics Eddy
  // does not provide), and every record decoded, decompressed under a cap, so that a count the
  // records do not match, a malformed field or a decompression bomb never reaches the log.
  if (records.empty()) {
    info.error = to_int(ErrorCode::kInvalidRecord);
    info.error_message = "a produce request carries exactly one record batch per partition";
    return info;
  }
  // A Produce request's records field is a stream of batches: bytes after the first batch that
  // do not frame a whole second one are a torn batch (CORRUPT_MESSAGE); a whole second batch is
  // well-formed and refused by the validation below (INVALID_RECORD).
  if (records.size() >= records::kLogOverhead) {
    const auto length_at = [&](size_t pos) {
      return static_cast<int64_t>(load_be_i32(records.data() + pos + records::kBatchLengthPos));
    };
    const auto min_length = static_cast<int64_t>(records::kBatchHeaderSize - records::kLogOverhead);
    const size_t first =
        records::kLogOverhead + static_cast<size_t>(std::max<int64_t>(length_at(0), 0));
    const size_t rest = first < records.size() ? records.size() - first : 0;
    if (rest > 0 && (rest < records::kBatchHeaderSize || length_at(first) < min_length ||
                     static_cast<int64_t>(records::kLogOverhead) + length_at(first) >
                         static_cast<int64_t>(rest))) {
      info.error = to_int(ErrorCode::kCorruptMessage);
      info.error_message = "the bytes after the record batch are a torn batch";
      return info;
    }
  }
  records::AppendValidationOptions options;
  options.max_batch_bytes = static_cast<size_t>(settings.log_config.max_message_bytes);
  options.allow_transactional = false;
  options.require_keys = settings.compacted;
  auto valid = records::validate_batch_for_append(records, options, &info.record_errors);
  if (!valid.is_ok()) {
    info.error = records::kafka_error_for_append(valid.status());
    info.error_message = valid.status().message();
    return info;
  }
  // CreateTime: the header's max_timestamp becomes the records' largest (Kafka's LogValidator
  // setMaxTimestamp); it feeds the time index and time-based retention. The CRC is recomputed
  // here over bytes just verified, so CrcCheck::kAlreadyVerified below still holds.
  records::BatchHeader header = valid->header;
  if (header.timestamp_type() == records::TimestampType::kCreateTime &&
      valid->max_timestamp != header.max_timestamp) {
    store_be64(records.data() + records::kMaxTimestampPos,
               static_cast<uint64_t>(valid->max_timestamp));
    store_be32(records.data() + records::kCrcPos, records::compute_batch_crc(records));
    header.max_timestamp = valid->max_timestamp;
  }

  {
    std::lock_guard append_lock(append_mu_);
    SequenceCheck check = producers_.check(header);
    if (check.error != to_int(ErrorCode::kNone)) {
      info.error = check.error;
      return info;
    }
    if (check.duplicate) {
      info.duplicate = true;
      info.base_offset = check.duplicate->first_offset;
      info.last_offset = check.duplicate->last_offset;
      return info;
    }
    // validate_batch_for_append checked the batch's CRC above.
    Result<log::AppendResult> appended =
        log_->append(records, leader_epoch(), log::CrcCheck::kAlreadyVerified);
    if (!appended.is_ok()) {
      info.error = append_error(appended.status(), records.size(), settings.log_config);
      info.error_message = appended.status().message();
      if (info.error == to_int(ErrorCode::kKafkaStorageError)) fail_storage(appended.status());
      return info;
    }
    info.base_offset = appended->base_offset;
    info.last_offset = appended->last_offset;
    info.log_append_time_ms = appended->log_append_time_ms;
    // The append assigned the offsets in place; record the batch at the offsets it got.
    records::BatchHeader h = records::read_batch_header(records.data());
    producers_.record(h, Offset(h.base_offset), Offset(h.last_offset()));
    note_batch_timestamp(h);
    maybe_snapshot_after_roll_locked();
  }

  wake_fetch_waiters();
  if (settings.log_config.flush_policy == log::FlushPolicy::kSync) {
    std::weak_ptr<Partition> weak = weak_from_this();
    const Offset next = info.last_offset + 1;
    log_->on_durable(info.last_offset, [weak, next](const Status& s) {
      if (auto self = weak.lock()) self->on_local_durable(next, s);
    });
  } else {
    maybe_advance_high_watermark();
  }
  return info;
}

void Partition::fail_storage(const Status& why) {
  // Once per partition: it stays failed (every later append answers KAFKA_STORAGE_ERROR without
  // reaching the log) until eddyd restarts, so a full disk is one line per partition, not one
  // per refused request.
  if (failed_.exchange(true)) return;
  std::string dir = log_->dir();
  std::string log_dir = dir.substr(0, dir.find_last_of('/'));
  spdlog::error(
      "partition {}-{}: the log in log dir {} refused a write ({}); appends answer "
      "KAFKA_STORAGE_ERROR until eddyd restarts: free space or fix the disk, then restart",
      tp_.topic, tp_.partition, log_dir, why.to_string());
}

void Partition::on_local_durable(Offset next_offset, const Status& status) {
  if (!status.is_ok()) {
    // The log failed an fsync (or truncated below this offset): these offsets never become
    // durable, and waiting acks=all producers must hear so now rather than at their timeout.
    if (status.code() != StatusCode::kUnavailable) fail_storage(status);
    std::vector<std::shared_ptr<DelayedOperation>> waiters;
    {
      std::lock_guard lock(mu_);
      for (auto& [offset, w] : produce_waiters_) {
        if (auto op = w.lock()) waiters.push_back(std::move(op));
      }
      produce_waiters_.clear();
    }
    for (auto& op : waiters) op->try_complete();
    return;
  }
  {
    std::lock_guard lock(mu_);
    // One fsync covers every batch appended before it started, and the log publishes that end
    // (its recovery point) before it runs any callback. Taking it here lets the first callback of
    // a group commit move the HW over the whole group, so a parked fetch is answered once with
    // every record the fsync made durable; advancing batch by batch answered it with the first
    // batch alone, and the rest waited a whole fetch round trip for the consumer's next request.
    durable_end_ = std::max({durable_end_, next_offset.value(), log_->flushed_offset().value()});
  }
  maybe_advance_high_watermark();
}

int16_t Partition::check_follower_fetch(NodeId follower, LeaderEpoch current_leader_epoch,
                                        Offset fetch_offset, LeaderEpoch last_fetched_epoch,
                                        std::optional<EpochAndOffset>* diverging) const {
  if (!is_leader_.load()) return to_int(ErrorCode::kNotLeaderOrFollower);
  {
    std::lock_guard lock(mu_);
    if (!repl_.is_replica(follower.value())) return to_int(ErrorCode::kNotLeaderOrFollower);
  }
  if (int16_t e = check_leader_epoch(current_leader_epoch); e != to_int(ErrorCode::kNone)) {
    return e;
  }
  if (last_fetched_epoch.value() >= 0) {
    const log::EpochEndOffset end = log_->end_offset_for_epoch(last_fetched_epoch);
    *diverging = diverging_epoch(last_fetched_epoch.value(), fetch_offset.value(),
                                 EpochAndOffset{end.leader_epoch.value(), end.end_offset.value()});
  }
  return to_int(ErrorCode::kNone);
}

std::optional<std::vector<int32_t>> Partition::update_follower_fetch_state(NodeId follower,
                                                                           Offset fetch_offset,
                                                                           Offset log_start,
                                                                           int64_t now_ms) {
  std::optional<std::vector<int32_t>> proposal;
  bool log_start_moved = false;
  {
    std::lock_guard lock(mu_);
    const FollowerState* before = repl_.follower(follower.value());
    log_start_moved = before != nullptr && before->log_start_offset != log_start.value();
    repl_.update_follower(follower.value(), fetch_offset.value(), log_start.value(),
                          log_->log_end_offset().value(), now_ms);
  }
  maybe_advance_high_watermark();
  if (log_start_moved) try_delete_records_waiters();
  {
    std::lock_guard lock(mu_);
    if (!is_leader_.load()) return std::nullopt;
    proposal = repl_.isr_to_expand(follower.value(), high_watermark_.load());
    if (proposal) repl_.set_pending(*proposal);
  }
  // A pending expansion counts the newcomer: the HW may move with it.
  if (proposal) maybe_advance_high_watermark();
  return proposal;
}

std::optional<std::vector<int32_t>> Partition::maybe_shrink_isr(int64_t now_ms,
                                                                int64_t max_lag_ms) {
  if (!is_leader_.load()) return std::nullopt;
  std::lock_guard lock(mu_);
  auto proposal = repl_.isr_to_shrink(log_->log_end_offset().value(), now_ms, max_lag_ms);
  if (proposal) repl_.set_pending(*proposal);
  return proposal;
}

void Partition::alter_partition_answered(int16_t error, std::vector<int32_t> isr,
                                         int32_t leader_epoch, int32_t partition_epoch) {
  {
    std::lock_guard lock(mu_);
    if (error != to_int(ErrorCode::kNone) || leader_epoch != leader_epoch_.load()) {
      repl_.alter_partition_failed();
    } else {
      repl_.alter_partition_committed(std::move(isr), partition_epoch);
    }
  }
  maybe_advance_high_watermark();
}

Result<log::AppendResult> Partition::append_as_follower(ByteSpan records) {
  std::lock_guard append_lock(append_mu_);
  // Checked under the append lock, which become_leader takes too: a fetch answered after this
  // node became the leader must not write into the leader's log.
  if (is_leader_.load()) return failed_precondition("this replica leads the partition now");
  EDDY_ASSIGN_OR_RETURN(log::AppendResult appended, log_->append_as_follower(records));
  size_t pos = 0;
  while (records.size() - pos >= records::kBatchHeaderSize) {
    records::BatchHeader h = records::read_batch_header(records.data() + pos);
    if (h.size_bytes() > records.size() - pos) break;
    producers_.record(h, Offset(h.base_offset), Offset(h.last_offset()));
    note_batch_timestamp(h);
    pos += h.size_bytes();
  }
  maybe_snapshot_after_roll_locked();
  return appended;
}

Status Partition::truncate_to(Offset offset) {
  std::lock_guard append_lock(append_mu_);
  if (is_leader_.load()) return failed_precondition("this replica leads the partition now");
  // At or past the log end too: the log drops the epochs recorded there (PartitionLog).
  EDDY_RETURN_IF_ERROR(log_->truncate_to(offset));
  producers_.truncate_from(log_->log_end_offset());
  EDDY_RETURN_IF_ERROR(delete_producer_snapshots_after(log_->dir(), log_->log_end_offset()));
  std::lock_guard lock(mu_);
  durable_end_ = std::min(durable_end_, log_->log_end_offset().value());
  if (high_watermark_.load() > log_->log_end_offset().value()) {
    high_watermark_.store(log_->log_end_offset().value());
  }
  return Status::ok();
}

Status Partition::truncate_fully_and_start_at(Offset offset) {
  std::lock_guard append_lock(append_mu_);
  if (is_leader_.load()) return failed_precondition("this replica leads the partition now");
  EDDY_RETURN_IF_ERROR(log_->truncate_fully_and_start_at(offset));
  producers_.truncate_from(Offset(0));
  EDDY_RETURN_IF_ERROR(delete_producer_snapshots_after(log_->dir(), Offset(-1)));
  std::lock_guard lock(mu_);
  durable_end_ = offset.value();
  high_watermark_.store(offset.value());
  return Status::ok();
}

Status Partition::delete_records_before(Offset offset) {
  EDDY_RETURN_IF_ERROR(log_->delete_records_before(offset));
  wake_fetch_waiters();
  return Status::ok();
}

void Partition::update_follower_high_watermark(Offset leader_hw, Offset leader_log_start) {
  if (is_leader_.load()) return;
  if (leader_log_start > log_->log_start_offset() && leader_log_start <= log_->log_end_offset()) {
    Status s = log_->delete_records_before(leader_log_start);
    if (!s) {
      spdlog::warn("partition {}-{}: following the leader's log start {}: {}", tp_.topic,
                   tp_.partition, leader_log_start.value(), s.to_string());
    }
  }
  const int64_t hw = std::min(leader_hw.value(), log_->log_end_offset().value());
  // Never backwards: a new leader's HW may briefly lag the one this follower learnt before.
  if (hw <= high_watermark_.load()) return;
  high_watermark_.store(hw);
  wake_fetch_waiters();
}

void Partition::maybe_advance_high_watermark() {
  std::vector<std::shared_ptr<DelayedOperation>> to_try;
  {
    std::lock_guard lock(mu_);
    if (!is_leader_.load()) return;
    const int64_t leo = log_->log_end_offset().value();
    const int64_t local =
        settings_.log_config.flush_policy == log::FlushPolicy::kSync ? durable_end_ : leo;
    std::optional<int64_t> allowed = repl_.high_watermark(local, settings_.min_insync_replicas);
    if (!allowed) return;
    const int64_t hw = std::min(*allowed, leo);
    if (hw <= high_watermark_.load()) return;
    high_watermark_.store(hw);
    // Fetches first: they carry the records to consumers, so end-to-end latency waits on them,
    // while a producer's acks=all answer only frees its in-flight window (and it pipelines).
    collect_waiters_locked(&fetch_waiters_, &to_try);
    auto end = produce_waiters_.upper_bound(hw);
    for (auto it = produce_waiters_.begin(); it != end; ++it) {
      if (auto op = it->second.lock()) to_try.push_back(std::move(op));
    }
    produce_waiters_.erase(produce_waiters_.begin(), end);
  }
  for (auto& op : to_try) op->try_complete();
}

void Partition::wake_fetch_waiters() {
  std::vector<std::shared_ptr<DelayedOperation>> to_try;
  {
    std::lock_guard lock(mu_);
    collect_waiters_locked(&fetch_waiters_, &to_try);
  }
  for (auto& op : to_try) op->try_complete();
}

void Partition::try_delete_records_waiters() {
  std::vector<std::shared_ptr<DelayedOperation>> to_try;
  {
    std::lock_guard lock(mu_);
    if (delete_records_waiters_.empty()) return;
    collect_waiters_locked(&delete_records_waiters_, &to_try);
  }
  for (auto& op : to_try) op->try_complete();
}

Offset Partition::low_watermark(const std::function<bool(int32_t)>& alive) const {
  // `alive` reads the metadata image: asked outside mu_, so that no lock of the metadata layer is
  // ever taken under it.
  std::vector<int32_t> replicas;
  {
    std::lock_guard lock(mu_);
    replicas = repl_.assignment().replicas;
  }
  std::vector<int32_t> dead;
  for (int32_t r : replicas) {
    if (alive && !alive(r)) dead.push_back(r);
  }
  std::lock_guard lock(mu_);
  return Offset(repl_.low_watermark(log_->log_start_offset().value(), [&](int32_t r) {
    return std::find(dead.begin(), dead.end(), r) == dead.end();
  }));
}

void Partition::collect_waiters_locked(std::vector<std::weak_ptr<DelayedOperation>>* waiters,
                                       std::vector<std::shared_ptr<DelayedOperation>>* out) {
  // Fetch and DeleteRecords waiters stay registered until they complete; dead ones are pruned here.
  // No self-move: libstdc++'s weak_ptr move assignment empties a weak_ptr moved onto itself, and a
  // waiter tried but not ready (a follower fetch woken by an append, a fetch whose min_bytes are
  // not there yet) must stay registered.
  size_t kept = 0;
  for (size_t i = 0; i < waiters->size(); ++i) {
    auto op = (*waiters)[i].lock();
    if (!op || op->is_completed()) continue;
    out->push_back(std::move(op));
    if (kept != i) (*waiters)[kept] = std::move((*waiters)[i]);
    ++kept;
  }
  waiters->resize(kept);
}

void Partition::add_produce_waiter(Offset required_offset, std::weak_ptr<DelayedOperation> op) {
  {
    std::lock_guard lock(mu_);
    if (high_watermark_.load() < required_offset.value() && !failed_.load() && is_leader_.load()) {
      produce_waiters_.emplace(required_offset.value(), std::move(op));
      return;
    }
  }
  // Already satisfied (or never will be): let the operation decide now.
  if (auto strong = op.lock()) strong->try_complete();
}

void Partition::add_fetch_waiter(std::weak_ptr<DelayedOperation> op) {
  std::lock_guard lock(mu_);
  fetch_waiters_.push_back(std::move(op));
}

void Partition::add_delete_records_waiter(std::weak_ptr<DelayedOperation> op) {
  {
    std::lock_guard lock(mu_);
    if (is_leader_.load()) {
      delete_records_waiters_.push_back(std::move(op));
      return;
    }
  }
  // Not leading any more: the operation answers now.
  if (auto strong = op.lock()) strong->try_complete();
}

Status Partition::rebuild_producer_state(uint64_t scan_bytes) {
  std::lock_guard append_lock(append_mu_);
  const std::string& dir = log_->dir();
  const Offset end = log_->log_end_offset();
  const Offset log_start = log_->log_start_offset();
  EDDY_ASSIGN_OR_RETURN(std::optional<Offset> loaded,
                        load_producer_snapshot(dir, end, &producers_));
  const std::vector<Offset> bases = log_->segment_base_offsets();
  if (bases.empty()) return Status::ok();
  // The newest segment is read in any case: it gives the max timestamp (ListOffsets).
  Offset from = std::max(bases.back(), log_start);
  uint64_t budget = scan_bytes;
  if (loaded) {
    from = std::max(std::min(from, *loaded), log_start);
    budget = UINT64_MAX;  // snapshots are taken at each roll: about one segment to replay
  } else {
    // Whole segments, newest first, as many as scan_bytes holds at their average size.
    const uint64_t average = log_->size_bytes() / bases.size() + 1;
    const size_t count = std::clamp<uint64_t>(scan_bytes / average, 1, bases.size());
    from = std::max(bases[bases.size() - count], log_start);
  }
  constexpr uint64_t kChunkBytes = 1 << 20;
  uint64_t scanned = 0;
  Offset next = from;
  while (next < end && scanned < budget) {
    Result<log::ReadResult> read = log_->read(next, kChunkBytes, end);
    Result<Bytes> chunk = read.is_ok() ? read->records.read_all() : read.status();
    if (!chunk.is_ok()) {
      // Damage (the log records and reports it): the state from the rest of this segment is
      // lost, not the partition; the replay goes on at the next segment.
      spdlog::warn("partition {}-{}: producer-state replay skips from offset {}: {}", tp_.topic,
                   tp_.partition, next.value(), chunk.status().to_string());
      auto later = std::upper_bound(bases.begin(), bases.end(), next);
      if (later == bases.end()) break;
      next = *later;
      continue;
    }
    if (read->records.empty()) break;
    const Bytes& bytes = *chunk;
    size_t pos = 0;
    while (bytes.size() - pos >= records::kBatchHeaderSize) {
      records::BatchHeader h = records::read_batch_header(bytes.data() + pos);
      if (h.size_bytes() > bytes.size() - pos) break;
      // Batches below the snapshot's offset are in it already.
      if (!loaded || Offset(h.base_offset) >= *loaded) {
        producers_.record(h, Offset(h.base_offset), Offset(h.last_offset()));
      }
      note_batch_timestamp(h);
      pos += h.size_bytes();
    }
    scanned += bytes.size();
    if (read->next_offset <= next) break;
    next = read->next_offset;
  }
  snapshot_segment_base_ = log_->active_segment_base();
  return Status::ok();
}

Status Partition::take_producer_snapshot() {
  std::lock_guard append_lock(append_mu_);
  return take_producer_snapshot_locked();
}

Status Partition::take_producer_snapshot_locked() {
  snapshot_segment_base_ = log_->active_segment_base();
  const Offset end = log_->log_end_offset();
  EDDY_ASSIGN_OR_RETURN(std::vector<Offset> existing, list_producer_snapshots(log_->dir()));
  // Nothing to add, and no fsync spent: the state at the log end is on disk already (a restart
  // with no append since), or there is no state and no snapshot (the replay at start finds the
  // same nothing). A clean stop of many partitions without idempotent producers writes nothing.
  if (!existing.empty() && existing.back() == end) return Status::ok();
  if (existing.empty() && producers_.producer_count() == 0) return Status::ok();
  return write_producer_snapshot(log_->dir(), end, producers_);
}

void Partition::maybe_snapshot_after_roll_locked() {
  if (log_->active_segment_base() != snapshot_segment_base_) snapshot_after_roll_locked();
}

void Partition::snapshot_after_roll_locked() {
  // A failed snapshot costs a longer replay at the next start, not this append.
  Status s = take_producer_snapshot_locked();
  if (!s) {
    spdlog::warn("partition {}-{}: writing a producer-state snapshot: {}", tp_.topic, tp_.partition,
                 s.to_string());
  }
}

void Partition::note_batch_timestamp(const records::BatchHeader& h) {
  std::lock_guard lock(mu_);
  if (!max_timestamp_ || h.max_timestamp > max_timestamp_->timestamp_ms) {
    max_timestamp_ = log::TimestampOffset{h.max_timestamp, Offset(h.base_offset)};
  }
}

std::optional<log::TimestampOffset> Partition::max_timestamp_offset() const {
  std::optional<log::TimestampOffset> batch;
  {
    std::lock_guard lock(mu_);
    batch = max_timestamp_;
  }
  if (!batch) return std::nullopt;
  const Offset start = log_->log_start_offset();
  if (batch->offset >= start) return first_record_at_or_after(batch->offset, batch->timestamp_ms);
  // DeleteRecords may cut inside that batch: a read at the log start offset returns the whole
  // batch holding it, and its record with the largest timestamp counts if it is still readable.
  std::optional<log::TimestampOffset> found = scan_batch(start, batch->timestamp_ms);
  if (!found || found->offset < start) return std::nullopt;
  return found;
}

std::optional<log::TimestampOffset> Partition::first_record_at_or_after(Offset batch_offset,
                                                                        int64_t timestamp) const {
  return scan_batch(batch_offset, timestamp)
      .value_or(log::TimestampOffset{timestamp, batch_offset});
}

std::optional<log::TimestampOffset> Partition::scan_batch(Offset offset, int64_t timestamp) const {
  // max_bytes 1 still returns the one whole batch holding offset.
  Result<log::ReadResult> read = log_->read(offset, 1, log_->log_end_offset());
  if (!read.is_ok() || read->records.empty()) return std::nullopt;
  Result<Bytes> bytes = read->records.read_all();
  if (!bytes.is_ok() || bytes->size() < records::kBatchHeaderSize) return std::nullopt;
  const records::BatchHeader h = records::read_batch_header(bytes->data());
  if (h.size_bytes() > bytes->size()) return std::nullopt;
  Result<records::DecodedBatch> decoded =
      records::decode_batch(ByteSpan(bytes->data(), h.size_bytes()));
  if (!decoded.is_ok()) return std::nullopt;
  for (const records::Record& rec : decoded->records) {
    if (rec.timestamp >= timestamp) return log::TimestampOffset{rec.timestamp, Offset(rec.offset)};
  }
  return std::nullopt;
}

size_t Partition::producer_count() const {
  std::lock_guard lock(append_mu_);
  return producers_.producer_count();
}

}  // namespace eddy::broker
