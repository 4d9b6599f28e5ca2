#pragma once
// SegmentedLog: the Raft log entries on disk, as a directory of segment files.
//
// Files: `<dir>/<20-digit base index>.log`, each a run of records with consecutive indexes starting
// at the base (layout in log_format.h). Only the newest segment is written; it rolls to a new file
// once it reaches Options::segment_bytes, so compaction deletes whole old files.
//
// Crash behaviour: append() writes to the page cache and sync() makes everything appended so far
// durable (fdatasync of the segments written since the last sync; a roll also syncs the directory).
// open() scans every segment. A record cut short by the end of the newest segment, or a tail of
// zero bytes, is a torn tail: the writer died mid-write, so it is dropped quietly. Anything else
// that fails its checksum, breaks the index sequence, or a torn record in an older segment is
// corruption: it is reported in the RecoveryReport and the log is truncated there (later segments
// removed), since Raft re-replicates the lost suffix from the leader.
//
// Not thread-safe: the Raft driver owns it on one thread.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "raft/storage/log_format.h"

namespace eddy::raft {

struct LogRecord {
  uint64_t index = 0;
  uint64_t term = 0;
  Bytes body;
};

struct RecoveryReport {
  uint64_t segments = 0;
  uint64_t records = 0;
  // Bytes dropped from a torn tail of the newest segment.
  uint64_t torn_bytes = 0;
  // Not ok when corrupt bytes were found and the log was truncated before them.
  Status corruption;
};

class SegmentedLog {
 public:
  struct Options {
    uint64_t segment_bytes = log_format::kDefaultSegmentBytes;
    uint32_t max_body_bytes = log_format::kDefaultMaxBodyBytes;
  };

  // Opens (creating when missing) `dir`, recovers every segment and hands the surviving records,
  // in index order, to `records`.
  static Result<std::unique_ptr<SegmentedLog>> open(const std::filesystem::path& dir,
                                                    Options options,
                                                    std::vector<LogRecord>* records,
                                                    RecoveryReport* report);
  ~SegmentedLog();
  SegmentedLog(const SegmentedLog&) = delete;
  SegmentedLog& operator=(const SegmentedLog&) = delete;

  bool empty() const;
  // Valid only when !empty().
  uint64_t first_index() const;
  uint64_t last_index() const;
  size_t segment_count() const { return segments_.size(); }

  // Appends records with consecutive indexes; the first must be last_index() + 1 unless the log
  // is empty, in which case it sets the base. Not durable until sync().
  Status append(std::span<const LogRecord> records);
  Status sync();

  // Removes `index` and every record after it (a leader overwrote a conflicting suffix). Durable
  // when it returns.
  Status truncate_suffix(uint64_t index);
  // Deletes whole segments whose records all lie below `index` (after a snapshot). The newest
  // segment is never deleted here.
  Status remove_segments_before(uint64_t index);
  // Deletes every segment (a snapshot from the leader replaced the whole log).
  Status remove_all();

 private:
  struct Segment {
    uint64_t base = 0;
    std::filesystem::path path;
    uint64_t size = 0;
    // Byte position of each record; record i has index base + i.
    std::vector<uint64_t> positions;
    uint64_t last_index() const { return base + positions.size() - 1; }
  };

  SegmentedLog(std::filesystem::path dir, Options options);
  Status recover(std::vector<LogRecord>* records, RecoveryReport* report);
  // Scans one segment's bytes; returns the byte length of the valid prefix.
  uint64_t scan_segment(Segment& segment, ByteSpan data, bool newest, uint64_t expected_index,
                        std::vector<LogRecord>* records, RecoveryReport* report);
  Status open_active_for_append();
  Status roll(uint64_t base);
  Status close_active();
  std::filesystem::path segment_path(uint64_t base) const;

  std::filesystem::path dir_;
  Options options_;
  std::vector<Segment> segments_;
  int active_fd_ = -1;
  // Segments written (or created) since the last sync, by position in segments_.
  bool active_dirty_ = false;
  bool dir_dirty_ = false;
};

}  // namespace eddy::raft
