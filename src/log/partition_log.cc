#include "log/partition_log.h"

#include <algorithm>

#include "common/crc32c.h"
#include "log/checkpoint_file.h"
#include "log/flusher.h"
#include "log/leader_epoch_cache.h"
#include "log/log_format.h"
#include "log/log_metrics.h"
#include "log/log_segment.h"
#include "protocol/records/batch_header.h"

namespace eddy::log {

using records::BatchHeader;
using records::kBatchHeaderSize;
using records::kLogOverhead;

Result<Bytes> FileSlice::read_all() const {
  if (length == 0) return Bytes{};
  auto file = std::static_pointer_cast<const File>(keep_alive);
  Bytes out(length);
  EDDY_RETURN_IF_ERROR(file->read_at(position, out));
  return out;
}

namespace {

// Bumps PartitionLog::truncations_ as a truncation starts and again when it is over, on every
// path out: odd while one is running.
class TruncationMark {
 public:
  explicit TruncationMark(std::atomic<uint64_t>& count) : count_(count) { ++count_; }
  ~TruncationMark() { ++count_; }
  TruncationMark(const TruncationMark&) = delete;
  TruncationMark& operator=(const TruncationMark&) = delete;

 private:
  std::atomic<uint64_t>& count_;
};

int64_t max_batch_bytes_of(const LogConfig& c) {
  return std::min(c.max_message_bytes, c.segment_bytes);
}
int64_t preallocate_ahead_of(const LogConfig& c) {
  return c.preallocate_enabled() ? c.preallocate_ahead_bytes : 0;
}
}  // namespace

PartitionLog::PartitionLog(PartitionLogOptions options)
    : options_(std::move(options)),
      config_(options_.config),
      max_batch_bytes_(max_batch_bytes_of(options_.config)),
      preallocate_ahead_(preallocate_ahead_of(options_.config)),
      segment_bytes_(options_.config.segment_bytes),
      append_config_(options_.config),
      epochs_(std::make_unique<LeaderEpochCache>(options_.dir, options_.faults)) {}

PartitionLog::~PartitionLog() = default;

LogConfig PartitionLog::config() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

void PartitionLog::update_config(const LogConfig& config) {
  std::lock_guard lock(config_mu_);
  config_ = config;
  max_batch_bytes_.store(max_batch_bytes_of(config));
  preallocate_ahead_.store(preallocate_ahead_of(config));
  segment_bytes_.store(config.segment_bytes);
  config_version_.fetch_add(1, std::memory_order_release);
}

const LogConfig& PartitionLog::append_config_locked() {
  uint64_t v = config_version_.load(std::memory_order_acquire);
  if (v != append_config_version_) {
    std::lock_guard lock(config_mu_);
    append_config_ = config_;
    append_config_version_ = config_version_.load(std::memory_order_relaxed);
  }
  return append_config_;
}

std::shared_ptr<LogSegment> PartitionLog::active_segment() const {
  std::shared_lock lock(segments_mu_);
  return segments_.empty() ? nullptr : segments_.rbegin()->second;
}

std::shared_ptr<LogSegment> PartitionLog::segment_for(int64_t offset) const {
  std::shared_lock lock(segments_mu_);
  if (segments_.empty()) return nullptr;
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  return it->second;
}

std::shared_ptr<LogSegment> PartitionLog::segment_after(int64_t base) const {
  std::shared_lock lock(segments_mu_);
  auto it = segments_.upper_bound(base);
  return it == segments_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<LogSegment>> PartitionLog::segments_from(int64_t offset) const {
  std::shared_lock lock(segments_mu_);
  std::vector<std::shared_ptr<LogSegment>> out;
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  for (; it != segments_.end(); ++it) out.push_back(it->second);
  return out;
}

uint64_t PartitionLog::size_bytes() const {
  std::shared_lock lock(segments_mu_);
  uint64_t total = 0;
  for (const auto& [base, seg] : segments_) total += seg->size();
  return total;
}

int PartitionLog::segment_count() const {
  std::shared_lock lock(segments_mu_);
  return static_cast<int>(segments_.size());
}

Offset PartitionLog::active_segment_base() const {
  std::shared_lock lock(segments_mu_);
  return Offset(segments_.empty() ? -1 : segments_.rbegin()->first);
}

std::vector<Offset> PartitionLog::segment_base_offsets() const {
  std::shared_lock lock(segments_mu_);
  std::vector<Offset> out;
  for (const auto& [base, seg] : segments_) out.emplace_back(base);
  return out;
}

namespace {

// Parses and checks every batch of a leader's append before anything is assigned, so that a
// rejected request changes nothing. Kafka's LogValidator rules for magic 2, header level.
Status validate_for_leader(MutableByteSpan records, uint64_t max_batch_bytes, CrcCheck crc,
                           std::vector<BatchInfo>* infos) {
  if (records.empty()) return invalid_argument("produce request has no record batches");
  size_t pos = 0;
  while (pos < records.size()) {
    size_t left = records.size() - pos;
    const uint8_t* p = records.data() + pos;
    if (left < kBatchHeaderSize) {
      return corruption("partial record batch header at byte " + std::to_string(pos));
    }
    int32_t length = load_be_i32(p + records::kBatchLengthPos);
    if (length < static_cast<int32_t>(kBatchHeaderSize - kLogOverhead)) {
      return corruption("record batch length " + std::to_string(length) + " below the header");
    }
    uint64_t size = kLogOverhead + static_cast<uint64_t>(length);
    if (size > left) {
      return corruption("record batch of " + std::to_string(size) + " bytes runs past the " +
                        std::to_string(left) + " bytes sent");
    }
    if (static_cast<int8_t>(p[records::kMagicPos]) != records::kMagicV2) {
      return corruption("record batch magic " + std::to_string(p[records::kMagicPos]) +
                        " is not 2");
    }
    if (size > max_batch_bytes) {
      return too_large("record batch of " + std::to_string(size) + " bytes is over " +
                       std::to_string(max_batch_bytes) +
                       " bytes, the smaller of max.message.bytes and segment.bytes");
    }
    BatchHeader h = records::read_batch_header(p);
    if (crc == CrcCheck::kVerify && records::compute_batch_crc(ByteSpan(p, size)) != h.crc) {
      return corruption("record batch CRC mismatch at byte " + std::to_string(pos));
    }
    if (h.records_count <= 0 || h.last_offset_delta < 0 ||
        static_cast<int64_t>(h.last_offset_delta) + 1 != h.records_count) {
      return invalid_argument("record batch count " + std::to_string(h.records_count) +
                              " does not match last offset delta " +
                              std::to_string(h.last_offset_delta));
    }
    infos->push_back({0, h.last_offset_delta, h.max_timestamp, static_cast<uint32_t>(size)});
    pos += size;
  }
  return Status::ok();
}

// LogAppendTime (Kafka's setMaxTimestamp): the type bit and max_timestamp are rewritten and the
// CRC recomputed since both are covered by it. base_timestamp stays as the producer wrote it;
// readers take every record's timestamp from max_timestamp when the bit is set.
void set_log_append_time(uint8_t* batch, uint64_t size, int64_t now_ms) {
  int16_t attrs = load_be_i16(batch + records::kAttributesPos);
  store_be16(batch + records::kAttributesPos,
             static_cast<uint16_t>(attrs | records::kTimestampTypeBit));
  store_be64(batch + records::kMaxTimestampPos, static_cast<uint64_t>(now_ms));
  store_be32(batch + records::kCrcPos, records::compute_batch_crc(ByteSpan(batch, size)));
}

}  // namespace

Result<AppendResult> PartitionLog::append(MutableByteSpan records, LeaderEpoch leader_epoch,
                                          CrcCheck crc) {
  ScopedLatency timed(log_metrics().append_latency);
  // Reused per thread: most produce requests carry one batch, and this is the hot path.
  thread_local std::vector<BatchInfo> infos;
  infos.clear();
  EDDY_RETURN_IF_ERROR(
      validate_for_leader(records, static_cast<uint64_t>(max_batch_bytes_.load()), crc, &infos));
  std::optional<Result<AppendResult>> result;
  FlushPolicy policy;
  {
    std::lock_guard lock(append_mu_);
    const LogConfig& cfg = append_config_locked();
    policy = cfg.flush_policy;
    bool log_append_time = cfg.message_timestamp_type == records::TimestampType::kLogAppendTime;
    // The precise clock only for a timestamp clients see; rolls and retention take the cheap one.
    int64_t now = log_append_time ? options_.clock->wall_ms() : options_.clock->coarse_wall_ms();
    int64_t next = log_end_offset_.load();
    uint64_t pos = 0;
    for (BatchInfo& b : infos) {
      uint8_t* p = records.data() + pos;
      int64_t delta = b.last_offset;
      records::assign_base_offset(p, next);
      records::assign_leader_epoch(p, leader_epoch.value());
      if (log_append_time) {
        set_log_append_time(p, b.size_bytes, now);
        b.max_timestamp = now;
      }
      b.base_offset = next;
      b.last_offset = next + delta;
      next = b.last_offset + 1;
      pos += b.size_bytes;
    }
    result.emplace(
        append_locked(records, infos, leader_epoch, cfg, now, log_append_time ? now : -1));
  }
  if (result->is_ok()) after_append(policy);
  return std::move(*result);
}

Result<AppendResult> PartitionLog::append_as_follower(ByteSpan records) {
  if (records.empty()) return invalid_argument("no record batches to append");
  std::vector<BatchInfo> infos;
  std::vector<int32_t> epochs;
  size_t pos = 0;
  while (pos < records.size()) {
    auto check = records::check_batch(records.subspan(pos), options_.max_batch_bytes_hard);
    if (check.check != records::BatchCheck::kValid) return check.status;
    const BatchHeader& h = check.header;
    if (!infos.empty() && h.base_offset != infos.back().last_offset + 1) {
      return out_of_range("replicated batch at offset " + std::to_string(h.base_offset) +
                          " does not follow offset " + std::to_string(infos.back().last_offset));
    }
    infos.push_back(
        {h.base_offset, h.last_offset(), h.max_timestamp, static_cast<uint32_t>(h.size_bytes())});
    epochs.push_back(h.partition_leader_epoch);
    pos += h.size_bytes();
  }
  std::optional<Result<AppendResult>> result;
  FlushPolicy policy;
  {
    std::lock_guard lock(append_mu_);
    const LogConfig& cfg = append_config_locked();
    policy = cfg.flush_policy;
    int64_t leo = log_end_offset_.load();
    if (infos.front().base_offset != leo) {
      return out_of_range("replicated batches start at offset " +
                          std::to_string(infos.front().base_offset) + ", the log ends at " +
                          std::to_string(leo));
    }
    // The follower's copy is the leader's: the writes' own epochs feed the cache.
    result.emplace(
        append_locked(records, infos, kNoLeaderEpoch, cfg, options_.clock->coarse_wall_ms(), -1));
    if (result->is_ok()) {
      for (size_t i = 0; i < infos.size(); ++i) {
        epochs_->assign(LeaderEpoch(epochs[i]), Offset(infos[i].base_offset));
      }
    }
  }
  if (result->is_ok()) after_append(policy);
  return std::move(*result);
}

Result<AppendResult> PartitionLog::append_locked(ByteSpan records,
                                                 const std::vector<BatchInfo>& infos,
                                                 LeaderEpoch leader_epoch, const LogConfig& cfg,
                                                 int64_t now_ms, int64_t log_append_time_ms) {
  if (failed_.load()) {
    return failed_precondition("log " + options_.dir + " failed an fsync and is read-only");
  }
  if (closed_.load()) return unavailable("log " + options_.dir + " is closed");
  if (damage_blocks_appends()) {
    return failed_precondition("log " + options_.dir +
                               " has damaged offsets at its end (partition.damage): appending "
                               "would reuse them");
  }
  // Writers hold append_mu_, the only lock under which segments_ changes: no need for
  // segments_mu_ to read it here.
  LogSegment* seg = segments_.rbegin()->second.get();
  int64_t last = infos.back().last_offset;
  bool roll =
      !seg->empty() &&
      (seg->size() + records.size() > static_cast<uint64_t>(cfg.segment_bytes) ||
       now_ms - seg->created_ms() >= cfg.max_segment_ms() ||
       static_cast<int64_t>(seg->offset_index_bytes() + infos.size() * kOffsetIndexEntrySize) >
           cfg.segment_index_bytes ||
       last - seg->base_offset() > kMaxRelativeOffset);
  if (roll) {
    EDDY_RETURN_IF_ERROR(roll_locked(now_ms));
    seg = segments_.rbegin()->second.get();
  }
  if (!seg->zero_fill_enabled() && cfg.preallocate_enabled()) seg->enable_zero_fill();
  EDDY_RETURN_IF_ERROR(seg->append(records, infos, cfg.index_interval_bytes, now_ms));
  if (leader_epoch.value() >= 0) epochs_->assign(leader_epoch, Offset(infos.front().base_offset));
  log_end_offset_.store(last + 1, std::memory_order_release);
  // One writer (under append_mu_): a plain add, no read-modify-write.
  log_metrics().bytes_written.inc(records.size());
  appended_bytes_.store(appended_bytes_.load(std::memory_order_relaxed) + records.size(),
                        std::memory_order_relaxed);
  int64_t max_ts = -1;
  for (const BatchInfo& b : infos) max_ts = std::max(max_ts, b.max_timestamp);
  AppendResult r{Offset(infos.front().base_offset),  Offset(last),  log_append_time_ms, max_ts,
                 static_cast<int32_t>(infos.size()), records.size()};
  return r;
}

void PartitionLog::after_append(FlushPolicy policy) {
  if (policy != FlushPolicy::kSync || options_.flusher == nullptr) return;
  if (!flush_queued_.exchange(true)) options_.flusher->request(shared_from_this());
}

Status PartitionLog::roll_locked(int64_t now_ms) {
  std::shared_ptr<LogSegment> old = active_segment();
  int64_t base = log_end_offset_.load();
  if (old && old->base_offset() == base) return Status::ok();
  LogSegment::Env env{options_.dir, options_.file_budget, options_.faults,
                      options_.max_batch_bytes_hard, options_.preallocation_budget};
  EDDY_ASSIGN_OR_RETURN(auto seg, LogSegment::create(env, base, now_ms));
  // The new files' names reach the disk with the next flush's directory fsync, before any batch
  // in them is reported durable.
  dir_sync_pending_.store(true, std::memory_order_release);
  if (old) {
    EDDY_RETURN_IF_ERROR(old->seal());
    // A sealed segment is exactly its batches on disk, as without preallocation.
    EDDY_RETURN_IF_ERROR(trim_tail(*old));
  }
  std::unique_lock lock(segments_mu_);
  segments_[base] = std::move(seg);
  return Status::ok();
}

void PartitionLog::on_durable(Offset offset, DurableCallback cb) {
  Status status;
  {
    std::lock_guard lock(durable_mu_);
    if (failed_.load()) {
      status = failed_precondition("log " + options_.dir + " failed an fsync");
    } else if (offset.value() >= flushed_offset_.load()) {
      durable_waiters_.emplace(offset.value(), std::move(cb));
      return;
    }
  }
  cb(status);
}

void PartitionLog::complete_waiters(int64_t durable_end, int64_t fail_from, const Status& error) {
  std::vector<DurableCallback> ok, failed;
  {
    std::lock_guard lock(durable_mu_);
    auto it = durable_waiters_.begin();
    while (it != durable_waiters_.end() && it->first < durable_end) {
      ok.push_back(std::move(it->second));
      it = durable_waiters_.erase(it);
    }
    auto from = durable_waiters_.lower_bound(fail_from);
    for (auto f = from; f != durable_waiters_.end(); ++f) failed.push_back(std::move(f->second));
    durable_waiters_.erase(from, durable_waiters_.end());
  }
  for (auto& cb : ok) cb(Status::ok());
  for (auto& cb : failed) cb(error);
}

Status PartitionLog::flush() {
  Status s = flush_group();
  if (s.is_ok()) top_up_preallocation();
  return s;
}

Status PartitionLog::flush_group() {
  // The callbacks run before this lock goes, so before the next fsync of this log can start:
  // they free the producers' windows, and what the producers append while they run joins the
  // next group. Starting the next fsync first (another flusher thread was waiting) makes it
  // cover only what arrived during this one, nearly nothing when every producer is waiting:
  // measured, half the throughput with 8 pipelining appenders.
  std::lock_guard flush_lock(flush_mu_);
  // A later fsync that succeeds proves nothing after one failed: Linux reports a write-back error
  // once and may have dropped the pages it could not write.
  if (failed_.load()) {
    return failed_precondition("log " + options_.dir + " failed an fsync; nothing more is synced");
  }
  uint64_t truncations = truncations_.load();
  int64_t target = log_end_offset_.load(std::memory_order_acquire);
  int64_t flushed = flushed_offset_.load();
  int64_t trimmed = unsynced_trim_base_.exchange(INT64_MAX);
  uint64_t appended = appended_bytes_.load(std::memory_order_relaxed);
  if (appended != appended_at_flush_) {
    // A moving average over the last few groups: one odd group does not flip the choice.
    uint64_t avg = group_bytes_avg_.load(std::memory_order_relaxed);
    group_bytes_avg_.store((avg * 3 + (appended - appended_at_flush_)) / 4,
                           std::memory_order_relaxed);
    log_metrics().flush_group_bytes.observe(appended - appended_at_flush_);
    appended_at_flush_ = appended;
  }
  if (target > flushed || trimmed != INT64_MAX) {
    // Every segment from the one holding the old recovery point on (or from one whose
    // preallocated tail was cut); those before the active one are sealed, so their indexes are
    // synced too and later flushes skip them.
    auto segs = segments_from(std::min(flushed, trimmed));
    Status s;
    ScopedLatency timed(log_metrics().flush_latency);
    for (size_t i = 0; s.is_ok() && i < segs.size(); ++i) s = segs[i]->flush(i + 1 < segs.size());
    if (s.is_ok()) s = sync_dirs_if_pending();
    if (s.is_ok()) s = epochs_->persist();
    if (!s.is_ok()) {
      fail_log(flushed, s);
      return s;
    }
    if (truncations_.load() == truncations) {
      int64_t cur = flushed_offset_.load();
      while (cur < target && !flushed_offset_.compare_exchange_weak(cur, target)) {
      }
    }
  }
  last_flush_ms_ = options_.clock->monotonic_ms();
  complete_waiters(flushed_offset_.load(), INT64_MAX, Status::ok());
  return Status::ok();
}

void PartitionLog::fail_log(int64_t flushed, const Status& error) {
  // After a failed fsync the page cache may have dropped the dirty pages (Linux marks them
  // clean): nothing written since the last good flush can be vouched for.
  failed_ = true;
  count_storage_error_of_dir(options_.dir);
  complete_waiters(flushed, flushed, error);
}

Status PartitionLog::trim_tail(LogSegment& seg) {
  EDDY_ASSIGN_OR_RETURN(bool trimmed, seg.trim_tail());
  if (!trimmed) return Status::ok();
  // The next flush fdatasyncs from this segment on, so the cut is durable before the recovery
  // point passes it or a clean-shutdown marker vouches for the file.
  const int64_t base = seg.base_offset();
  int64_t cur = unsynced_trim_base_.load();
  while (base < cur && !unsynced_trim_base_.compare_exchange_weak(cur, base)) {
  }
  return Status::ok();
}

void PartitionLog::top_up_preallocation() {
  int64_t ahead = preallocate_ahead_.load(std::memory_order_relaxed);
  if (ahead <= 0 || closed_.load() || failed_.load()) return;
  // Zeros cost a write of every byte the data will later overwrite; the journal commit they save
  // is worth it only while groups are small (docs/benchmarks/storage.md, "Preallocation"). With
  // big groups the tail runs out and appends grow the file as without preallocation.
  if (group_bytes_avg_.load(std::memory_order_relaxed) > kPreallocateMaxGroupBytes) return;
  auto seg = active_segment();
  // An empty segment gets none: a partition never written to costs no disk space.
  if (!seg || seg->empty() || seg->preallocated_bytes() >= static_cast<uint64_t>(ahead) / 2) {
    return;
  }
  std::unique_lock lock(zero_fill_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  // A failed zero-fill (a full disk) was cut back; appends then grow the file as they would
  // without preallocation, and meet the same error themselves if it persists.
  (void)seg->zero_fill(static_cast<uint64_t>(ahead),
                       static_cast<uint64_t>(segment_bytes_.load(std::memory_order_relaxed)));
}

Status PartitionLog::sync_dirs_if_pending() {
  // Read after the log end offset the flush covers (acquire): a roll that created a segment
  // holding any of those offsets set the flag before publishing them.
  if (dir_sync_pending_.exchange(false, std::memory_order_acq_rel)) {
    Status s = sync_dir(options_.dir, options_.faults);
    if (!s.is_ok()) {
      dir_sync_pending_ = true;
      return s;
    }
  }
  if (parent_sync_pending_.exchange(false, std::memory_order_acq_rel)) {
    Status s = sync_dir(parent_dir(options_.dir), options_.faults);
    if (!s.is_ok()) {
      parent_sync_pending_ = true;
      return s;
    }
  }
  return Status::ok();
}

Status PartitionLog::maybe_roll_and_flush() {
  LogConfig cfg = config();
  {
    std::lock_guard lock(append_mu_);
    int64_t now = options_.clock->wall_ms();
    auto seg = active_segment();
    if (!closed_.load() && !failed_.load() && seg && !seg->empty() &&
        now - seg->created_ms() >= cfg.max_segment_ms()) {
      EDDY_RETURN_IF_ERROR(roll_locked(now));
    }
    // Indexes a read found wrong are rebuilt here, under the writer lock.
    for (const auto& s : segments_from(log_start_offset_.load())) {
      if (s->index_suspect()) EDDY_RETURN_IF_ERROR(s->rebuild_indexes(cfg.index_interval_bytes));
    }
  }
  bool interval_due = cfg.flush_policy == FlushPolicy::kInterval &&
                      options_.clock->monotonic_ms() - last_flush_ms_.load() >= cfg.flush_ms;
  // A failed log was reported when its fsync failed; retrying every tick would only repeat it.
  if (interval_due && !failed_.load() && flushed_offset_.load() < log_end_offset_.load()) {
    return flush();
  }
  // Between the flushes of flush.policy=interval the tail is topped up here.
  top_up_preallocation();
  return Status::ok();
}

Result<ReadResult> PartitionLog::read(Offset offset, uint64_t max_bytes, Offset upper_bound,
                                      ReadFor reader) const {
  ReadResult r;
  r.log_start_offset = log_start_offset();
  r.log_end_offset = log_end_offset();
  if (offset < r.log_start_offset || offset > r.log_end_offset) {
    return out_of_range("offset " + std::to_string(offset.value()) + " is outside [" +
                        std::to_string(r.log_start_offset.value()) + ", " +
                        std::to_string(r.log_end_offset.value()) + "]");
  }
  r.next_offset = offset;
  int64_t bound = std::min(upper_bound, r.log_end_offset).value();
  if (has_damage_.load(std::memory_order_acquire)) {
    // Known damage is never served: at the offset it is an error, after it the run stops short.
    std::lock_guard lock(damage_mu_);
    for (const DamagedRange& d : damaged_) {
      if (d.from <= offset && offset < d.to) {
        return corruption("offsets [" + std::to_string(d.from.value()) + ", " +
                          std::to_string(d.to.value()) + ") of " + options_.dir +
                          " are damaged: " + d.why);
      }
      if (d.from > offset) bound = std::min(bound, d.from.value());
    }
  }
  // A truncation cutting the file under this read makes a short file look torn: damage is
  // recorded only when no truncation ran (or was running) meanwhile.
  const uint64_t truncations = truncations_.load();
  int64_t cur = offset.value();
  auto seg = segment_for(cur);
  // What a consumer's read passes over is bounded like what it serves, by max_bytes.
  uint64_t skip_budget = reader == ReadFor::kConsumer ? std::max<uint64_t>(max_bytes, 1) : 0;
  // Serves `run`'s batches (none when its length is 0).
  auto serve = [&r](SegmentRead& run) {
    if (run.length > 0) {
      r.records.fd = run.file->fd();
      r.records.position = run.position;
      r.records.length = run.length;
      r.records.keep_alive = std::move(run.file);
      r.first_offset = Offset(run.first_offset);
      r.next_offset = Offset(run.next_offset);
    }
    return r;
  };
  // The last record-less batch passed over, as a run of one: served alone when nothing else is.
  SegmentRead passed;
  // Bounded by the segment count: each step moves to a later segment.
  while (seg && cur < bound) {
    EDDY_ASSIGN_OR_RETURN(SegmentRead sr,
                          seg->read(cur, max_bytes, bound, /*min_one_batch=*/true, skip_budget));
    skip_budget -= std::min(skip_budget, sr.skipped_bytes);
    if (sr.skipped_length > 0) {
      passed.file = sr.file;
      passed.position = sr.skipped_position;
      passed.length = sr.skipped_length;
      passed.first_offset = sr.skipped_first_offset;
      passed.next_offset = sr.skipped_next_offset;
    }
    // Retention may have moved the start past `offset` since the check above, and the segment
    // found may then begin after it: that is out of range, not a silent skip ahead.
    if (offset < log_start_offset()) {
      return out_of_range("offset " + std::to_string(offset.value()) + " was deleted meanwhile");
    }
    if (sr.damage.found()) {
      // From the damaged batch to the end of its segment: without a trustworthy length nothing
      // after it in the segment can be framed. Later segments are served as before.
      int64_t to = std::max(sr.damage.offset + 1, seg->next_offset());
      if (truncations % 2 == 0 && truncations_.load() == truncations) {
        mark_damaged(
            {Offset(sr.damage.offset), Offset(to),
             LogSegment::file_prefix(options_.dir, seg->base_offset()) + kLogSuffix, sr.damage.why},
            /*notify=*/true);
      }
      if (sr.length == 0) {
        // What was passed over before the damage still moves the consumer up to it.
        if (passed.length > 0) return serve(passed);
        return corruption("segment " + std::to_string(seg->base_offset()) + " of " + options_.dir +
                          ": " + sr.damage.why);
      }
    }
    if (!sr.past_end) return serve(sr.length > 0 ? sr : passed);
    seg = segment_after(seg->base_offset());
    if (seg) cur = std::max(cur, seg->base_offset());
  }
  return serve(passed);
}

Result<std::optional<TimestampOffset>> PartitionLog::offset_for_timestamp(
    int64_t timestamp_ms) const {
  int64_t start = log_start_offset_.load();
  for (const auto& seg : segments_from(start)) {
    if (seg->max_timestamp() < timestamp_ms) continue;
    EDDY_ASSIGN_OR_RETURN(auto found, seg->find_timestamp(timestamp_ms));
    if (found) {
      return std::optional<TimestampOffset>(
          TimestampOffset{found->timestamp, Offset(std::max(found->offset, start))});
    }
  }
  return std::optional<TimestampOffset>();
}

Status PartitionLog::remove_segments_locked(int64_t from_base, bool unlink_now) {
  std::vector<std::shared_ptr<LogSegment>> removed;
  {
    std::unique_lock lock(segments_mu_);
    auto it = segments_.lower_bound(from_base);
    for (auto r = it; r != segments_.end(); ++r) removed.push_back(r->second);
    segments_.erase(it, segments_.end());
  }
  for (const auto& seg : removed) {
    if (unlink_now) {
      EDDY_RETURN_IF_ERROR(seg->delete_files());
    } else {
      seg->mark_deleted();
    }
  }
  return Status::ok();
}

Status PartitionLog::truncate_to(Offset offset) {
  // Below the start there is nothing to keep (Kafka does the same).
  if (offset < log_start_offset()) return truncate_fully_and_start_at(offset);
  {
    std::lock_guard lock(append_mu_);
    if (offset >= log_end_offset()) {
      // Nothing to cut, but damage recorded past the end (kept aside by recovery) is given up:
      // the caller refetches those offsets. An epoch recorded at the log end by a leadership
      // that appended nothing goes too (Kafka's truncateTo): a follower would otherwise keep
      // fetching with it, and its leader, which never knew it, keep answering the divergence.
      drop_damage_from(offset.value());
      epochs_->truncate_from_end(log_end_offset());
      return write_checkpoints();
    }
    TruncationMark mark(truncations_);
    // Later segments go first and at once: a crash must not bring their batches back.
    EDDY_RETURN_IF_ERROR(remove_segments_locked(offset.value() + 1, /*unlink_now=*/true));
    auto seg = active_segment();
    EDDY_ASSIGN_OR_RETURN(int64_t cut, seg->truncate_to(offset.value()));
    int64_t leo = std::min(cut, offset.value());
    epochs_->truncate_from_end(Offset(leo));
    log_end_offset_.store(leo, std::memory_order_release);
    int64_t flushed = flushed_offset_.load();
    while (flushed > leo && !flushed_offset_.compare_exchange_weak(flushed, leo)) {
    }
    // A recovery point on disk above the cut would vouch, after a crash, for batches appended
    // here later and never synced: lower it (durably) before any of them exists.
    EDDY_RETURN_IF_ERROR(write_checkpoints());
    // Offsets appended here again are dirty (Kafka's maybeTruncateCheckpoint).
    if (first_dirty_.load() > leo) EDDY_RETURN_IF_ERROR(set_first_dirty_offset(Offset(leo)));
    // Damage past the cut went with it: a replica refetches those offsets from its leader.
    drop_damage_from(leo);
  }
  complete_waiters(INT64_MIN, log_end_offset_.load(),
                   unavailable("log truncated below the offset (leadership changed)"));
  return Status::ok();
}

Status PartitionLog::truncate_fully_and_start_at(Offset offset) {
  {
    std::lock_guard lock(append_mu_);
    TruncationMark mark(truncations_);
    EDDY_RETURN_IF_ERROR(remove_segments_locked(INT64_MIN, /*unlink_now=*/true));
    log_end_offset_ = offset.value();
    log_start_offset_ = offset.value();
    flushed_offset_ = offset.value();
    epochs_->clear();
    EDDY_RETURN_IF_ERROR(roll_locked(options_.clock->wall_ms()));
    EDDY_RETURN_IF_ERROR(write_checkpoints());
    if (first_dirty_.load() > offset.value()) EDDY_RETURN_IF_ERROR(set_first_dirty_offset(offset));
    drop_damage_from(INT64_MIN);
  }
  complete_waiters(INT64_MIN, INT64_MIN, unavailable("log truncated fully"));
  return Status::ok();
}

Status PartitionLog::delete_records_before(Offset offset) {
  std::lock_guard lock(append_mu_);
  if (offset > log_end_offset()) {
    return out_of_range("delete records before " + std::to_string(offset.value()) +
                        " beyond the log end offset " + std::to_string(log_end_offset().value()));
  }
  if (offset <= log_start_offset()) return Status::ok();
  log_start_offset_ = offset.value();
  epochs_->truncate_from_start(offset);
  // The new start is durable before any segment goes: a crash in between leaves segments that
  // the next open deletes as wholly below it.
  EDDY_RETURN_IF_ERROR(write_checkpoints());
  drop_damage_below(offset.value());
  return Status::ok();
}

Result<int> PartitionLog::enforce_retention() {
  LogConfig cfg = config();
  std::lock_guard lock(append_mu_);
  int64_t now = options_.clock->wall_ms();
  int64_t start = log_start_offset_.load();
  std::vector<std::shared_ptr<LogSegment>> segs = segments_from(INT64_MIN);
  uint64_t total = 0;
  for (const auto& s : segs) total += s->size();
  // A prefix of sealed segments (never the active one): each is gone when wholly below the log
  // start offset, older than retention.ms or not needed to keep retention.bytes.
  size_t n = 0;
  for (; n + 1 < segs.size(); ++n) {
    const auto& s = segs[n];
    bool below_start = segs[n + 1]->base_offset() <= start;
    // cleanup.policy=compact alone keeps every segment: the cleaner, not age or size, decides
    // what goes (Kafka's LogConfig.delete).
    bool expired = cfg.cleanup_delete && cfg.retention_ms >= 0 &&
                   now - s->retention_timestamp_ms() > cfg.retention_ms;
    bool over_size = cfg.cleanup_delete && cfg.retention_bytes >= 0 &&
                     total - s->size() >= static_cast<uint64_t>(cfg.retention_bytes);
    if (!below_start && !expired && !over_size) break;
    total -= s->size();
  }
  if (n == 0) return 0;
  int64_t new_start = std::max(start, segs[n]->base_offset());
  if (new_start != start) {
    log_start_offset_ = new_start;
    epochs_->truncate_from_start(Offset(new_start));
    EDDY_RETURN_IF_ERROR(write_checkpoints());
  }
  {
    std::unique_lock seg_lock(segments_mu_);
    for (size_t i = 0; i < n; ++i) segments_.erase(segs[i]->base_offset());
  }
  // Unlinked when the last reader lets go of them.
  for (size_t i = 0; i < n; ++i) segs[i]->mark_deleted();
  drop_damage_below(new_start);
  return static_cast<int>(n);
}

Status PartitionLog::write_checkpoints() {
  {
    std::lock_guard lock(checkpoint_mu_);
    int64_t start = log_start_offset_.load();
    int64_t recovery_point = flushed_offset_.load();
    bool changed = start != ckpt_start_ || recovery_point != ckpt_recovery_point_ ||
                   start != ckpt_durable_start_;
    if (changed) {
      // After a crash the old file may come back unless the directory is fsynced. That is safe
      // only when it holds the same log start offset (a smaller one would resurrect deleted
      // records) and a recovery point no higher than this one (a higher one, after a
      // truncation, would vouch for batches never synced).
      bool old_is_safe = start == ckpt_durable_start_ && recovery_point >= ckpt_recovery_point_;
      CheckpointEntries cp{{"log_start_offset", start}, {"recovery_point", recovery_point}};
      EDDY_RETURN_IF_ERROR(write_checkpoint_file(
          options_.dir, kCheckpointFile, cp,
          old_is_safe ? Durability::kContent : Durability::kContentAndName, options_.faults));
      ckpt_start_ = start;
      ckpt_recovery_point_ = recovery_point;
      if (!old_is_safe) ckpt_durable_start_ = start;
    }
  }
  return epochs_->persist();
}

Status PartitionLog::close() {
  {
    std::lock_guard lock(append_mu_);
    if (closed_.exchange(true)) return Status::ok();
    // The closed segment is exactly its batches on disk; the flush below syncs the cut before
    // the marker can vouch for the file.
    if (auto seg = active_segment()) EDDY_RETURN_IF_ERROR(trim_tail(*seg));
  }
  EDDY_RETURN_IF_ERROR(flush());
  if (auto seg = active_segment()) EDDY_RETURN_IF_ERROR(seg->seal());
  // Every index entry reaches its file, including any an earlier flush failed to write. Not
  // fsynced: the indexes are hints that open() checks, and the data they point into is synced.
  for (const auto& seg : segments_from(INT64_MIN)) seg->persist_indexes(/*sync=*/false);
  EDDY_RETURN_IF_ERROR(write_checkpoints());
  if (options_.shutdown_marker == ShutdownMarker::kLogDir) return Status::ok();
  return create_marker_file(options_.dir, kCleanShutdownFile, options_.faults);
}

LeaderEpoch PartitionLog::latest_epoch() const { return epochs_->latest_epoch(); }

void PartitionLog::assign_leader_epoch(LeaderEpoch epoch) {
  std::lock_guard lock(append_mu_);  // the log end does not move meanwhile
  epochs_->assign(epoch, log_end_offset());
}

EpochEndOffset PartitionLog::end_offset_for_epoch(LeaderEpoch epoch) const {
  auto [e, o] = epochs_->end_offset_for(epoch, log_end_offset());
  return {e, o};
}

std::vector<std::pair<LeaderEpoch, Offset>> PartitionLog::epoch_entries() const {
  std::vector<std::pair<LeaderEpoch, Offset>> out;
  for (const EpochEntry& e : epochs_->entries()) out.emplace_back(e.epoch, e.start_offset);
  return out;
}

}  // namespace eddy::log
