#pragma once
// The single-node metadata log: committed MetadataBatches in a directory of two files.
//
//   log       entries, each  [u32 payload length][u32 crc32c][i64 offset][payload]
//             (big-endian; the CRC covers the offset and the payload; payload = MetadataBatch)
//   snapshot  one entry in the same framing whose payload is a MetadataSnapshot; written to
//             snapshot.tmp, fsynced, renamed over, directory fsynced.
//
// append() returns only after fdatasync, so a batch it returned for survives a crash. After a
// snapshot at offset S the log is rewritten to hold only entries after S; a crash in between
// leaves older entries that replay skips (offset <= S). Recovery stops at the first torn or
// corrupt log entry and truncates there: an entry is acknowledged only after its fsync, so what
// follows a bad entry was never acknowledged. A corrupt snapshot is an error: it was fsynced and
// renamed, so it cannot be torn.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "metadata/metadata.pb.h"

namespace eddy::metadata {

class MetadataLog {
 public:
  // Largest payload an entry may declare: bounds what a corrupt length can make us allocate.
  static constexpr uint32_t kMaxEntryBytes = 64u << 20;

  struct Recovered {
    std::optional<pb::MetadataSnapshot> snapshot;
    std::vector<std::pair<int64_t, pb::MetadataBatch>> entries;  // offsets after the snapshot
    bool truncated_tail = false;
  };

  // Opens (creating if needed) the log in `dir` and reads everything back.
  static Result<std::unique_ptr<MetadataLog>> open(const std::string& dir, Recovered* recovered);
  ~MetadataLog();
  MetadataLog(const MetadataLog&) = delete;
  MetadataLog& operator=(const MetadataLog&) = delete;

  // Appends at next_offset() and fsyncs. Returns the entry's offset. On an error (a full disk, a
  // failed fsync) the file is cut back to the entries before it.
  Result<int64_t> append(const pb::MetadataBatch& batch);
  // Writes `snapshot` (its last_offset must be < next_offset()) and drops the log entries it
  // covers.
  Status write_snapshot(const pb::MetadataSnapshot& snapshot);

  int64_t next_offset() const { return next_offset_; }
  // Bytes of log entries since the last snapshot: the trigger for the next one.
  uint64_t log_bytes() const { return log_bytes_; }

 private:
  MetadataLog(std::string dir, int fd, int64_t next_offset, uint64_t log_bytes);

  std::string dir_;
  int fd_ = -1;
  int64_t next_offset_ = 0;
  uint64_t log_bytes_ = 0;
  bool failed_ = false;  // a failed append could not be cut back: appends are refused
};

}  // namespace eddy::metadata
