// PartitionLog's side of log compaction (docs/storage.md, "Compaction"): which segments a cleaner
// may rewrite, cleaner-offset-checkpoint, and the crash-safe swap of a cleaned segment for the
// segments it replaces, with its completion at open. The cleaning itself is log_cleaner.cc's.

#include <dirent.h>

#include <algorithm>

#include "log/batch_scanner.h"
#include "log/checkpoint_file.h"
#include "log/log_format.h"
#include "log/log_segment.h"
#include "log/partition_log.h"

namespace eddy::log {

namespace {

constexpr const char* kFirstDirtyKey = "first_dirty_offset";

Result<std::vector<std::string>> list_dir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno_status(errno, "open directory " + dir);
  std::vector<std::string> names;
  // Bounded by the directory's entries.
  while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// "<20 digits>.log<suffix>" -> the base offset (`suffix` is what follows ".log").
std::optional<int64_t> parse_suffixed(const std::string& name, const std::string& suffix) {
  if (!name.ends_with(suffix)) return std::nullopt;
  return LogSegment::parse_log_file_name(name.substr(0, name.size() - suffix.size()));
}

// The offset after the last whole batch of `path`, read by a header walk (the swap file was
// fsynced whole before it got its name); nullopt when it does not parse to its end.
Result<std::optional<int64_t>> end_of_swap_file(const std::string& path, int64_t base,
                                                uint64_t max_batch_bytes) {
  EDDY_ASSIGN_OR_RETURN(File f, File::open(path, /*create=*/false));
  EDDY_ASSIGN_OR_RETURN(uint64_t size, f.size());
  BatchScanner sc(f, 0, size, kScanWindowBytes, max_batch_bytes);
  int64_t next = base;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(ScanStep step, sc.next());
    if (step == ScanStep::kEnd) break;
    if (step != ScanStep::kBatch || sc.header().base_offset != next) {
      return std::optional<int64_t>();
    }
    next = sc.header().next_offset();
    sc.advance();
  }
  return std::optional<int64_t>(next);
}

Status remove_segment_files(const std::string& dir, int64_t base) {
  std::string prefix = LogSegment::file_prefix(dir, base);
  EDDY_RETURN_IF_ERROR(remove_file(prefix + kIndexSuffix));
  EDDY_RETURN_IF_ERROR(remove_file(prefix + kTimeIndexSuffix));
  return remove_file(prefix + kLogSuffix);
}

}  // namespace

std::string PartitionLog::cleaned_log_path(int64_t base_offset) const {
  return LogSegment::file_prefix(options_.dir, base_offset) + kLogSuffix + kCleanedSuffix;
}

std::vector<std::shared_ptr<LogSegment>> PartitionLog::cleanable_segments() const {
  int64_t bound = flushed_offset_.load();
  const int64_t hw = high_watermark_.load();
  if (hw >= 0) bound = std::min(bound, hw);
  std::shared_lock lock(segments_mu_);
  std::vector<std::shared_ptr<LogSegment>> out;
  if (segments_.empty()) return out;
  auto active = std::prev(segments_.end());
  for (auto it = segments_.begin(); it != active; ++it) {
    if (it->second->next_offset() > bound) break;
    out.push_back(it->second);
  }
  return out;
}

Offset PartitionLog::first_dirty_offset() const {
  return Offset(std::max(first_dirty_.load(), log_start_offset_.load()));
}

Status PartitionLog::set_first_dirty_offset(Offset offset) {
  // Never past the log end: a truncation that raced with a pass lowered it already.
  offset = Offset(std::min(offset.value(), log_end_offset_.load()));
  first_dirty_ = offset.value();
  // kContent: an older value after a crash only means cleaning some of the log again.
  return write_checkpoint_file(options_.dir, kCleanerCheckpointFile,
                               {{kFirstDirtyKey, offset.value()}}, Durability::kContent,
                               options_.faults);
}

void PartitionLog::load_cleaner_checkpoint() {
  // A missing or unreadable checkpoint makes the whole log dirty: cleaning it again is safe.
  auto cp = read_checkpoint_file(options_.dir, kCleanerCheckpointFile);
  if (!cp.is_ok()) return;
  for (const auto& [key, value] : *cp) {
    if (key == kFirstDirtyKey && value >= 0) first_dirty_ = value;
  }
}

// The swap protocol, step by step (each name is a FaultInjector crash point):
//   cleaned  <B>.log.cleaned written and fsynced by the cleaner (nothing else changed)
//   swap     rename it to <B>.log.swap and fsync the directory: the commit point
//   retire   rename each source <S>.log to <S>.log.deleted, unlink its indexes
//   install  rename <B>.log.swap to <B>.log, fsync the directory; open it (indexes rebuilt)
//   unlink   remove the .deleted files
// At open, finish_cleaner_swaps() removes a .cleaned file (before the commit point: the sources
// are whole), and for a .swap file removes every segment it covers and renames it into place
// (after the commit point: it holds every offset they held).
Status PartitionLog::swap_cleaned(const std::vector<std::shared_ptr<LogSegment>>& sources) {
  if (sources.empty()) return invalid_argument("no segments to replace");
  const std::string& dir = options_.dir;
  const int64_t base = sources.front()->base_offset();
  const std::string cleaned = cleaned_log_path(base);
  const std::string prefix = LogSegment::file_prefix(dir, base);
  const std::string swap = prefix + kLogSuffix + kSwapSuffix;
  FaultInjector* faults = options_.faults;
  auto crash_point = [faults](std::string_view step) {
    if (faults != nullptr) faults->crash_point(step);
  };
  std::lock_guard lock(append_mu_);
  {
    std::shared_lock seg_lock(segments_mu_);
    bool same = !failed_.load() && !closed_.load();
    for (const auto& s : sources) {
      auto it = segments_.find(s->base_offset());
      same = same && it != segments_.end() && it->second == s;
    }
    if (!same) {
      (void)remove_file(cleaned);
      return Status(StatusCode::kCancelled, "the log changed while it was cleaned");
    }
  }
  crash_point("swap");
  Status s = rename_path(cleaned, swap);
  if (s.is_ok()) s = sync_dir(dir, faults);
  if (!s.is_ok()) {
    // Before the commit point: the sources are whole; a .swap that did reach the disk is
    // finished by the next open, which is as good.
    (void)remove_file(cleaned);
    if (!path_exists(swap)) return s;
    fail_log(flushed_offset_.load(), s);
    return s;
  }
  // From here on the swap is decided: an error fails the log, the next open finishes it.
  auto after_commit = [&]() -> Status {
    crash_point("retire");
    // Readers that found a source keep reading its bytes: its file stays open whatever the
    // file-handle budget does, and is never reopened by a name that is about to change.
    for (const auto& src : sources) EDDY_RETURN_IF_ERROR(src->retire());
    for (const auto& src : sources) {
      std::string p = LogSegment::file_prefix(dir, src->base_offset());
      EDDY_RETURN_IF_ERROR(rename_path(p + kLogSuffix, p + kLogSuffix + kDeletedSuffix));
      EDDY_RETURN_IF_ERROR(remove_file(p + kIndexSuffix));
      EDDY_RETURN_IF_ERROR(remove_file(p + kTimeIndexSuffix));
    }
    crash_point("install");
    EDDY_RETURN_IF_ERROR(rename_path(swap, prefix + kLogSuffix));
    EDDY_RETURN_IF_ERROR(sync_dir(dir, faults));
    LogSegment::Env env{dir, options_.file_budget, options_.faults, options_.max_batch_bytes_hard,
                        options_.preallocation_budget};
    int rebuilt = 0;
    EDDY_ASSIGN_OR_RETURN(auto seg,
                          LogSegment::open(env, base, config().index_interval_bytes, &rebuilt));
    if (seg->next_offset() != sources.back()->next_offset()) {
      return internal_error("cleaned segment " + prefix + kLogSuffix + " ends at " +
                            std::to_string(seg->next_offset()) + ", its sources at " +
                            std::to_string(sources.back()->next_offset()));
    }
    EDDY_RETURN_IF_ERROR(seg->seal());
    seg->persist_indexes(/*sync=*/true);
    {
      std::unique_lock seg_lock(segments_mu_);
      for (const auto& src : sources) segments_.erase(src->base_offset());
      segments_[base] = std::move(seg);
    }
    // The replaced segments' objects are not mark_deleted(): <B>.log is the new file now. A
    // reader still holding one keeps its pinned descriptor; the names go here.
    crash_point("unlink");
    for (const auto& src : sources) {
      std::string p = LogSegment::file_prefix(dir, src->base_offset());
      EDDY_RETURN_IF_ERROR(remove_file(p + kLogSuffix + kDeletedSuffix));
    }
    return Status::ok();
  };
  s = after_commit();
  if (!s.is_ok()) fail_log(flushed_offset_.load(), s);
  return s;
}

Status PartitionLog::finish_cleaner_swaps() {
  const std::string& dir = options_.dir;
  EDDY_ASSIGN_OR_RETURN(std::vector<std::string> names, list_dir(dir));
  const std::string cleaned_suffix = kCleanedSuffix;
  const std::string swap_suffix = kSwapSuffix;
  const std::string deleted_suffix = kDeletedSuffix;
  bool renamed = false;
  for (const std::string& name : names) {
    if (parse_suffixed(name, cleaned_suffix)) EDDY_RETURN_IF_ERROR(remove_file(dir + "/" + name));
  }
  for (const std::string& name : names) {
    auto base = parse_suffixed(name, swap_suffix);
    if (!base) continue;
    const std::string path = dir + "/" + name;
    EDDY_ASSIGN_OR_RETURN(auto end, end_of_swap_file(path, *base, options_.max_batch_bytes_hard));
    if (!end) {
      // Cannot happen short of damage at rest (the file was fsynced before its rename): keep
      // the sources, putting back any already renamed, and drop the swap.
      for (const std::string& other : names) {
        auto b = parse_suffixed(other, deleted_suffix);
        if (!b) continue;
        EDDY_RETURN_IF_ERROR(
            rename_path(dir + "/" + other, LogSegment::file_prefix(dir, *b) + kLogSuffix));
      }
      EDDY_RETURN_IF_ERROR(remove_file(path));
      renamed = true;
      continue;
    }
    for (const std::string& other : names) {
      auto b = LogSegment::parse_log_file_name(other);
      if (b && *b >= *base && *b < *end) EDDY_RETURN_IF_ERROR(remove_segment_files(dir, *b));
    }
    std::string prefix = LogSegment::file_prefix(dir, *base);
    EDDY_RETURN_IF_ERROR(remove_file(prefix + kIndexSuffix));
    EDDY_RETURN_IF_ERROR(remove_file(prefix + kTimeIndexSuffix));
    EDDY_RETURN_IF_ERROR(rename_path(path, prefix + kLogSuffix));
    renamed = true;
  }
  // The renames reach the disk before anything else that relies on them: a crash before this
  // fsync repeats the same steps at the next open.
  if (renamed) EDDY_RETURN_IF_ERROR(sync_dir(dir, options_.faults));
  for (const std::string& name : names) {
    if (parse_suffixed(name, deleted_suffix)) {
      EDDY_RETURN_IF_ERROR(remove_file(dir + "/" + name));
    }
  }
  return Status::ok();
}

}  // namespace eddy::log
