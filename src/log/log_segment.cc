#include "log/log_segment.h"

#include <sys/stat.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "log/log_format.h"

namespace eddy::log {

namespace {

// Tracks when the next index entries are due, the same way for appends and rebuilds (Kafka's
// rule: an entry for a batch when more than index.interval.bytes were appended since the last
// one, recorded at that batch's position, before counting the batch itself).
struct IndexCadence {
  int64_t bytes_since_entry = 0;
  int64_t max_timestamp = -1;
  int64_t offset_of_max_timestamp = -1;

  void add(const BatchInfo& b, uint64_t position, int64_t interval_bytes,
           std::optional<IndexEntry> last_time_entry, std::vector<IndexEntry>* offsets,
           std::vector<IndexEntry>* times) {
    if (b.max_timestamp > max_timestamp) {
      max_timestamp = b.max_timestamp;
      offset_of_max_timestamp = b.last_offset;
    }
    if (bytes_since_entry > interval_bytes) {
      offsets->push_back({b.last_offset, static_cast<int64_t>(position)});
      const IndexEntry* prev =
          !times->empty() ? &times->back() : (last_time_entry ? &*last_time_entry : nullptr);
      IndexEntry t{max_timestamp, offset_of_max_timestamp};
      if (max_timestamp >= 0 && (prev == nullptr || TimeIndexCodec::ordered(*prev, t))) {
        times->push_back(t);
      }
      bytes_since_entry = 0;
    }
    bytes_since_entry += b.size_bytes;
  }
};

BatchInfo info_of(const records::BatchHeader& h) {
  return {h.base_offset, h.last_offset(), h.max_timestamp, static_cast<uint32_t>(h.size_bytes())};
}

size_t max_index_entries(uint64_t log_size) { return log_size / records::kBatchHeaderSize + 1; }

// What zero_fill() writes from: static, so filling costs no allocation.
const uint8_t kZeros[kZeroFillPieceBytes] = {};

// Whether [from, end) of the file holds only zero bytes: a preallocated tail, not damage. Reads
// windows of kZeroCheckWindowBytes at most, whatever the file's size claims.
Result<bool> all_zero(const File& f, uint64_t from, uint64_t end) {
  Bytes window(static_cast<size_t>(std::min<uint64_t>(kZeroCheckWindowBytes, end - from)));
  // Bounded: each pass moves `from` forward by a whole window, or stops at the file's end.
  while (from < end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(window.size(), end - from));
    EDDY_ASSIGN_OR_RETURN(size_t got, f.read_some_at(from, MutableByteSpan(window.data(), want)));
    if (got == 0) break;
    if (std::any_of(window.begin(), window.begin() + static_cast<ptrdiff_t>(got),
                    [](uint8_t b) { return b != 0; })) {
      return false;
    }
    from += got;
  }
  return true;
}

// Damage met at the header after a batch may be that batch's own length, wrong but still inside
// the file: framing cannot tell, its CRC can. Only on this rare path is a batch read whole.
Result<SegmentDamage> blame_previous(const File& f, uint64_t prev_pos, int64_t prev_base,
                                     uint64_t end, uint64_t max_batch_bytes, SegmentDamage next) {
  BatchScanner sc(f, prev_pos, end, records::kBatchHeaderSize, max_batch_bytes);
  EDDY_ASSIGN_OR_RETURN(ScanStep step, sc.next_full());
  if (step == ScanStep::kBatch) return next;
  return SegmentDamage{prev_base, prev_pos, sc.why() + " (the header after it did not parse)"};
}

}  // namespace

std::string LogSegment::file_prefix(const std::string& dir, int64_t base_offset) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020" PRId64, base_offset);
  return dir + "/" + name;
}

std::optional<int64_t> LogSegment::parse_log_file_name(const std::string& name) {
  std::string_view suffix = kLogSuffix;
  if (name.size() != kFileNameDigits + suffix.size() ||
      name.compare(kFileNameDigits, suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  int64_t v = 0;
  for (int i = 0; i < kFileNameDigits; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

LogSegment::LogSegment(const Env& env, int64_t base_offset)
    : env_(env),
      base_offset_(base_offset),
      log_file_(file_prefix(env.dir, base_offset) + kLogSuffix, env.budget, env.faults),
      offset_index_(file_prefix(env.dir, base_offset) + kIndexSuffix, base_offset, env.budget,
                    env.faults),
      time_index_(file_prefix(env.dir, base_offset) + kTimeIndexSuffix, base_offset, env.budget,
                  env.faults),
      next_offset_(base_offset) {}

LogSegment::~LogSegment() {
  if (env_.preallocation_budget != nullptr) env_.preallocation_budget->give_back(budget_held_);
  if (deleted_.load()) (void)delete_files();
}

Status LogSegment::delete_files() {
  Status s = remove_file(log_file_.path());
  Status si = remove_file(offset_index_.path());
  Status st = remove_file(time_index_.path());
  if (!s.is_ok()) return s;
  return si.is_ok() ? st : si;
}

Result<std::shared_ptr<LogSegment>> LogSegment::create(const Env& env, int64_t base_offset,
                                                       int64_t now_ms) {
  std::shared_ptr<LogSegment> seg(new LogSegment(env, base_offset));
  EDDY_ASSIGN_OR_RETURN(auto f, seg->log_file_.get(/*create=*/true));
  EDDY_RETURN_IF_ERROR(truncate_if_not_empty(*f));
  EDDY_RETURN_IF_ERROR(seg->offset_index_.create());
  EDDY_RETURN_IF_ERROR(seg->time_index_.create());
  seg->created_ms_ = now_ms;
  seg->last_append_ms_ = now_ms;
  return seg;
}

namespace {
Result<uint64_t> checked_log_size(const File& f) {
  EDDY_ASSIGN_OR_RETURN(uint64_t size, f.size());
  if (size > static_cast<uint64_t>(kMaxSegmentBytes)) {
    return corruption(f.path() + " is " + std::to_string(size) + " bytes, over the u32 positions");
  }
  return size;
}

int64_t mtime_ms(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}
}  // namespace

Result<std::shared_ptr<LogSegment>> LogSegment::open(const Env& env, int64_t base_offset,
                                                     int64_t index_interval_bytes,
                                                     int* indexes_rebuilt) {
  std::shared_ptr<LogSegment> seg(new LogSegment(env, base_offset));
  EDDY_ASSIGN_OR_RETURN(auto f, seg->log_file_.get());
  EDDY_ASSIGN_OR_RETURN(uint64_t size, checked_log_size(*f));
  seg->size_ = size;
  seg->file_end_ = size;
  seg->created_ms_ = seg->last_append_ms_ = mtime_ms(seg->log_file_.path());
  Status loaded = seg->offset_index_.load(static_cast<int64_t>(size), max_index_entries(size));
  if (loaded.is_ok()) {
    loaded = seg->time_index_.load(base_offset + kMaxRelativeOffset + 1, max_index_entries(size));
  }
  if (loaded.is_ok()) {
    loaded = seg->load_tail(*f);
    auto t = seg->time_index_.last();
    if (loaded.is_ok() && t && t->value >= seg->next_offset()) {
      loaded = corruption("time index points past the log end");
    }
  }
  if (!loaded.is_ok()) {
    if (loaded.code() != StatusCode::kCorruption && loaded.code() != StatusCode::kNotFound) {
      return loaded;
    }
    // An index that does not describe the log is rebuilt from it; a log that does not parse is
    // the caller's to recover (it falls back to the full, CRC-checked scan).
    SegmentRecovery scan;
    EDDY_RETURN_IF_ERROR(
        seg->scan_rebuild(*f, index_interval_bytes, /*full_check=*/false, nullptr, &scan));
    if (scan.damaged) return corruption(scan.why);
    ++*indexes_rebuilt;
  }
  return seg;
}

Result<std::shared_ptr<LogSegment>> LogSegment::recover(const Env& env, int64_t base_offset,
                                                        int64_t index_interval_bytes,
                                                        const BatchVisitor& on_batch,
                                                        SegmentRecovery* out,
                                                        const DamageHook& before_cut) {
  std::shared_ptr<LogSegment> seg(new LogSegment(env, base_offset));
  EDDY_ASSIGN_OR_RETURN(auto f, seg->log_file_.get());
  EDDY_ASSIGN_OR_RETURN(uint64_t size, f->size());
  // A file past the u32 positions can only be damage; scan what positions can address.
  seg->size_ = std::min<uint64_t>(size, static_cast<uint64_t>(kMaxSegmentBytes));
  seg->created_ms_ = seg->last_append_ms_ = mtime_ms(seg->log_file_.path());
  EDDY_RETURN_IF_ERROR(
      seg->scan_rebuild(*f, index_interval_bytes, /*full_check=*/true, &on_batch, out));
  // Nothing but zeros from where the scan stopped to the end of the file is the preallocated
  // tail of a segment that was active when the process stopped: space, not a torn batch. A batch
  // torn into it, or anything non-zero after it, still counts as damage. So does a zero tail too
  // short to hold a batch's magic byte: it may be the start of a torn batch (its base offset's
  // high bytes), and is reported as such (the cut is the same either way).
  if (out->damaged && size - out->valid_bytes > static_cast<uint64_t>(records::kMagicPos)) {
    EDDY_ASSIGN_OR_RETURN(bool zeros, all_zero(*f, out->valid_bytes, size));
    if (zeros) {
      out->damaged = false;
      out->why.clear();
      out->preallocated_bytes = size - out->valid_bytes;
    }
  }
  if (out->damaged && before_cut) EDDY_RETURN_IF_ERROR(before_cut(*out, seg->next_offset()));
  if (out->valid_bytes < size) {
    if (out->preallocated_bytes == 0) out->truncated_bytes = size - out->valid_bytes;
    EDDY_RETURN_IF_ERROR(f->truncate(out->valid_bytes));
  }
  seg->file_end_ = out->valid_bytes;
  return seg;
}

Status LogSegment::scan_rebuild(const File& f, int64_t index_interval_bytes, bool full_check,
                                const BatchVisitor* on_batch, SegmentRecovery* out) {
  uint64_t end = size();
  BatchScanner sc(f, 0, end, full_check ? (1 << 20) : kScanWindowBytes, env_.max_batch_bytes);
  IndexCadence cadence;
  std::vector<IndexEntry> offsets, times;
  int64_t next = base_offset_;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(ScanStep step, full_check ? sc.next_full() : sc.next());
    if (step == ScanStep::kEnd) break;
    if (step != ScanStep::kBatch) {
      out->damaged = true;
      out->why = (step == ScanStep::kTorn ? "torn batch: " : "corrupt batch: ") + sc.why();
      break;
    }
    const records::BatchHeader& h = sc.header();
    // Offsets are contiguous from the segment's base: the leader assigns them so, a follower
    // checks it, and nothing compacts. The base offset lies outside the CRC, so this is what
    // catches a damaged one.
    if (h.base_offset != next || h.last_offset() - base_offset_ > kMaxRelativeOffset) {
      out->damaged = true;
      out->why = "corrupt batch: base offset " + std::to_string(h.base_offset) +
                 " out of sequence (expected " + std::to_string(next) + ") at position " +
                 std::to_string(sc.position());
      break;
    }
    cadence.add(info_of(h), sc.position(), index_interval_bytes, std::nullopt, &offsets, &times);
    if (on_batch != nullptr && *on_batch) (*on_batch)(h);
    next = h.next_offset();
    ++out->batches;
    sc.advance();
  }
  out->valid_bytes = sc.position();
  EDDY_RETURN_IF_ERROR(offset_index_.reset(std::move(offsets)));
  EDDY_RETURN_IF_ERROR(time_index_.reset(std::move(times)));
  bytes_since_index_entry_ = cadence.bytes_since_entry;
  max_timestamp_ = cadence.max_timestamp;
  offset_of_max_timestamp_ = cadence.offset_of_max_timestamp;
  size_.store(out->valid_bytes, std::memory_order_release);
  next_offset_.store(next, std::memory_order_release);
  index_suspect_ = false;
  return Status::ok();
}

Status LogSegment::rebuild_indexes(int64_t index_interval_bytes) {
  EDDY_ASSIGN_OR_RETURN(auto f, log_file_.get());
  SegmentRecovery scan;
  uint64_t before = size();
  int64_t next_before = next_offset();
  EDDY_RETURN_IF_ERROR(
      scan_rebuild(*f, index_interval_bytes, /*full_check=*/false, nullptr, &scan));
  // A rebuild never shrinks what readers may see: damage found here is served up to the
  // damage (reads stop at a bad header) and cut only by recovery.
  size_.store(before, std::memory_order_release);
  next_offset_.store(std::max(next_before, next_offset()), std::memory_order_release);
  return Status::ok();
}

Status LogSegment::load_tail(const File& f) {
  uint64_t end = size();
  auto last = offset_index_.last();
  uint64_t start = last ? static_cast<uint64_t>(last->value) : 0;
  BatchScanner sc(f, start, end, kScanWindowBytes, env_.max_batch_bytes);
  auto t = time_index_.last();
  int64_t max_ts = t ? t->key : -1;
  int64_t max_ts_offset = t ? t->value : -1;
  int64_t next = last ? last->key + 1 : base_offset_;
  bool first = true;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(ScanStep step, sc.next());
    if (step == ScanStep::kEnd) break;
    if (step != ScanStep::kBatch) return corruption(sc.why());
    const records::BatchHeader& h = sc.header();
    if (first && last && h.last_offset() != last->key) {
      return corruption("offset index entry does not point at its batch");
    }
    if ((!first || !last) && h.base_offset != next) {
      return corruption("batch offsets out of sequence at position " +
                        std::to_string(sc.position()));
    }
    first = false;
    if (h.max_timestamp > max_ts) {
      max_ts = h.max_timestamp;
      max_ts_offset = h.last_offset();
    }
    next = h.next_offset();
    sc.advance();
  }
  bytes_since_index_entry_ = static_cast<int64_t>(end - start);
  max_timestamp_ = max_ts;
  offset_of_max_timestamp_ = max_ts_offset;
  next_offset_.store(next, std::memory_order_release);
  return Status::ok();
}

int64_t LogSegment::retention_timestamp_ms() const {
  int64_t ts = max_timestamp();
  return ts >= 0 ? ts : last_append_ms_.load();
}

Status LogSegment::append(ByteSpan data, std::span<const BatchInfo> infos,
                          int64_t index_interval_bytes, int64_t now_ms) {
  EDDY_ASSIGN_OR_RETURN(auto f, log_file_.get());
  uint64_t start = size();
  uint64_t end = start + data.size();
  // Inside the zero-filled tail the write is an overwrite of blocks the file has, and needs no
  // lock: zero_fill writes only at or after file_end_, and every cut runs under the append lock
  // the caller holds. An append that extends the file takes the tail lock only while a zero-fill
  // may be running, which is never before zero-fill is enabled (under that same append lock).
  const bool extends = end > file_end();
  std::unique_lock tail_lock(tail_mu_, std::defer_lock);
  if (extends && zero_fill_enabled()) tail_lock.lock();
  Status s = f->write_at(start, data);
  if (!s.is_ok()) {
    // Cut back a partial write so the file ends on a batch boundary again (and any zero-filled
    // tail with it: a file that failed a write is not worth preallocating).
    if (!tail_lock.owns_lock()) tail_lock.lock();
    (void)cut_file_locked(*f, start);
    return s;
  }
  if (extends) file_end_.store(std::max(file_end_.load(), end), std::memory_order_release);
  if (tail_lock.owns_lock()) tail_lock.unlock();
  IndexCadence cadence{bytes_since_index_entry_, max_timestamp(), offset_of_max_timestamp_};
  // Writer-side scratch, reused: an append allocates nothing once they have grown.
  std::vector<IndexEntry>& offsets = offsets_scratch_;
  std::vector<IndexEntry>& times = times_scratch_;
  offsets.clear();
  times.clear();
  uint64_t pos = start;
  std::optional<IndexEntry> last_time_entry;
  bool last_time_entry_read = false;
  for (const BatchInfo& b : infos) {
    // The time index's last entry matters only when an entry is due: read it (a lock) then.
    if (!last_time_entry_read &&
        cadence.bytes_since_entry > static_cast<int64_t>(index_interval_bytes)) {
      last_time_entry = time_index_.last();
      last_time_entry_read = true;
    }
    cadence.add(b, pos, index_interval_bytes, last_time_entry, &offsets, &times);
    pos += b.size_bytes;
  }
  for (const IndexEntry& e : offsets) offset_index_.append(e);
  for (const IndexEntry& e : times) time_index_.append(e);
  bytes_since_index_entry_ = cadence.bytes_since_entry;
  offset_of_max_timestamp_ = cadence.offset_of_max_timestamp;
  max_timestamp_.store(cadence.max_timestamp, std::memory_order_release);
  last_append_ms_.store(now_ms, std::memory_order_relaxed);
  size_.store(start + data.size(), std::memory_order_release);
  next_offset_.store(infos.back().last_offset + 1, std::memory_order_release);
  return Status::ok();
}

Result<int64_t> LogSegment::truncate_to(int64_t offset) {
  EDDY_ASSIGN_OR_RETURN(auto f, log_file_.get());
  SegmentDamage damage;
  EDDY_ASSIGN_OR_RETURN(auto loc, locate(offset, *f, size(), &damage));
  if (damage.found()) return corruption("segment " + log_file_.path() + ": " + damage.why);
  if (!loc) return next_offset();
  uint64_t pos = loc->first;
  int64_t cut = loc->second.base_offset;
  // Publish the smaller size first so that readers stop short of the bytes about to go.
  size_.store(pos, std::memory_order_release);
  next_offset_.store(pos == 0 ? base_offset_ : cut, std::memory_order_release);
  {
    std::lock_guard lock(tail_mu_);
    EDDY_RETURN_IF_ERROR(cut_file_locked(*f, pos));
  }
  EDDY_RETURN_IF_ERROR(offset_index_.truncate_values_from(static_cast<int64_t>(pos)));
  EDDY_RETURN_IF_ERROR(time_index_.truncate_values_from(cut));
  EDDY_RETURN_IF_ERROR(load_tail(*f));
  return cut;
}

Status LogSegment::cut_file_locked(File& f, uint64_t size) {
  Status s = f.truncate(size);
  // Even a failed truncate may have cut: assume the smaller end, so that the next append past it
  // takes the tail lock and re-extends the file.
  file_end_.store(size, std::memory_order_release);
  settle_budget_locked();
  return s;
}

void LogSegment::settle_budget_locked() {
  if (env_.preallocation_budget == nullptr) return;
  uint64_t tail = preallocated_bytes();
  if (budget_held_ > tail) {
    env_.preallocation_budget->give_back(budget_held_ - tail);
    budget_held_ = tail;
  }
}

Result<bool> LogSegment::zero_fill(uint64_t ahead, uint64_t limit) {
  EDDY_ASSIGN_OR_RETURN(auto f, log_file_.get());
  const uint64_t target = std::min(size() + ahead, limit);
  uint64_t first = UINT64_MAX;
  bool wrote = false;
  // Bounded: each piece moves file_end_ towards the fixed target.
  while (true) {
    std::lock_guard lock(tail_mu_);
    uint64_t from = file_end_.load();
    if (tail_closed_ || !zero_fill_enabled() || from >= target) break;
    uint64_t n = std::min<uint64_t>(kZeroFillPieceBytes, target - from);
    settle_budget_locked();
    // A spent budget stops the tail where it is: appends past it grow the file as without one.
    if (env_.preallocation_budget != nullptr && !env_.preallocation_budget->try_take(n)) break;
    Status s = f->write_at(from, ByteSpan(kZeros, static_cast<size_t>(n)));
    if (!s.is_ok()) {
      if (env_.preallocation_budget != nullptr) env_.preallocation_budget->give_back(n);
      (void)cut_file_locked(*f, from);
      return s;
    }
    budget_held_ += n;
    file_end_.store(from + n, std::memory_order_release);
    first = std::min(first, from);
    wrote = true;
  }
  // On its way to the disk while appends go on, so that the next flush's fdatasync finds little
  // of it left to write. Only a hint: a failure shows at that fdatasync.
  if (wrote) (void)f->start_writeback(first, target - first);
  return wrote;
}

Result<bool> LogSegment::trim_tail() {
  std::lock_guard lock(tail_mu_);
  tail_closed_ = true;
  uint64_t end = size();
  if (file_end_.load() <= end) {
    settle_budget_locked();
    return false;
  }
  EDDY_ASSIGN_OR_RETURN(auto f, log_file_.get());
  EDDY_RETURN_IF_ERROR(cut_file_locked(*f, end));
  return true;
}

Status LogSegment::seal() {
  int64_t ts = max_timestamp();
  if (ts < 0) return Status::ok();
  IndexEntry e{ts, offset_of_max_timestamp_};
  auto last = time_index_.last();
  if (!last || TimeIndexCodec::ordered(*last, e)) time_index_.append(e);
  return Status::ok();
}

Status LogSegment::flush(bool with_indexes) {
  EDDY_ASSIGN_OR_RETURN(auto f, log_file_.get());
  EDDY_RETURN_IF_ERROR(f->sync());
  if (with_indexes) persist_indexes(/*sync=*/true);
  return Status::ok();
}

Status LogSegment::retire() {
  EDDY_RETURN_IF_ERROR(log_file_.pin());
  retired_.store(true);
  return Status::ok();
}

void LogSegment::persist_indexes(bool sync) {
  if (retired_.load()) return;
  // The data is what is durable; an index that fails to reach the disk is retried by the next
  // call and otherwise rebuilt or rescanned later (any prefix of it is valid), so its errors
  // fail nothing.
  (void)offset_index_.persist(sync);
  (void)time_index_.persist(sync);
}

Result<LogSegment::Located> LogSegment::locate(int64_t offset, const File& f, uint64_t end,
                                               SegmentDamage* damage) const {
  auto hint = offset_index_.floor(offset, /*inclusive=*/true);
  if (hint && static_cast<uint64_t>(hint->value) >= end) hint.reset();
  uint64_t start = hint ? static_cast<uint64_t>(hint->value) : 0;
  // At most two passes: from the hint, and from 0 when the hint proved wrong.
  for (int pass = 0; pass < 2; ++pass) {
    BatchScanner sc(f, start, end, kLocateWindowBytes, env_.max_batch_bytes);
    bool check_hint = hint.has_value();
    // From position 0 the first batch starts at the segment's base; the batch an index entry
    // names is vouched for by its last offset (base + delta) matching the entry, and each later
    // one must start where the previous ended. A flipped base offset breaks one or the other.
    int64_t expect = base_offset_;
    std::optional<std::pair<uint64_t, int64_t>> prev;  // position and base of the batch before
    bool retry = false;
    while (true) {
      EDDY_ASSIGN_OR_RETURN(ScanStep step, sc.next());
      if (step == ScanStep::kEnd) return Located();
      if (step != ScanStep::kBatch || (check_hint && sc.header().last_offset() != hint->key)) {
        if (check_hint) {
          retry = true;
          break;
        }
        *damage = {expect, sc.position(), sc.why()};
      } else if (!check_hint && sc.header().base_offset != expect) {
        *damage = {expect, sc.position(),
                   "batch base offset " + std::to_string(sc.header().base_offset) + " where " +
                       std::to_string(expect) + " was expected at position " +
                       std::to_string(sc.position())};
      }
      if (damage->found()) {
        if (prev) {
          EDDY_ASSIGN_OR_RETURN(*damage, blame_previous(f, prev->first, prev->second, end,
                                                        env_.max_batch_bytes, *damage));
        }
        return Located();
      }
      const records::BatchHeader& h = sc.header();
      check_hint = false;
      if (h.last_offset() >= offset) return Located(std::make_pair(sc.position(), h));
      prev = std::make_pair(sc.position(), h.base_offset);
      expect = h.next_offset();
      sc.advance();
    }
    if (!retry) break;
    index_suspect_ = true;
    hint.reset();
    start = 0;
  }
  return Located();
}

Result<SegmentRead> LogSegment::read(int64_t offset, uint64_t max_bytes, int64_t upper_bound,
                                     bool min_one_batch, uint64_t skip_budget) const {
  SegmentRead out;
  EDDY_ASSIGN_OR_RETURN(out.file, log_file_.get());
  uint64_t end = size();
  EDDY_ASSIGN_OR_RETURN(auto loc, locate(offset, *out.file, end, &out.damage));
  if (out.damage.found()) return out;
  if (!loc) {
    out.past_end = true;
    return out;
  }
  out.position = loc->first;
  out.next_offset = offset;
  int64_t expect = loc->second.base_offset;
  // Every header of the run is walked before any of it is served (docs/storage.md, "What is
  // checked where"): bytes still go out by sendfile, only the headers pass through memory. A
  // window no bigger than what may still be returned: small fetches copy little; batches of
  // kLargeBatchBytes or more cost one header pread each.
  size_t window = static_cast<size_t>(std::clamp<uint64_t>(
      max_bytes + records::kBatchHeaderSize, records::kBatchHeaderSize, kScanWindowBytes));
  BatchScanner sc(*out.file, loc->first, end, window, env_.max_batch_bytes);
  uint64_t last_size = 0;  // of the last batch walked (taken into the run or passed over)
  int64_t last_base = -1;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(ScanStep step, sc.next());
    if (step == ScanStep::kEnd) {
      out.past_end = out.length == 0 && out.skipped_bytes > 0;
      break;
    }
    if (step != ScanStep::kBatch) {
      out.damage = {expect, sc.position(), sc.why()};
    } else if (sc.header().base_offset != expect) {
      out.damage = {expect, sc.position(),
                    "batch base offset " + std::to_string(sc.header().base_offset) + " where " +
                        std::to_string(expect) + " was expected at position " +
                        std::to_string(sc.position())};
    }
    if (out.damage.found()) {
      if (last_size > 0) {
        uint64_t prev_pos = sc.position() - last_size;
        int64_t prev_base = last_base;
        EDDY_ASSIGN_OR_RETURN(out.damage, blame_previous(*out.file, prev_pos, prev_base, end,
                                                         env_.max_batch_bytes, out.damage));
        if (out.damage.offset == prev_base && out.length == 0) {
          // The batch passed over last is the damaged one: it is not served either.
          out.skipped_length = 0;
        } else if (out.damage.offset == prev_base) {
          // The last batch taken is the damaged one: the run ends before it.
          out.length -= last_size;
          out.next_offset = prev_base;
          if (out.length == 0) out.first_offset = -1;
        }
      }
      break;
    }
    const records::BatchHeader& h = sc.header();
    if (h.last_offset() >= upper_bound) break;
    uint64_t size = h.size_bytes();
    expect = h.next_offset();
    last_size = size;
    last_base = h.base_offset;
    // Only a batch that is its header alone: one whose count says 0 but that carries record
    // bytes is damage, and is served for the client's CRC check to find, never passed over.
    if (out.length == 0 && h.records_count == 0 && size == records::kBatchHeaderSize &&
        !h.is_control() && out.skipped_bytes + size <= skip_budget) {
      out.skipped_bytes += size;
      out.skipped_position = sc.position();
      out.skipped_length = size;
      out.skipped_first_offset = h.base_offset;
      out.skipped_next_offset = h.next_offset();
      sc.advance();
      continue;
    }
    if (out.length + size > max_bytes && !(out.length == 0 && min_one_batch)) break;
    if (out.length == 0) {
      out.first_offset = h.base_offset;
      out.position = sc.position();
    }
    out.length += size;
    out.next_offset = h.next_offset();
    sc.advance();
  }
  return out;
}

Result<SegmentScrub> LogSegment::scrub(uint64_t position, int64_t next_offset,
                                       uint64_t budget) const {
  SegmentScrub out;
  EDDY_ASSIGN_OR_RETURN(auto f, log_file_.get());
  // A header-sized window: each batch costs a header read and a read of the batch, and nothing
  // beyond it is read ahead, so what is charged to the budget is what was verified.
  BatchScanner sc(*f, position, size(), records::kBatchHeaderSize, env_.max_batch_bytes);
  int64_t expect = next_offset;
  // Bounded: each pass verifies one batch and moves forward by its size, or stops.
  while (sc.bytes_read() < budget) {
    EDDY_ASSIGN_OR_RETURN(ScanStep step, sc.next_full());
    if (step == ScanStep::kEnd) {
      out.done = true;
      break;
    }
    if (step != ScanStep::kBatch) {
      out.damage = {expect, sc.position(), sc.why()};
      break;
    }
    if (sc.header().base_offset != expect) {
      out.damage = {expect, sc.position(),
                    "batch base offset " + std::to_string(sc.header().base_offset) + " where " +
                        std::to_string(expect) + " was expected at position " +
                        std::to_string(sc.position())};
      break;
    }
    expect = sc.header().next_offset();
    sc.advance();
  }
  out.position = sc.position();
  out.next_offset = expect;
  out.bytes_read = sc.bytes_read();
  return out;
}

Result<std::optional<SegmentTimestamp>> LogSegment::find_timestamp(int64_t timestamp_ms) const {
  if (max_timestamp() < timestamp_ms) return std::optional<SegmentTimestamp>();
  EDDY_ASSIGN_OR_RETURN(auto f, log_file_.get());
  uint64_t end = size();
  auto hint = time_index_.floor(timestamp_ms, /*inclusive=*/false);
  int64_t from = hint ? hint->value + 1 : base_offset_;
  SegmentDamage damage;
  EDDY_ASSIGN_OR_RETURN(auto loc, locate(from, *f, end, &damage));
  if (damage.found()) return corruption("segment " + log_file_.path() + ": " + damage.why);
  if (!loc) return std::optional<SegmentTimestamp>();
  BatchScanner sc(*f, loc->first, end, kLocateWindowBytes, env_.max_batch_bytes);
  while (true) {
    EDDY_ASSIGN_OR_RETURN(ScanStep step, sc.next());
    if (step != ScanStep::kBatch) break;
    const records::BatchHeader& h = sc.header();
    if (h.max_timestamp >= timestamp_ms) {
      return std::optional<SegmentTimestamp>(SegmentTimestamp{h.max_timestamp, h.base_offset});
    }
    sc.advance();
  }
  return std::optional<SegmentTimestamp>();
}

}  // namespace eddy::log
