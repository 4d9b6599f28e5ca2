#include "log/log_cleaner.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "log/log_format.h"
#include "log/log_segment.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_reader.h"

namespace eddy::log {

using records::BatchHeader;

// ---- IoThrottle ----

IoThrottle::IoThrottle(double bytes_per_second, Clock* clock, Sleep sleep)
    : rate_(bytes_per_second > 0 ? bytes_per_second : 1.0),
      clock_(clock),
      sleep_(std::move(sleep)),
      tokens_(std::min(rate_, 1e18)),
      last_ns_(clock->monotonic_ns()) {
  if (!sleep_) {
    sleep_ = [](int64_t ns) { std::this_thread::sleep_for(std::chrono::nanoseconds(ns)); };
  }
}

void IoThrottle::set_rate(double bytes_per_second) {
  std::lock_guard lock(mu_);
  rate_ = bytes_per_second > 0 ? bytes_per_second : 1.0;
  tokens_ = std::min(tokens_, rate_);
}

double IoThrottle::rate() const {
  std::lock_guard lock(mu_);
  return rate_;
}

void IoThrottle::charge(uint64_t bytes) {
  charged_ += bytes;
  std::unique_lock lock(mu_);
  int64_t now = clock_->monotonic_ns();
  // The bucket holds one second's worth at most, so an idle cleaner cannot save up a burst.
  tokens_ = std::min(rate_, tokens_ + rate_ * static_cast<double>(now - last_ns_) / 1e9);
  last_ns_ = now;
  tokens_ -= static_cast<double>(bytes);
  if (tokens_ >= 0) return;
  // Paid back by waiting; the next charge refills from the clock.
  auto wait_ns = static_cast<int64_t>(-tokens_ / rate_ * 1e9);
  lock.unlock();
  sleep_(wait_ns);
}

// ---- SegmentRewriter ----

namespace {

Result<Bytes> build_empty(int64_t base, int64_t last, int32_t epoch, int64_t producer_id,
                          int16_t producer_epoch, int32_t base_sequence) {
  records::BatchOptions o;
  o.base_offset = base;
  o.partition_leader_epoch = epoch;
  o.producer_id = producer_id;
  o.producer_epoch = producer_epoch;
  o.base_sequence = base_sequence;
  o.last_offset_delta = static_cast<int32_t>(last - base);
  return records::BatchBuilder(o).build();
}

void append_bytes(Bytes& out, ByteSpan b) { out.insert(out.end(), b.begin(), b.end()); }

}  // namespace

SegmentRewriter::SegmentRewriter(const OffsetMap& map, Context ctx, CleanStats* stats)
    : map_(map), ctx_(ctx), stats_(stats) {}

void SegmentRewriter::extend_filler(const BatchHeader& h) {
  if (filler_base_ < 0) {
    filler_base_ = h.base_offset;
    filler_epoch_ = h.partition_leader_epoch;
  }
  filler_last_ = h.last_offset();
}

Status SegmentRewriter::flush_filler(Bytes& out) {
  if (filler_base_ < 0) return Status::ok();
  EDDY_ASSIGN_OR_RETURN(
      Bytes b, build_empty(filler_base_, filler_last_, filler_epoch_, records::kNoProducerId,
                           records::kNoProducerEpoch, records::kNoSequence));
  append_bytes(out, b);
  filler_base_ = filler_last_ = -1;
  return Status::ok();
}

Status SegmentRewriter::finish(Bytes& out) { return flush_filler(out); }

Result<records::DecodedBatch> decode_cleanable(ByteSpan batch) {
  const records::BatchCheckResult checked = records::check_batch(batch, batch.size());
  if (checked.check != records::BatchCheck::kValid) return corruption(checked.status.message());
  records::ReadOptions ro;
  ro.verify_crc = false;  // check_batch did
  auto decoded = records::decode_batch(batch, ro);
  if (!decoded.is_ok()) return corruption(decoded.status().message());
  // Rebuilding a batch whose record offsets do not rise would produce one no reader accepts;
  // Kafka's cleaner fails the whole log on one, here it is skipped.
  int32_t previous_delta = -1;
  for (const records::Record& r : decoded->records) {
    if (r.offset_delta <= previous_delta || r.offset_delta > checked.header.last_offset_delta) {
      return corruption("record offsets do not rise within the batch");
    }
    previous_delta = r.offset_delta;
  }
  return decoded;
}

Status SegmentRewriter::add(ByteSpan batch, bool producer_last, Bytes& out) {
  const BatchHeader h = records::read_batch_header(batch.data());
  ++stats_->batches_read;
  // A filler run stops at a new leader epoch (the epoch cache learns epochs from batches) and
  // before its offsets would overflow a batch's int32 last offset delta.
  if (filler_base_ >= 0 &&
      (h.partition_leader_epoch != filler_epoch_ || h.last_offset() - filler_base_ > INT32_MAX)) {
    EDDY_RETURN_IF_ERROR(flush_filler(out));
  }
  auto decoded = decode_cleanable(batch);
  if (!decoded.is_ok()) {
    ++stats_->corrupt_batches;
    extend_filler(h);
    return decoded.status();
  }
  // The seam for transactions: transactional and control batches are kept whole until the
  // cleaner knows the transaction index (aborted data, markers past their horizon).
  if (h.is_control() || h.is_transactional()) {
    EDDY_RETURN_IF_ERROR(flush_filler(out));
    stats_->records_read += h.records_count;
    stats_->records_kept += h.records_count;
    append_bytes(out, batch);
    return Status::ok();
  }
  const bool horizon_set = (h.attributes & records::kDeleteHorizonBit) != 0;
  const bool drop_tombstones = horizon_set && ctx_.now_ms >= h.base_timestamp;
  // Every key's slot is asked for before the first is read (OffsetMap::KeyHash).
  key_hashes_.clear();
  for (const records::Record& r : decoded->records) {
    if (!r.key) continue;
    key_hashes_.push_back(OffsetMap::hash(*r.key));
    map_.prefetch(key_hashes_.back());
  }
  std::vector<const records::Record*> kept;
  bool tombstone_kept = false;
  size_t next_hash = 0;
  for (const records::Record& r : decoded->records) {
    ++stats_->records_read;
    // Kafka removes a record without a key from a compacted log (produce refuses one; it can be
    // there from before the policy changed).
    bool keep = r.key.has_value();
    if (keep) {
      auto latest = map_.get(key_hashes_[next_hash++]);
      keep = !latest || *latest <= r.offset;
    }
    if (keep && !r.value) {
      if (drop_tombstones) {
        keep = false;
        ++stats_->tombstones_removed;
      } else {
        tombstone_kept = true;
      }
    }
    if (keep) kept.push_back(&r);
  }
  stats_->records_kept += static_cast<int64_t>(kept.size());
  std::optional<int64_t> horizon;
  if (tombstone_kept) {
    horizon = horizon_set ? h.base_timestamp : ctx_.now_ms + ctx_.delete_retention_ms;
    stats_->next_delete_horizon_ms = std::min(stats_->next_delete_horizon_ms, *horizon);
  }
  if (kept.empty()) {
    if (!producer_last || h.producer_id == records::kNoProducerId) {
      extend_filler(h);
      return Status::ok();
    }
    // The producer's last batch keeps its sequence numbers for the idempotent-producer state.
    EDDY_RETURN_IF_ERROR(flush_filler(out));
    EDDY_ASSIGN_OR_RETURN(Bytes b,
                          build_empty(h.base_offset, h.last_offset(), h.partition_leader_epoch,
                                      h.producer_id, h.producer_epoch, h.base_sequence));
    append_bytes(out, b);
    return Status::ok();
  }
  EDDY_RETURN_IF_ERROR(flush_filler(out));
  if (kept.size() == decoded->records.size() && horizon_set == horizon.has_value()) {
    append_bytes(out, batch);  // nothing changes: the original bytes, codec and all
    return Status::ok();
  }
  records::BatchOptions o;
  o.compression = h.compression();
  o.timestamp_type = h.timestamp_type();
  o.log_append_time_ms = h.max_timestamp;
  o.base_offset = h.base_offset;
  o.partition_leader_epoch = h.partition_leader_epoch;
  o.producer_id = h.producer_id;
  o.producer_epoch = h.producer_epoch;
  o.base_sequence = h.base_sequence;
  o.last_offset_delta = h.last_offset_delta;
  o.delete_horizon_ms = horizon;
  records::BatchBuilder builder(o);
  for (const records::Record* r : kept) {
    builder.append_at(r->offset_delta, r->timestamp, r->key, r->value, r->headers);
  }
  EDDY_ASSIGN_OR_RETURN(Bytes b, builder.build());
  append_bytes(out, b);
  return Status::ok();
}

// ---- reading a sealed segment batch by batch ----

namespace {

// The smallest read window and write buffer, whatever log.cleaner.io.buffer.size says.
constexpr size_t kMinBufferBytes = 4096;

// Whole batches of one sealed segment in order, through a window buffer, with the framing a read
// checks (magic, a length inside the file, offsets contiguous from the segment's base).
class SegmentBatches {
 public:
  SegmentBatches(const File& f, uint64_t size, int64_t base, uint64_t max_batch, IoThrottle* t,
                 size_t window_bytes)
      : f_(f),
        size_(size),
        next_offset_(base),
        max_batch_(max_batch),
        throttle_(t),
        window_bytes_(window_bytes) {}

  // The next batch, an empty span at the end; kCorruption for framing damage.
  Result<ByteSpan> next() {
    if (pos_ >= size_) return ByteSpan();
    EDDY_RETURN_IF_ERROR(ensure(records::kBatchHeaderSize));
    BatchHeader h = records::read_batch_header(at());
    uint64_t n = h.size_bytes();
    if (h.magic != records::kMagicV2 ||
        h.batch_length < static_cast<int32_t>(records::kBatchHeaderSize - records::kLogOverhead) ||
        n > max_batch_ || pos_ + n > size_ || h.last_offset_delta < 0 ||
        h.base_offset != next_offset_) {
      return corruption("batch header at position " + std::to_string(pos_) +
                        " does not continue the segment (expected offset " +
                        std::to_string(next_offset_) + ")");
    }
    EDDY_RETURN_IF_ERROR(ensure(n));
    ByteSpan out(at(), n);
    header_ = h;
    pos_ += n;
    next_offset_ = h.next_offset();
    return out;
  }
  const BatchHeader& header() const { return header_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  const uint8_t* at() const { return buf_.data() + (pos_ - buf_start_); }
  Status ensure(uint64_t n) {
    if (pos_ >= buf_start_ && pos_ + n <= buf_start_ + buf_.size()) return Status::ok();
    uint64_t want = std::min<uint64_t>(std::max<uint64_t>(n, window_bytes_), size_ - pos_);
    if (want < n) return corruption("segment ends inside a batch at " + std::to_string(pos_));
    buf_.resize(want);
    buf_start_ = pos_;
    EDDY_RETURN_IF_ERROR(f_.read_at(pos_, MutableByteSpan(buf_)));
    bytes_read_ += want;
    if (throttle_ != nullptr) throttle_->charge(want);
    return Status::ok();
  }

  const File& f_;
  const uint64_t size_;
  int64_t next_offset_;
  const uint64_t max_batch_;
  IoThrottle* throttle_;
  const size_t window_bytes_;
  uint64_t pos_ = 0;
  Bytes buf_;
  uint64_t buf_start_ = 0;
  uint64_t bytes_read_ = 0;
  BatchHeader header_;
};

std::string log_path(const PartitionLog& log, const LogSegment& s) {
  return LogSegment::file_prefix(log.dir(), s.base_offset()) + kLogSuffix;
}

// Segments at or after `from`'s segment, below `upper`, from `segs`.
int64_t uncleanable_from(const std::vector<std::shared_ptr<LogSegment>>& segs, const LogConfig& cfg,
                         int64_t now_ms) {
  if (segs.empty()) return -1;
  int64_t upper = segs.back()->next_offset();
  if (cfg.min_compaction_lag_ms > 0) {
    for (const auto& s : segs) {
      if (s->max_timestamp() > now_ms - cfg.min_compaction_lag_ms) return s->base_offset();
    }
  }
  return upper;
}

}  // namespace

// ---- Cleaner ----

Cleaner::Cleaner(uint64_t map_bytes, double load_factor, IoThrottle* throttle, Clock* clock,
                 std::function<void(const std::string&, const CleanerCorruption&)> on_corrupt,
                 const std::atomic<bool>* stop, uint64_t io_buffer_bytes)
    : map_(map_bytes, load_factor),
      window_bytes_(std::max<size_t>(io_buffer_bytes / 2, kMinBufferBytes)),
      throttle_(throttle),
      clock_(clock),
      on_corrupt_(std::move(on_corrupt)),
      stop_(stop) {}

Result<CleanStats> Cleaner::clean(PartitionLog& log) {
  // The map lives for one pass: between passes (and on a broker with no compacted log at all)
  // the dedupe buffer costs no memory.
  struct ReleaseMap {
    OffsetMap& map;
    ~ReleaseMap() { map.release(); }
  } release_map{map_};
  CleanStats stats;
  const LogConfig cfg = log.config();
  const int64_t now = clock_->wall_ms();
  std::vector<std::shared_ptr<LogSegment>> segs = log.cleanable_segments();
  const int64_t first_dirty = log.first_dirty_offset().value();
  stats.first_dirty_before = stats.first_dirty_after = first_dirty;
  const int64_t upper = uncleanable_from(segs, cfg, now);
  while (!segs.empty() && segs.back()->base_offset() >= upper) segs.pop_back();
  if (segs.empty()) return stats;
  const uint64_t max_batch = static_cast<uint64_t>(kMaxSegmentBytes);

  // Step 2: the offset map over the dirty section, as far as it holds. The same walk notes the
  // last batch of each producer id (step 3 keeps it), so the dirty section is read twice in all
  // (here and to rewrite it), as in Kafka's cleaner.
  map_.clear();
  int64_t end = std::max(first_dirty, segs.front()->base_offset());
  std::unordered_map<int64_t, int64_t> producer_last;
  auto note_producer = [&producer_last](const BatchHeader& h) {
    if (h.producer_id == records::kNoProducerId) return;
    int64_t& last = producer_last[h.producer_id];
    last = std::max(last, h.base_offset);
  };
  // The keys of one batch, put only once the whole batch decoded: a batch that turns out corrupt
  // half way (the rewrite drops it) must not take the place of an older record of its keys. Each
  // key's slot is prefetched when the key is read, so by the puts the slots are on their way.
  std::vector<std::pair<OffsetMap::KeyHash, int64_t>> batch_keys;
  bool full = false;
  for (const auto& s : segs) {
    if (full) break;
    if (s->next_offset() <= first_dirty) continue;
    EDDY_ASSIGN_OR_RETURN(File f, File::open(log_path(log, *s), /*create=*/false));
    SegmentBatches batches(f, s->size(), s->base_offset(), max_batch, throttle_, window_bytes_);
    while (true) {
      if (stopping()) return Status(StatusCode::kCancelled, "the cleaner is stopping");
      EDDY_ASSIGN_OR_RETURN(ByteSpan b, batches.next());
      if (b.empty()) break;
      const BatchHeader& h = batches.header();
      if (full) {
        // The rest of the segment where the map stopped is rewritten too: its producers count.
        note_producer(h);
        continue;
      }
      if (h.last_offset() >= first_dirty &&
          !map_.has_room_for(static_cast<size_t>(std::max(h.records_count, 0)))) {
        if (map_.size() == 0) {
          return failed_precondition("log.cleaner.dedupe.buffer.size holds " +
                                     std::to_string(map_.max_entries()) +
                                     " keys, fewer than one batch of " + log.dir() + " has");
        }
        full = true;
        note_producer(h);
        continue;
      }
      note_producer(h);
      if (h.last_offset() < first_dirty) continue;
      end = h.next_offset();
      if (h.is_control()) continue;
      auto reader = records::BatchReader::open(b);  // the CRC too
      if (!reader.is_ok()) continue;                // the rewrite reports it
      batch_keys.clear();
      records::Record r;
      bool sound = true;
      while (true) {
        auto more = reader->next(r);
        if (!more.is_ok()) sound = false;
        if (!more.is_ok() || !*more) break;
        if (!r.key) continue;
        batch_keys.emplace_back(OffsetMap::hash(*r.key), r.offset);
        map_.prefetch(batch_keys.back().first);
      }
      if (!sound) continue;
      for (const auto& [key, offset] : batch_keys) map_.put(key, offset);
    }
    stats.bytes_read += batches.bytes_read();
  }
  stats.map_entries = static_cast<int64_t>(map_.size());

  // Step 3: every segment below where the map stopped, grouped up to segment.bytes.
  std::vector<std::shared_ptr<LogSegment>> sources;
  for (const auto& s : segs) {
    if (s->base_offset() < end) sources.push_back(s);
  }
  if (sources.empty()) return stats;
  // The clean section's producers (a header walk of what earlier passes wrote: the step 2 walk
  // began at the first dirty segment).
  for (const auto& s : sources) {
    if (s->next_offset() > first_dirty) break;
    EDDY_ASSIGN_OR_RETURN(File f, File::open(log_path(log, *s), /*create=*/false));
    SegmentBatches batches(f, s->size(), s->base_offset(), max_batch, throttle_, window_bytes_);
    while (true) {
      EDDY_ASSIGN_OR_RETURN(ByteSpan b, batches.next());
      if (b.empty()) break;
      note_producer(batches.header());
    }
    stats.bytes_read += batches.bytes_read();
  }
  // Kafka keeps an emptied batch only when it is its producer's last in the whole log: a later
  // batch of the producer (dirty, or in the active segment) holds the sequence state instead.
  // A walk that stops early (a truncation cut the active segment under it) keeps more, never
  // fewer.
  bool walked = true;
  for (const auto& s : log.segments_from(sources.back()->next_offset())) {
    if (producer_last.empty() || !walked) break;
    if (s->base_offset() < sources.back()->next_offset()) continue;
    auto f = File::open(log_path(log, *s), /*create=*/false);
    if (!f.is_ok()) break;
    SegmentBatches batches(*f, s->size(), s->base_offset(), max_batch, throttle_, window_bytes_);
    while (true) {
      if (stopping()) return Status(StatusCode::kCancelled, "the cleaner is stopping");
      auto b = batches.next();
      walked = b.is_ok();
      if (!walked || b->empty()) break;
      producer_last.erase(batches.header().producer_id);
    }
    stats.bytes_read += batches.bytes_read();
  }
  SegmentRewriter::Context ctx{now, cfg.delete_retention_ms};
  size_t i = 0;
  while (i < sources.size()) {
    size_t j = i;
    uint64_t group_bytes = 0;
    while (j < sources.size() &&
           (j == i ||
            (group_bytes + sources[j]->size() <= static_cast<uint64_t>(cfg.segment_bytes) &&
             sources[j]->next_offset() - sources[i]->base_offset() - 1 <= kMaxRelativeOffset))) {
      group_bytes += sources[j]->size();
      ++j;
    }
    std::vector<std::shared_ptr<LogSegment>> group(sources.begin() + i, sources.begin() + j);
    i = j;
    const std::string cleaned = log.cleaned_log_path(group.front()->base_offset());
    EDDY_ASSIGN_OR_RETURN(File out_file, File::open(cleaned, /*create=*/true, log.faults()));
    EDDY_RETURN_IF_ERROR(out_file.truncate(0));
    uint64_t written = 0;
    Bytes out;
    auto drain = [&]() -> Status {
      if (out.empty()) return Status::ok();
      if (written + out.size() > static_cast<uint64_t>(kMaxSegmentBytes)) {
        return internal_error("cleaned segment outgrew its sources");
      }
      EDDY_RETURN_IF_ERROR(out_file.write_at(written, out));
      if (throttle_ != nullptr) throttle_->charge(out.size());
      written += out.size();
      out.clear();
      return Status::ok();
    };
    SegmentRewriter rewriter(map_, ctx, &stats);
    Status st = Status::ok();
    for (const auto& s : group) {
      EDDY_ASSIGN_OR_RETURN(File f, File::open(log_path(log, *s), /*create=*/false));
      SegmentBatches batches(f, s->size(), s->base_offset(), max_batch, throttle_, window_bytes_);
      while (st.is_ok()) {
        if (stopping()) {
          st = Status(StatusCode::kCancelled, "the cleaner is stopping");
          break;
        }
        auto b = batches.next();
        if (!b.is_ok()) {
          st = b.status();
          break;
        }
        if (b->empty()) break;
        const BatchHeader& h = batches.header();
        auto pl = producer_last.find(h.producer_id);
        bool last = pl != producer_last.end() && pl->second == h.base_offset;
        Status added = rewriter.add(*b, last, out);
        if (added.code() == StatusCode::kCorruption && on_corrupt_) {
          on_corrupt_(log.dir(),
                      {log_path(log, *s), h.base_offset, h.last_offset(), added.message()});
        } else if (!added.is_ok() && added.code() != StatusCode::kCorruption) {
          st = added;
        }
        if (st.is_ok() && out.size() >= window_bytes_) st = drain();
      }
      stats.bytes_read += batches.bytes_read();
      if (!st.is_ok()) break;
    }
    if (st.is_ok()) st = rewriter.finish(out);
    if (st.is_ok()) st = drain();
    if (st.is_ok()) st = out_file.sync();
    out_file.close();
    if (!st.is_ok()) {
      (void)remove_file(cleaned);
      return st;
    }
    if (log.faults() != nullptr) log.faults()->crash_point("cleaned");
    EDDY_RETURN_IF_ERROR(log.swap_cleaned(group));
    stats.bytes_written += written;
    stats.segments_in += static_cast<int64_t>(group.size());
    ++stats.segments_out;
  }
  // Step 4: the next pass starts where the map stopped.
  EDDY_RETURN_IF_ERROR(log.set_first_dirty_offset(Offset(end)));
  stats.first_dirty_after = end;
  return stats;
}

// ---- which log ----

CleanableView cleanable_view(const PartitionLog& log, int64_t now_ms) {
  CleanableView v;
  const LogConfig cfg = log.config();
  std::vector<std::shared_ptr<LogSegment>> segs = log.cleanable_segments();
  v.first_dirty = log.first_dirty_offset().value();
  v.first_uncleanable = uncleanable_from(segs, cfg, now_ms);
  for (const auto& s : segs) {
    if (s->base_offset() >= v.first_uncleanable) break;
    if (s->next_offset() <= v.first_dirty) {
      v.clean_bytes += s->size();
    } else {
      v.dirty_bytes += s->size();
      // Kafka measures the lag from the dirty section's first batch; a segment's creation (its
      // file's mtime after a restart) is the closest the log keeps.
      if (now_ms - s->created_ms() > cfg.max_compaction_lag_ms) v.max_lag_passed = true;
    }
  }
  return v;
}

Result<int64_t> earliest_delete_horizon(const PartitionLog& log, IoThrottle* throttle) {
  int64_t earliest = INT64_MAX;
  const int64_t first_dirty = log.first_dirty_offset().value();
  for (const auto& s : log.cleanable_segments()) {
    if (s->next_offset() > first_dirty) break;
    EDDY_ASSIGN_OR_RETURN(File f, File::open(log_path(log, *s), /*create=*/false));
    SegmentBatches batches(f, s->size(), s->base_offset(), static_cast<uint64_t>(kMaxSegmentBytes),
                           throttle, size_t{1} << 20);
    while (true) {
      EDDY_ASSIGN_OR_RETURN(ByteSpan b, batches.next());
      if (b.empty()) break;
      const BatchHeader& h = batches.header();
      if ((h.attributes & records::kDeleteHorizonBit) != 0 && h.records_count > 0) {
        earliest = std::min(earliest, h.base_timestamp);
      }
    }
  }
  return earliest;
}

LogCleaner::LogCleaner(CleanerOptions options, LogSource logs)
    : options_(std::move(options)),
      logs_(std::move(logs)),
      throttle_(options_.io_max_bytes_per_second, options_.clock) {}

LogCleaner::~LogCleaner() { stop(); }

uint64_t LogCleaner::io_buffer_bytes_per_thread() const {
  return options_.io_buffer_bytes / static_cast<uint64_t>(std::max(options_.threads, 1));
}

uint64_t LogCleaner::map_bytes_per_thread() const {
  return options_.dedupe_buffer_bytes / static_cast<uint64_t>(std::max(options_.threads, 1));
}

void LogCleaner::start() {
  std::lock_guard life(lifecycle_mu_);
  start_threads();
}

void LogCleaner::start_threads() {
  if (stopped_ || !options_.enable || !threads_.empty()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  stop_flag_ = false;
  for (int i = 0; i < std::max(options_.threads, 1); ++i) {
    threads_.emplace_back([this, i] { thread_loop(i); });
  }
}

void LogCleaner::stop_threads() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_flag_ = true;
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void LogCleaner::stop() {
  std::lock_guard life(lifecycle_mu_);
  stopped_ = true;
  stop_threads();
}

void LogCleaner::reconfigure(const CleanerOptions& options) {
  std::lock_guard life(lifecycle_mu_);
  // Before start() the settings wait for it; after stop() nothing starts again.
  const bool running = !threads_.empty();
  stop_threads();
  options_.take_reconfigurable(options);
  throttle_.set_rate(options.io_max_bytes_per_second);
  if (running) start_threads();
}

CleanerOptions LogCleaner::options() const {
  std::lock_guard life(lifecycle_mu_);
  return options_;
}

size_t LogCleaner::running_threads() const {
  std::lock_guard life(lifecycle_mu_);
  return threads_.size();
}

void LogCleaner::wake() { cv_.notify_all(); }

CleanStats LogCleaner::totals() const {
  std::lock_guard lock(mu_);
  return totals_;
}

std::vector<std::shared_ptr<PartitionLog>> LogCleaner::uncleanable_logs() const {
  std::set<std::string> dirs;
  {
    std::lock_guard lock(mu_);
    dirs = uncleanable_;
  }
  std::vector<std::shared_ptr<PartitionLog>> out;
  if (dirs.empty()) return out;
  for (const auto& log : logs_()) {
    if (dirs.count(log->dir()) != 0) out.push_back(log);
  }
  return out;
}

std::shared_ptr<PartitionLog> LogCleaner::grab_dirtiest() {
  int64_t now = options_.clock->wall_ms();
  std::shared_ptr<PartitionLog> best;
  double best_ratio = -1;
  std::lock_guard lock(mu_);
  for (const auto& log : logs_()) {
    LogConfig cfg = log->config();
    if (!cfg.cleanup_compact || log->has_damage()) continue;
    if (in_progress_.count(log->dir()) || uncleanable_.count(log->dir())) continue;
    CleanableView v = cleanable_view(*log, now);
    auto h = next_horizon_.find(log->dir());
    bool horizon_due = h != next_horizon_.end() && now >= h->second && v.clean_bytes > 0;
    bool due = (v.dirty_bytes > 0 &&
                (v.dirty_ratio() >= cfg.min_cleanable_dirty_ratio || v.max_lag_passed)) ||
               horizon_due;
    if (!due) continue;
    // A log past max.compaction.lag.ms goes first, then the dirtiest (Kafka's order).
    double ratio = v.dirty_ratio() + (v.max_lag_passed ? 2.0 : 0.0) + (horizon_due ? 1.0 : 0.0);
    if (ratio > best_ratio) {
      best_ratio = ratio;
      best = log;
    }
  }
  if (best) in_progress_.insert(best->dir());
  return best;
}

void LogCleaner::learn_delete_horizons() {
  for (const auto& log : logs_()) {
    if (!log->config().cleanup_compact) continue;
    {
      std::lock_guard lock(mu_);
      // A log being cleaned learns its horizon from the pass.
      if (horizon_known_.count(log->dir()) || in_progress_.count(log->dir())) continue;
      in_progress_.insert(log->dir());
    }
    // Outside the lock: a walk of the clean section. A failure (damage, a swap under it) leaves
    // the horizon unknown: the log's next pass sets it.
    Result<int64_t> h = earliest_delete_horizon(*log, &throttle_);
    std::lock_guard lock(mu_);
    in_progress_.erase(log->dir());
    horizon_known_.insert(log->dir());
    if (h.is_ok() && *h != INT64_MAX) {
      auto [it, inserted] = next_horizon_.emplace(log->dir(), *h);
      if (!inserted) it->second = std::min(it->second, *h);
    }
  }
}

Result<bool> LogCleaner::clean_dirtiest(Cleaner& cleaner) {
  learn_delete_horizons();
  std::shared_ptr<PartitionLog> log = grab_dirtiest();
  if (!log) return false;
  Result<CleanStats> r = cleaner.clean(*log);
  std::lock_guard lock(mu_);
  in_progress_.erase(log->dir());
  if (!r.is_ok()) {
    // Framing damage, or a batch larger than the map: no later pass can do better.
    if (r.status().code() == StatusCode::kCorruption ||
        r.status().code() == StatusCode::kFailedPrecondition) {
      uncleanable_.insert(log->dir());
    }
    return Status(r.status().code(), log->dir() + ": " + r.status().message());
  }
  passes_++;
  horizon_known_.insert(log->dir());
  if (r->next_delete_horizon_ms == INT64_MAX) {
    next_horizon_.erase(log->dir());
  } else {
    next_horizon_[log->dir()] = r->next_delete_horizon_ms;
  }
  CleanStats& t = totals_;
  t.bytes_read += r->bytes_read;
  t.bytes_written += r->bytes_written;
  t.batches_read += r->batches_read;
  t.records_read += r->records_read;
  t.records_kept += r->records_kept;
  t.tombstones_removed += r->tombstones_removed;
  t.corrupt_batches += r->corrupt_batches;
  t.segments_in += r->segments_in;
  t.segments_out += r->segments_out;
  return true;
}

void LogCleaner::thread_loop(int index) {
  // Kafka's kafka-log-cleaner-thread-N, in the 15 bytes Linux keeps: what `top -H` and a test
  // counting /proc/<pid>/task/*/comm see.
  pthread_setname_np(pthread_self(),
                     ("log-cleaner-" + std::to_string(index)).substr(0, 15).c_str());
  Cleaner cleaner(map_bytes_per_thread(), options_.io_buffer_load_factor, &throttle_,
                  options_.clock, options_.on_corrupt, &stop_flag_, io_buffer_bytes_per_thread());
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    Result<bool> r = clean_dirtiest(cleaner);
    if (!r.is_ok() && r.status().code() != StatusCode::kCancelled && options_.on_error) {
      options_.on_error("", r.status());
    }
    if (r.is_ok() && *r) continue;  // more may be due
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(options_.backoff_ms),
                 [this] { return stopping_; });
    if (stopping_) return;
  }
}

}  // namespace eddy::log
