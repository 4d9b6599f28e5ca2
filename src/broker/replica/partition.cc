#include "broker/replica/partition.h"

#include <spdlog/spdlog.h>

#include <algorithm>

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
    : tp_(std::move(tp)), log_(std::move(log)), local_node_(local_node) {}

Status Partition::become_leader(LeaderEpoch epoch, std::vector<NodeId> isr,
                                PartitionSettings settings) {
  if (std::find(isr.begin(), isr.end(), local_node_) == isr.end()) {
    return invalid_argument("the ISR of a partition led here must hold this node");
  }
  log_->update_config(settings.log_config);
  EDDY_RETURN_IF_ERROR(log_->flush());
  {
    std::lock_guard lock(mu_);
    settings_ = std::move(settings);
    isr_ = std::move(isr);
    follower_offsets_.clear();
    durable_end_ = std::max(durable_end_, log_->log_end_offset().value());
    if (high_watermark_.load() < log_->log_start_offset().value()) {
      high_watermark_.store(log_->log_start_offset().value());
    }
  }
  leader_epoch_.store(epoch.value());
  is_leader_.store(true);
  maybe_advance_high_watermark();
  return Status::ok();
}

void Partition::update_settings(const PartitionSettings& settings) {
  log_->update_config(settings.log_config);
  std::lock_guard lock(mu_);
  settings_ = settings;
}

void Partition::stop_leading() {
  is_leader_.store(false);
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
  }
  for (auto& op : waiters) op->try_complete();
}

PartitionSettings Partition::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

std::vector<NodeId> Partition::isr() const {
  std::lock_guard lock(mu_);
  return isr_;
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
    isr_size = isr_.size();
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
  }

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

void Partition::update_follower_fetch_state(NodeId follower, Offset fetch_offset) {
  {
    std::lock_guard lock(mu_);
    int64_t& known = follower_offsets_[follower];
    known = std::max(known, fetch_offset.value());
  }
  maybe_advance_high_watermark();
}

void Partition::maybe_advance_high_watermark() {
  std::vector<std::shared_ptr<DelayedOperation>> to_try;
  {
    std::lock_guard lock(mu_);
    const int64_t leo = log_->log_end_offset().value();
    int64_t hw = settings_.log_config.flush_policy == log::FlushPolicy::kSync ? durable_end_ : leo;
    for (NodeId replica : isr_) {
      if (replica == local_node_) continue;
      auto it = follower_offsets_.find(replica);
      hw = std::min(hw, it == follower_offsets_.end() ? int64_t{0} : it->second);
    }
    hw = std::min(hw, leo);
    if (hw <= high_watermark_.load()) return;
    high_watermark_.store(hw);
    // Fetches first: they carry the records to consumers, so end-to-end latency waits on them,
    // while a producer's acks=all answer only frees its in-flight window (and it pipelines).
    // Fetch waiters stay registered until they complete; dead ones are pruned here.
    size_t kept = 0;
    for (auto& w : fetch_waiters_) {
      auto op = w.lock();
      if (!op || op->is_completed()) continue;
      to_try.push_back(std::move(op));
      fetch_waiters_[kept++] = std::move(w);
    }
    fetch_waiters_.resize(kept);
    auto end = produce_waiters_.upper_bound(hw);
    for (auto it = produce_waiters_.begin(); it != end; ++it) {
      if (auto op = it->second.lock()) to_try.push_back(std::move(op));
    }
    produce_waiters_.erase(produce_waiters_.begin(), end);
  }
  for (auto& op : to_try) op->try_complete();
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

Status Partition::rebuild_producer_state(uint64_t scan_bytes) {
  // Replays the newest segment, at most scan_bytes of it: a producer that has not written since
  // the segment rolled is unknown after a restart, which Kafka tolerates (any sequence starts
  // the state of an unknown producer).
  const std::vector<Offset> bases = log_->segment_base_offsets();
  if (bases.empty()) return Status::ok();
  Offset start = std::max(bases.back(), log_->log_start_offset());
  const Offset end = log_->log_end_offset();
  constexpr uint64_t kChunkBytes = 1 << 20;
  uint64_t scanned = 0;
  std::lock_guard append_lock(append_mu_);
  Offset next = start;
  while (next < end && scanned < scan_bytes) {
    EDDY_ASSIGN_OR_RETURN(log::ReadResult read, log_->read(next, kChunkBytes, end));
    if (read.records.empty()) break;
    EDDY_ASSIGN_OR_RETURN(Bytes bytes, read.records.read_all());
    size_t pos = 0;
    while (bytes.size() - pos >= records::kBatchHeaderSize) {
      records::BatchHeader h = records::read_batch_header(bytes.data() + pos);
      if (h.size_bytes() > bytes.size() - pos) break;
      producers_.record(h, Offset(h.base_offset), Offset(h.last_offset()));
      note_batch_timestamp(h);
      pos += h.size_bytes();
    }
    scanned += bytes.size();
    if (read.next_offset <= next) break;
    next = read.next_offset;
  }
  return Status::ok();
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
