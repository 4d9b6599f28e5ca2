// Opening a partition log: reading the checkpoints, finding the segments and, after an unclean
// stop, validating every batch from the recovery point on (docs/storage.md, "Recovery").

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "log/checkpoint_file.h"
#include "log/leader_epoch_cache.h"
#include "log/log_format.h"
#include "log/log_segment.h"
#include "log/partition_log.h"

namespace eddy::log {

namespace {

// Lists the directory: the base offsets of the .log files, and the leftovers to remove (temp
// files from an interrupted checkpoint write, indexes whose .log is gone).
Status scan_dir(const std::string& dir, std::vector<int64_t>* bases,
                std::vector<std::string>* leftovers) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno_status(errno, "open directory " + dir);
  std::vector<std::string> names;
  // Bounded by the directory's entries.
  while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  for (const std::string& name : names) {
    if (auto base = LogSegment::parse_log_file_name(name)) bases->push_back(*base);
  }
  std::sort(bases->begin(), bases->end());
  for (const std::string& name : names) {
    if (name.ends_with(kTempSuffix)) {
      leftovers->push_back(name);
      continue;
    }
    for (std::string_view suffix :
         {std::string_view(kIndexSuffix), std::string_view(kTimeIndexSuffix)}) {
      if (!name.ends_with(suffix)) continue;
      std::string log_name = name.substr(0, name.size() - suffix.size()) + kLogSuffix;
      auto base = LogSegment::parse_log_file_name(log_name);
      if (!base || !std::binary_search(bases->begin(), bases->end(), *base)) {
        leftovers->push_back(name);
      }
    }
  }
  return Status::ok();
}

uint64_t file_size_or_zero(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

Result<std::shared_ptr<PartitionLog>> PartitionLog::open(PartitionLogOptions options,
                                                         RecoveryReport* report) {
  EDDY_RETURN_IF_ERROR(options.config.validate());
  if (options.clock == nullptr) options.clock = &SystemClock::instance();
  bool created = !path_exists(options.dir);
  EDDY_RETURN_IF_ERROR(make_dirs(options.dir));
  std::shared_ptr<PartitionLog> log(new PartitionLog(std::move(options)));
  // A new log's directory entry needs a parent fsync before its first batch counts as durable;
  // the first flush pays it, so that creating many partitions at once costs no fsync at all.
  if (created) log->parent_sync_pending_ = true;
  RecoveryReport local;
  RecoveryReport* r = report != nullptr ? report : &local;
  *r = RecoveryReport{};
  EDDY_RETURN_IF_ERROR(log->load(r));
  return log;
}

Status PartitionLog::delete_segment_files_now(int64_t base) {
  std::string prefix = LogSegment::file_prefix(options_.dir, base);
  EDDY_RETURN_IF_ERROR(remove_file(prefix + kLogSuffix));
  EDDY_RETURN_IF_ERROR(remove_file(prefix + kIndexSuffix));
  return remove_file(prefix + kTimeIndexSuffix);
}

Status PartitionLog::load(RecoveryReport* r) {
  const std::string& dir = options_.dir;
  const std::string marker = dir + "/" + kCleanShutdownFile;
  // A log of a kLogDir manager may still hold its own marker from a version of Eddy that wrote
  // one per log: it counts, and is removed durably below.
  bool own_marker = path_exists(marker);
  r->clean_shutdown =
      own_marker || (options_.shutdown_marker == ShutdownMarker::kLogDir && options_.log_dir_clean);

  int64_t start = -1;
  int64_t recovery_point = 0;
  auto cp = read_checkpoint_file(dir, kCheckpointFile);
  if (cp.is_ok()) {
    for (const auto& [key, value] : *cp) {
      if (key == "log_start_offset") start = value;
      if (key == "recovery_point") recovery_point = value;
    }
    // What the file holds. Its log start offset is durable: every write that changed it fsynced
    // the directory.
    ckpt_start_ = ckpt_durable_start_ = start;
    ckpt_recovery_point_ = recovery_point;
  } else if (r->clean_shutdown && cp.status().code() != StatusCode::kNotFound) {
    // A damaged checkpoint may hide a moved log start offset: scan everything. A missing one is
    // a log whose start never moved (every move writes it durably) and that never wrote a
    // recovery point, which a clean open does not need.
    r->clean_shutdown = false;
  }
  if (!epochs_->load().is_ok()) {
    // A damaged epoch file is rebuilt from the batches: scan them all.
    r->clean_shutdown = false;
    recovery_point = 0;
  }

  EDDY_RETURN_IF_ERROR(load_damage());

  // A cleaner's interrupted swap is finished (or undone) before the segments are listed.
  EDDY_RETURN_IF_ERROR(finish_cleaner_swaps());
  load_cleaner_checkpoint();

  std::vector<int64_t> bases;
  std::vector<std::string> leftovers;
  EDDY_RETURN_IF_ERROR(scan_dir(dir, &bases, &leftovers));
  // Unlinks need no fsync: a crash that brings a leftover back only repeats this.
  for (const std::string& name : leftovers) EDDY_RETURN_IF_ERROR(remove_file(dir + "/" + name));

  // Segments wholly below the log start offset: retention or DeleteRecords moved the start and
  // stopped before unlinking them.
  while (start >= 0 && bases.size() > 1 && bases[1] <= start) {
    EDDY_RETURN_IF_ERROR(delete_segment_files_now(bases.front()));
    bases.erase(bases.begin());
    ++r->segments_deleted;
  }

  // Clean: every segment is opened as it is (indexes checked, tail scanned). Unclean: the ones
  // from the segment holding the recovery point on are validated batch by batch.
  size_t first_unclean = bases.size();
  if (!r->clean_shutdown) {
    first_unclean = 0;
    for (size_t i = 0; i < bases.size(); ++i) {
      if (bases[i] <= recovery_point) first_unclean = i;
    }
  }
  LogSegment::Env env{dir, options_.file_budget, options_.faults, options_.max_batch_bytes_hard,
                      options_.preallocation_budget};
  LogConfig cfg = config();
  for (size_t i = 0; i < first_unclean; ++i) {
    auto seg = LogSegment::open(env, bases[i], cfg.index_interval_bytes, &r->indexes_rebuilt);
    if (!seg.is_ok()) {
      if (seg.status().code() != StatusCode::kCorruption) return seg.status();
      // A segment that does not parse although it should: recover it and all after it.
      first_unclean = i;
      break;
    }
    std::unique_lock lock(segments_mu_);
    segments_[bases[i]] = std::move(seg).value();
  }
  EDDY_RETURN_IF_ERROR(recover_from(bases, first_unclean, recovery_point, r));

  if (segments_.empty()) {
    log_end_offset_ = std::max<int64_t>(start, 0);
    EDDY_RETURN_IF_ERROR(roll_locked(options_.clock->wall_ms()));
  }
  int64_t leo = segments_.rbegin()->second->next_offset();
  log_end_offset_ = leo;
  start = std::max(start, segments_.begin()->first);
  if (start > leo) {
    // Recovery cut below the start the checkpoint promised: what is left is all below it.
    log_start_offset_ = start;
    EDDY_RETURN_IF_ERROR(remove_segments_locked(INT64_MIN, /*unlink_now=*/true));
    log_end_offset_ = start;
    EDDY_RETURN_IF_ERROR(roll_locked(options_.clock->wall_ms()));
    leo = start;
  }
  log_start_offset_ = start;
  hold_unreadable_damage_at(leo);
  drop_damage_below(start);
  if (r->damaged_from.value() < 0) {
    // Damage recorded before this open (partition.damage): the report says it again.
    std::vector<DamagedRange> damage = damaged_ranges();
    if (!damage.empty()) {
      r->damaged_from = damage.front().from;
      r->damaged_to = damage.front().to;
    }
  }
  if (!cp.is_ok() && cp.status().code() == StatusCode::kNotFound) {
    // No file says what recovery just assumed: the start is the first segment's base and
    // nothing is known synced. A new log thus writes no checkpoint until it has something to
    // say, and creating it costs no fsync.
    ckpt_start_ = ckpt_durable_start_ = start;
    ckpt_recovery_point_ = 0;
  }
  epochs_->truncate_from_end(Offset(leo));
  epochs_->truncate_from_start(Offset(start));
  // Recovery validated and synced what it kept; after a clean stop everything was flushed.
  flushed_offset_ = leo;
  last_flush_ms_ = options_.clock->monotonic_ms();

  // After a clean stop the checkpoints on disk already say this (close wrote them): nothing to
  // write, so a clean open costs no fsync.
  EDDY_RETURN_IF_ERROR(write_checkpoints());
  // From here on a crash is unclean again; the removal is made durable before any append. With
  // kLogDir the LogManager removes the log dir's marker once for all its logs.
  if (own_marker) {
    EDDY_RETURN_IF_ERROR(remove_file(marker));
    EDDY_RETURN_IF_ERROR(sync_dir(dir, options_.faults));
  }
  return Status::ok();
}

Status PartitionLog::recover_from(std::vector<int64_t> bases, size_t first_unclean,
                                  int64_t recovery_point, RecoveryReport* r) {
  LogSegment::Env env{options_.dir, options_.file_budget, options_.faults,
                      options_.max_batch_bytes_hard, options_.preallocation_budget};
  LogConfig cfg = config();
  auto learn_epoch = [this](const records::BatchHeader& h) {
    epochs_->assign(LeaderEpoch(h.partition_leader_epoch), Offset(h.base_offset));
  };
  int64_t prev_next = segments_.empty() ? INT64_MIN : segments_.rbegin()->second->next_offset();
  for (size_t i = first_unclean; i < bases.size(); ++i) {
    SegmentRecovery rec;
    bool quarantined = false;
    // A torn tail is what a crash leaves in the segment that was active: cut it. Damage with data
    // after it (a later segment holds batches), below the recovery point (fsynced, so once
    // whole) or where partition.damage already says, is not: the bytes were written whole and
    // acknowledged, and cutting them would hand their offsets to new records. Keep them aside.
    LogSegment::DamageHook keep_aside = [&](const SegmentRecovery& scan,
                                            int64_t damaged_offset) -> Status {
      bool later_data = false;
      for (size_t j = i + 1; j < bases.size() && !later_data; ++j) {
        later_data =
            file_size_or_zero(LogSegment::file_prefix(options_.dir, bases[j]) + kLogSuffix) > 0;
      }
      if (!later_data && damaged_offset >= recovery_point && !damaged_at(Offset(damaged_offset))) {
        return Status::ok();
      }
      quarantined = true;
      return quarantine(bases, i, damaged_offset, scan.why, r);
    };
    EDDY_ASSIGN_OR_RETURN(auto seg, LogSegment::recover(env, bases[i], cfg.index_interval_bytes,
                                                        learn_epoch, &rec, keep_aside));
    ++r->segments_scanned;
    ++r->indexes_rebuilt;
    r->batches_recovered += rec.batches;
    bool overlaps = bases[i] < prev_next;
    if (overlaps) {
      rec.damaged = true;
      rec.why = "segment " + std::to_string(bases[i]) + " starts before the previous one ends";
    }
    if (!overlaps) {
      EDDY_RETURN_IF_ERROR(seg->flush(/*with_indexes=*/true));
      prev_next = seg->next_offset();
      r->bytes_truncated += rec.truncated_bytes;
      r->preallocated_bytes_trimmed += rec.preallocated_bytes;
      std::unique_lock lock(segments_mu_);
      segments_[bases[i]] = seg;
    }
    if (!rec.damaged) continue;
    // The log must stay a prefix of what was appended: nothing after the damage is served.
    r->truncated = true;
    r->reason = "segment " + std::to_string(bases[i]) + ": " + rec.why;
    // Quarantined: the later segments are in the quarantine directory already.
    for (size_t j = overlaps ? i : i + 1; j < bases.size() && !quarantined; ++j) {
      r->bytes_truncated +=
          file_size_or_zero(LogSegment::file_prefix(options_.dir, bases[j]) + kLogSuffix);
      EDDY_RETURN_IF_ERROR(delete_segment_files_now(bases[j]));
      ++r->segments_deleted;
    }
    break;
  }
  if (r->truncated) {
    r->truncated_at =
        Offset(segments_.empty() ? std::max<int64_t>(0, bases.empty() ? 0 : bases.front())
                                 : segments_.rbegin()->second->next_offset());
  }
  // The segments deleted after the damage stay deleted. Nothing scanned, nothing to make durable.
  if (first_unclean == bases.size()) return Status::ok();
  return sync_dir(options_.dir, options_.faults);
}

}  // namespace eddy::log
