#pragma once
// LogSegment: one <base offset>.log file with its .index and .timeindex.
//
// The .log holds whole v2 record batches back to back, exactly as on the wire; the segment's
// base offset is the first offset it may hold. Writers (append, truncate_to, recover, seal) are
// serialised by the owning PartitionLog's append lock. Readers call read() and
// find_timestamp() concurrently with them: a writer publishes size() and next_offset() only after
// the bytes are in the file, and readers never look past the published size.
//
// A segment removed from its log is mark_deleted(); its files are unlinked when the last
// reference goes (so a reader that found it, or a FileSlice, can still use them).
//
// Preallocation (docs/storage.md, "Preallocation"): the active segment's file may run past size()
// with a zero-filled tail that zero_fill() wrote and its caller fdatasynced, so that appends
// overwrite blocks the file already has. size() is always the logical end, the only size readers,
// indexes, rolls and retention see; file_end() is the file's. trim_tail() cuts the file back to
// size() for good when the segment stops being active.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "log/batch_scanner.h"
#include "log/file_handle_budget.h"
#include "log/index_file.h"
#include "log/preallocation_budget.h"

namespace eddy::log {

// What a segment needs to know about each batch appended to it.
struct BatchInfo {
  int64_t base_offset;
  int64_t last_offset;
  int64_t max_timestamp;
  uint32_t size_bytes;
};

// The outcome of scanning a whole segment after an unclean stop.
struct SegmentRecovery {
  int64_t batches = 0;
  uint64_t valid_bytes = 0;
  uint64_t truncated_bytes = 0;  // bytes cut after the last valid batch (damage)
  // Zeros after the last valid batch, up to the end of the file: a preallocated tail that the
  // stop left untrimmed. Cut too, but not damage.
  uint64_t preallocated_bytes = 0;
  bool damaged = false;  // the scan stopped before the end of the file
  std::string why;       // torn or corrupt, and where
};

// Where a header walk or a scrub found bytes that are not the batch the offsets call for: bad
// framing (magic, a length outside the file, a base offset out of sequence) or, for a scrub, a
// CRC mismatch. `offset` is the offset that batch should have started at.
struct SegmentDamage {
  int64_t offset = -1;  // -1: no damage
  uint64_t position = 0;
  std::string why;
  bool found() const { return offset >= 0; }
};

// A run of whole batches inside one segment.
struct SegmentRead {
  std::shared_ptr<File> file;  // keeps the fd open
  uint64_t position = 0;
  uint64_t length = 0;
  int64_t first_offset = -1;
  int64_t next_offset = -1;
  bool past_end = false;  // no batch in this segment has a last offset >= the wanted offset
  // Set when the walk met damage: at the first batch wanted (length 0), or after the run.
  SegmentDamage damage;
  // Batches with no record passed over before the run (read's skip_budget): their bytes, and
  // the last of them (length 0 when none), which a reader that finds nothing else serves.
  uint64_t skipped_bytes = 0;
  uint64_t skipped_position = 0;
  uint64_t skipped_length = 0;
  int64_t skipped_first_offset = -1;
  int64_t skipped_next_offset = -1;
};

// How far a scrub of one segment got (LogSegment::scrub).
struct SegmentScrub {
  uint64_t position = 0;     // where the next scrub of this segment resumes
  int64_t next_offset = -1;  // the base offset expected there
  uint64_t bytes_read = 0;
  bool done = false;  // every batch up to size() verified
  SegmentDamage damage;
};

struct SegmentTimestamp {
  int64_t timestamp;
  int64_t offset;
};

class LogSegment {
 public:
  struct Env {
    std::string dir;
    FileHandleBudget* budget = nullptr;
    FaultInjector* faults = nullptr;
    uint64_t max_batch_bytes = 0;  // hard bound on one stored batch
    // Bounds the zero-filled tails of all segments (null: unbounded). Shared: a segment may
    // outlive the LogManager that made the budget, and gives back its share when destroyed.
    std::shared_ptr<PreallocationBudget> preallocation_budget;
  };

  // "<dir>/<20-digit base offset>" to which the suffixes are appended.
  static std::string file_prefix(const std::string& dir, int64_t base_offset);
  // Parses "<20 digits>.log"; nullopt for any other name.
  static std::optional<int64_t> parse_log_file_name(const std::string& name);

  // A new, empty segment (truncating any leftover files of that name).
  static Result<std::shared_ptr<LogSegment>> create(const Env& env, int64_t base_offset,
                                                    int64_t now_ms);
  // An existing segment as a clean shutdown left it: loads and checks the indexes (rebuilding
  // them from the log when missing or wrong) and finds the next offset and max timestamp by
  // scanning the tail after the last index entry. `indexes_rebuilt` is incremented per rebuild.
  static Result<std::shared_ptr<LogSegment>> open(const Env& env, int64_t base_offset,
                                                  int64_t index_interval_bytes,
                                                  int* indexes_rebuilt);
  // An existing segment after an unclean stop: validates every batch (CRC included), truncates
  // the file after the last valid one and rebuilds both indexes.
  // `on_batch` sees every batch kept (the log re-learns leader epochs from them). `before_cut`,
  // when set, runs once damage (not a zero tail) is found and before the file is cut, with the
  // scan's outcome and the offset the damaged batch should have had: the log keeps a copy of
  // what the cut removes there (docs/storage.md, "Damage and quarantine"). Its error aborts the
  // recovery with nothing cut.
  using BatchVisitor = std::function<void(const records::BatchHeader&)>;
  using DamageHook = std::function<Status(const SegmentRecovery&, int64_t damaged_offset)>;
  static Result<std::shared_ptr<LogSegment>> recover(const Env& env, int64_t base_offset,
                                                     int64_t index_interval_bytes,
                                                     const BatchVisitor& on_batch,
                                                     SegmentRecovery* out,
                                                     const DamageHook& before_cut = nullptr);
  ~LogSegment();
  LogSegment(const LogSegment&) = delete;
  LogSegment& operator=(const LogSegment&) = delete;

  int64_t base_offset() const { return base_offset_; }
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  // The offset after the last batch; base_offset() when empty.
  int64_t next_offset() const { return next_offset_.load(std::memory_order_acquire); }
  bool empty() const { return size() == 0; }
  // The largest batch max timestamp, -1 when no batch has one.
  int64_t max_timestamp() const { return max_timestamp_.load(std::memory_order_acquire); }
  // What retention.ms compares: the max timestamp, or the last append (file mtime after a
  // restart) when the batches carry none.
  int64_t retention_timestamp_ms() const;
  int64_t created_ms() const { return created_ms_; }
  size_t offset_index_bytes() const { return offset_index_.size_bytes(); }

  // The end of the file as this segment wrote it: size() plus the zero-filled tail.
  uint64_t file_end() const { return file_end_.load(std::memory_order_acquire); }
  // Bytes of zero-filled tail still ahead of size().
  uint64_t preallocated_bytes() const {
    uint64_t end = file_end(), used = size();
    return end > used ? end - used : 0;
  }
  // Writes zeros from file_end() up to min(size() + ahead, limit), in pieces of
  // kZeroFillPieceBytes, each under the tail lock (an append that outruns the tail waits for one
  // piece at most; one inside it never waits), and starts their write-back. The next flush's
  // fdatasync makes them durable with the file's new size; the flushes after it overwrite. Returns
  // whether it wrote anything. A failed write cuts the file back to where the zeros began. Never
  // after trim_tail().
  Result<bool> zero_fill(uint64_t ahead, uint64_t limit);
  // Lets zero_fill() run on this segment from now on. The caller holds the append lock: appends
  // past file_end() skip the tail lock while it is off, since no zero-fill can then be writing.
  void enable_zero_fill() { zero_fill_enabled_.store(true, std::memory_order_release); }
  bool zero_fill_enabled() const { return zero_fill_enabled_.load(std::memory_order_relaxed); }
  // Cuts the file back to size() and ends zero-filling for this segment (roll, close). Returns
  // whether there was a tail to cut; the caller fdatasyncs the file before anything relies on it.
  Result<bool> trim_tail();

  // Appends `data` (whole, validated batches described by `infos`) at the end. On failure the
  // file is cut back to its previous size and nothing is published.
  Status append(ByteSpan data, std::span<const BatchInfo> infos, int64_t index_interval_bytes,
                int64_t now_ms);
  // Removes the batch containing `offset` and every later one. Returns the base offset of the
  // first batch removed (the log's new end), or next_offset() when nothing was at or after it.
  Result<int64_t> truncate_to(int64_t offset);
  // Appends the final time-index entry (Kafka does this when a segment stops being active).
  Status seal();
  // fsyncs the .log, and the indexes when `with_indexes`.
  Status flush(bool with_indexes);
  // Writes index entries not yet in their files (a failed earlier attempt, or close), and fsyncs
  // the files when `sync`.
  void persist_indexes(bool sync);
  // Rebuilds both indexes from a header scan of the log (after read() found a wrong entry).
  Status rebuild_indexes(int64_t index_interval_bytes);
  bool index_suspect() const { return index_suspect_.load(); }

  // Whole batches from the one containing `offset`: while the running length stays within
  // max_bytes (the first batch is always taken when min_one_batch), and only batches whose last
  // offset is below upper_bound. Every header of the run is checked (magic, a length inside the
  // segment, base offsets contiguous from the batch located), and the one after it when read:
  // damage ends the run before it and is returned in SegmentRead::damage.
  // With a skip_budget, batches that hold no record (records_count 0, the header alone, not a
  // control batch: the cleaner's fillers and emptied producer batches) are passed over before the
  // run starts, as long as their bytes fit the budget; past_end is set when every batch from
  // `offset` to the end of the segment was passed over.
  Result<SegmentRead> read(int64_t offset, uint64_t max_bytes, int64_t upper_bound,
                           bool min_one_batch, uint64_t skip_budget = 0) const;
  // Verifies whole batches (CRC-32C, count, contiguous offsets) from `position`, where a batch
  // starting at `next_offset` is expected, until the end or until `budget` bytes were read: a
  // batch is read whole, so the last one may run past the budget by its own size at most.
  Result<SegmentScrub> scrub(uint64_t position, int64_t next_offset, uint64_t budget) const;
  // The first batch whose max timestamp >= timestamp_ms, if any.
  Result<std::optional<SegmentTimestamp>> find_timestamp(int64_t timestamp_ms) const;

  void mark_deleted() { deleted_.store(true); }
  // The cleaner's swap replaced this segment (PartitionLog::swap_cleaned), before its files are
  // renamed: the .log stays open for readers that still hold the segment, since its name is
  // about to belong to the cleaned file (or to none), and the indexes are never written again
  // (their names too). Its files are not deleted when it goes: the swap removes them.
  Status retire();
  // Unlinks the files now (a truncation that must not leave them for the next open to find).
  Status delete_files();

 private:
  LogSegment(const Env& env, int64_t base_offset);
  // Position of the first batch whose last offset >= offset, scanning from the index's hint.
  // nullopt when every batch ends before it. Sets index_suspect_ and rescans from 0 when the
  // hint does not point at the batch it names.
  // Damage met on the way (a header that does not parse or does not continue the offsets) is
  // returned in *damage, with an empty result.
  using Located = std::optional<std::pair<uint64_t, records::BatchHeader>>;
  Result<Located> locate(int64_t offset, const File& f, uint64_t end, SegmentDamage* damage) const;
  // Scans headers from the last index entry to the end: next offset, max timestamp.
  Status load_tail(const File& f);
  Status scan_rebuild(const File& f, int64_t index_interval_bytes, bool full_check,
                      const BatchVisitor* on_batch, SegmentRecovery* out);
  void note_timestamp(int64_t max_timestamp, int64_t last_offset);
  // Cuts the file to `size` (a failed write, a truncation); the caller holds tail_mu_.
  Status cut_file_locked(File& f, uint64_t size);
  // Gives back to the budget what appends have overwritten or a cut removed since the tail was
  // filled; the caller holds tail_mu_.
  void settle_budget_locked();

  const Env env_;
  const int64_t base_offset_;
  mutable CachedFile log_file_;  // opening on demand is not a logical change
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  std::atomic<uint64_t> size_{0};
  // Serialises what changes the file's end: zero_fill pieces, appends past file_end_, cuts.
  // Appends inside the zero-filled tail do not take it.
  std::mutex tail_mu_;
  std::atomic<uint64_t> file_end_{0};  // written under tail_mu_
  bool tail_closed_ = false;           // guarded by tail_mu_: trimmed, never zero-filled again
  // Taken from env_.preallocation_budget for the tail; never below preallocated_bytes() (appends
  // only shrink the tail). Guarded by tail_mu_.
  uint64_t budget_held_ = 0;
  std::atomic<bool> zero_fill_enabled_{false};  // set under the append lock, never cleared
  std::atomic<int64_t> next_offset_;
  std::atomic<int64_t> max_timestamp_{-1};
  int64_t offset_of_max_timestamp_ = -1;     // writer side only
  int64_t bytes_since_index_entry_ = 0;      // writer side only
  std::vector<IndexEntry> offsets_scratch_;  // writer side only: append's new index entries
  std::vector<IndexEntry> times_scratch_;    // writer side only
  int64_t created_ms_ = 0;
  std::atomic<int64_t> last_append_ms_{0};
  mutable std::atomic<bool> index_suspect_{false};
  std::atomic<bool> deleted_{false};
  std::atomic<bool> retired_{false};
};

}  // namespace eddy::log
