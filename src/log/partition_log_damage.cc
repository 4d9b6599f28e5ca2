// Damage a partition log found in its own files, and what it does about it (docs/storage.md,
// "Damage and quarantine"): damaged ranges are recorded in partition.damage and never served;
// the scrubber verifies sealed segments' CRCs; recovery keeps damaged segments aside.

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "log/batch_scanner.h"
#include "log/checkpoint_file.h"
#include "log/log_format.h"
#include "log/log_segment.h"
#include "log/partition_log.h"

namespace eddy::log {

namespace {

constexpr const char* kFromKey = "from";
constexpr const char* kToKey = "to";

// The offset after the last batch of a segment file that is no longer part of the log, walking
// headers from its start as far as they parse: what the quarantined segment held.
Result<int64_t> walk_end(const std::string& path, int64_t base, uint64_t max_batch_bytes) {
  EDDY_ASSIGN_OR_RETURN(File f, File::open(path, /*create=*/false));
  EDDY_ASSIGN_OR_RETURN(uint64_t size, f.size());
  BatchScanner sc(f, 0, std::min<uint64_t>(size, static_cast<uint64_t>(kMaxSegmentBytes)),
                  kScanWindowBytes, max_batch_bytes);
  int64_t end = base;
  // Bounded by the file: each step moves forward by a whole batch, or stops.
  while (true) {
    EDDY_ASSIGN_OR_RETURN(ScanStep step, sc.next());
    if (step != ScanStep::kBatch) break;
    end = std::max(end, sc.header().next_offset());
    sc.advance();
  }
  return end;
}

// A durable copy of `from` at `to` (a new file), in 1 MiB pieces.
Status copy_file(const std::string& from, const std::string& to, FaultInjector* faults) {
  EDDY_ASSIGN_OR_RETURN(File in, File::open(from, /*create=*/false));
  EDDY_ASSIGN_OR_RETURN(File out, File::open(to, /*create=*/true, faults));
  EDDY_RETURN_IF_ERROR(truncate_if_not_empty(out));
  Bytes buf(1 << 20);
  uint64_t pos = 0;
  // Bounded by the file's size: each pass copies a non-empty piece, or stops at the end.
  while (true) {
    EDDY_ASSIGN_OR_RETURN(size_t got, in.read_some_at(pos, MutableByteSpan(buf)));
    if (got == 0) break;
    EDDY_RETURN_IF_ERROR(out.write_at(pos, ByteSpan(buf.data(), got)));
    pos += got;
  }
  return out.sync();
}

}  // namespace

bool PartitionLog::damaged_at(Offset offset) const {
  if (!has_damage_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(damage_mu_);
  return std::any_of(damaged_.begin(), damaged_.end(),
                     [&](const DamagedRange& d) { return d.from <= offset && offset < d.to; });
}

std::vector<DamagedRange> PartitionLog::damaged_ranges() const {
  std::lock_guard lock(damage_mu_);
  return damaged_;
}

bool PartitionLog::damage_blocks_appends() const {
  if (!has_damage_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(damage_mu_);
  int64_t leo = log_end_offset_.load();
  return std::any_of(damaged_.begin(), damaged_.end(),
                     [&](const DamagedRange& d) { return d.to.value() > leo; });
}

Status PartitionLog::persist_damage_locked() const {
  if (damaged_.empty()) {
    Status s = remove_file(options_.dir + "/" + kDamageFile);
    return s.is_ok() ? sync_dir(options_.dir, options_.faults) : s;
  }
  CheckpointEntries entries;
  for (const DamagedRange& d : damaged_) {
    entries.emplace_back(kFromKey, d.from.value());
    entries.emplace_back(kToKey, d.to.value());
  }
  return write_checkpoint_file(options_.dir, kDamageFile, entries, Durability::kContentAndName,
                               options_.faults);
}

void PartitionLog::mark_damaged(DamagedRange range, bool notify) const {
  {
    std::lock_guard lock(damage_mu_);
    for (DamagedRange& d : damaged_) {
      if (d.from <= range.from && range.from < d.to) {
        // Found again (another read, the scrubber, a repeated recovery): at most it grows.
        if (range.to > d.to) {
          d.to = range.to;
          (void)persist_damage_locked();
        }
        return;
      }
    }
    damaged_.push_back(range);
    std::sort(damaged_.begin(), damaged_.end(),
              [](const DamagedRange& a, const DamagedRange& b) { return a.from < b.from; });
    has_damage_.store(true, std::memory_order_release);
    Status s = persist_damage_locked();
    if (!s.is_ok())
      range.why += " (not recorded in " + std::string(kDamageFile) + ": " + s.to_string() + ")";
  }
  if (notify && options_.on_damage) options_.on_damage(range);
}

void PartitionLog::drop_damage_from(int64_t offset) {
  std::lock_guard lock(damage_mu_);
  size_t before = damaged_.size();
  bool changed = false;
  std::erase_if(damaged_, [&](const DamagedRange& d) { return d.from.value() >= offset; });
  for (DamagedRange& d : damaged_) {
    if (d.to.value() > offset) {
      d.to = Offset(offset);
      changed = true;
    }
  }
  if (damaged_.size() == before && !changed) return;
  has_damage_.store(!damaged_.empty(), std::memory_order_release);
  // Not recorded: the next open finds the damage the truncation left again (reads, scrubber).
  (void)persist_damage_locked();
}

void PartitionLog::drop_damage_below(int64_t start) {
  if (!has_damage_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(damage_mu_);
  size_t before = damaged_.size();
  std::erase_if(damaged_, [&](const DamagedRange& d) { return d.to.value() <= start; });
  if (damaged_.size() == before) return;
  has_damage_.store(!damaged_.empty(), std::memory_order_release);
  // Not recorded: the next open drops them again (they are below the checkpointed start).
  (void)persist_damage_locked();
}

Status PartitionLog::load_damage() {
  auto entries = read_checkpoint_file(options_.dir, kDamageFile);
  if (!entries.is_ok()) {
    if (entries.status().code() == StatusCode::kNotFound) return Status::ok();
    // An unreadable record cannot say where the damage was: hold the log at its end (no offset
    // reused, nothing past it served) until an operator looks (docs/storage.md).
    std::lock_guard lock(damage_mu_);
    damaged_.push_back({Offset(INT64_MIN), Offset(INT64_MIN), "",
                        std::string(kDamageFile) + " unreadable: " + entries.status().to_string()});
    has_damage_ = true;
    return Status::ok();
  }
  std::lock_guard lock(damage_mu_);
  for (size_t i = 0; i + 1 < entries->size(); i += 2) {
    const auto& [from_key, from] = (*entries)[i];
    const auto& [to_key, to] = (*entries)[i + 1];
    if (from_key != kFromKey || to_key != kToKey || to <= from) continue;
    damaged_.push_back({Offset(from), Offset(to), "", std::string("recorded in ") + kDamageFile});
  }
  std::sort(damaged_.begin(), damaged_.end(),
            [](const DamagedRange& a, const DamagedRange& b) { return a.from < b.from; });
  has_damage_ = !damaged_.empty();
  return Status::ok();
}

void PartitionLog::hold_unreadable_damage_at(int64_t leo) {
  std::lock_guard lock(damage_mu_);
  for (DamagedRange& d : damaged_) {
    if (d.from.value() == INT64_MIN && d.to.value() == INT64_MIN) {
      d.from = Offset(leo);
      d.to = Offset(INT64_MAX);
    }
  }
}

Status PartitionLog::quarantine(const std::vector<int64_t>& bases, size_t i, int64_t damaged_offset,
                                const std::string& why, RecoveryReport* r) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s%020" PRId64, kQuarantineDirPrefix, damaged_offset);
  const std::string& dir = options_.dir;
  std::string qdir = dir + "/" + name;
  EDDY_RETURN_IF_ERROR(make_dirs(qdir));
  auto file_name = [&](int64_t base, const char* suffix) {
    return LogSegment::file_prefix(dir, base).substr(dir.size() + 1) + suffix;
  };
  // The damaged segment is cut by recovery after this returns: keep its bytes as they are.
  std::string damaged_log = LogSegment::file_prefix(dir, bases[i]) + kLogSuffix;
  EDDY_RETURN_IF_ERROR(
      copy_file(damaged_log, qdir + "/" + file_name(bases[i], kLogSuffix), options_.faults));
  int64_t to = damaged_offset + 1;
  for (size_t j = i + 1; j < bases.size(); ++j) {
    std::string prefix = LogSegment::file_prefix(dir, bases[j]);
    EDDY_ASSIGN_OR_RETURN(int64_t end,
                          walk_end(prefix + kLogSuffix, bases[j], options_.max_batch_bytes_hard));
    to = std::max(to, end);
    for (const char* suffix : {kLogSuffix, kIndexSuffix, kTimeIndexSuffix}) {
      if (!path_exists(prefix + suffix)) continue;
      EDDY_RETURN_IF_ERROR(rename_path(prefix + suffix, qdir + "/" + file_name(bases[j], suffix)));
    }
    ++r->segments_quarantined;
  }
  // The copy and the moved names are durable before the record that points at them, and all of
  // it before the cut that makes the copy the only one.
  EDDY_RETURN_IF_ERROR(sync_dir(qdir, options_.faults));
  EDDY_RETURN_IF_ERROR(sync_dir(dir, options_.faults));
  mark_damaged({Offset(damaged_offset), Offset(to), damaged_log, why}, /*notify=*/false);
  {
    std::lock_guard lock(damage_mu_);
    if (!persist_damage_locked().is_ok()) {
      return io_error("cannot record the damaged range in " + dir + "/" + kDamageFile);
    }
  }
  r->quarantine_dir = qdir;
  r->damaged_from = Offset(damaged_offset);
  r->damaged_to = Offset(to);
  return Status::ok();
}

Result<ScrubProgress> PartitionLog::scrub(ScrubCursor* c, uint64_t budget) {
  ScrubProgress p;
  auto segs = segments_from(log_start_offset_.load());
  if (!segs.empty()) segs.pop_back();  // the active segment
  for (const auto& seg : segs) {
    int64_t base = seg->base_offset();
    if (base < c->segment_base) continue;
    if (base != c->segment_base || c->segment.lock() != seg) *c = ScrubCursor{base, 0, base, seg};
    bool known_damaged = false;
    if (has_damage_.load(std::memory_order_acquire)) {
      std::lock_guard lock(damage_mu_);
      known_damaged = std::any_of(damaged_.begin(), damaged_.end(), [&](const DamagedRange& d) {
        return d.from.value() < seg->next_offset() && base < d.to.value();
      });
    }
    if (known_damaged) {
      c->segment_base = base + 1;
      continue;
    }
    if (p.bytes_read >= budget) return p;
    const uint64_t truncations = truncations_.load();
    EDDY_ASSIGN_OR_RETURN(SegmentScrub s,
                          seg->scrub(c->position, c->next_offset, budget - p.bytes_read));
    p.bytes_read += s.bytes_read;
    // A truncation that cut this segment meanwhile makes it look torn: not damage.
    if (s.damage.found() && (truncations % 2 != 0 || truncations_.load() != truncations)) {
      c->segment_base = base + 1;
      continue;
    }
    if (s.damage.found()) {
      mark_damaged(
          {Offset(s.damage.offset), Offset(std::max(s.damage.offset + 1, seg->next_offset())),
           LogSegment::file_prefix(options_.dir, base) + kLogSuffix, s.damage.why},
          /*notify=*/true);
    }
    if (s.damage.found() || s.done) {
      c->segment_base = base + 1;
      continue;
    }
    c->position = s.position;
    c->next_offset = s.next_offset;
    return p;
  }
  *c = ScrubCursor{};
  p.pass_complete = true;
  return p;
}

}  // namespace eddy::log
