#pragma once
// PartitionLog: one Kafka partition's replica of the log, a directory of segments.
//
// Files (docs/storage.md has the byte layouts):
//   <20-digit base offset>.log        record batches exactly as on the wire (v2, magic 2)
//   <20-digit base offset>.index      sparse offset index: relative offset u32 -> position u32
//   <20-digit base offset>.timeindex  time index: max timestamp i64 -> relative offset u32
//   partition.checkpoint              log start offset and recovery point
//   leader-epoch-checkpoint           leader epoch -> start offset (Kafka's text format)
//   .clean_shutdown                   present only while the log is closed cleanly
//
// Offsets: log start offset <= every readable offset < log end offset (LEO). The high watermark
// belongs to the broker's replica layer; read() takes it as an upper bound.
//
// Threads: append, append_as_follower, truncate_to, truncate_fully_and_start_at,
// delete_records_before and enforce_retention serialise on the append lock, held only for the
// in-memory work and the write() into the page cache, never for an fsync. read(),
// offset_for_timestamp() and the offset getters do not take it: they see whole batches only,
// because the LEO and segment sizes are published after the bytes are written. flush() runs on a
// flusher thread and takes its own lock. Every method is safe to call from any thread.
//
// Crash safety: a batch is durable once flush() has covered it. After an unclean stop, open()
// scans every batch from the recovery point on and cuts a torn tail, so the log is always a
// prefix of what was appended. Damage that is not a torn tail (later segments hold data, or it
// lies below the recovery point) is kept aside in a quarantine directory instead and its offsets
// are marked damaged: never served, never reused (docs/storage.md, "Damage and quarantine").

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/status.h"
#include "log/file.h"
#include "log/log_config.h"

namespace eddy::log {

class LogSegment;
class LeaderEpochCache;
struct BatchInfo;
class Flusher;
class FileHandleBudget;
class PreallocationBudget;

// A byte range of one segment file that a server can hand to sendfile(2). keep_alive holds the
// segment's open file: the fd stays valid (and the bytes readable) while the slice lives, even
// when retention or truncation deletes the segment meanwhile. Always whole batches.
struct FileSlice {
  int fd = -1;
  uint64_t position = 0;
  uint64_t length = 0;
  std::shared_ptr<const void> keep_alive;

  bool empty() const { return length == 0; }
  // Copies the bytes into memory (tests, and callers that cannot use sendfile).
  Result<Bytes> read_all() const;
};

struct ReadResult {
  FileSlice records;        // empty when nothing at or after the offset is below the bound
  Offset first_offset{-1};  // base offset of the first batch in records, -1 when empty
  Offset next_offset{-1};   // offset after the last batch in records (= the fetch offset if empty)
  Offset log_start_offset;  // at the time of the read
  Offset log_end_offset;    // at the time of the read
};

// Who a read serves (PartitionLog::read). A replica (a follower, the log's own replays) gets
// every batch: its copy of the log keeps the offsets contiguous. A consumer is served batches
// with records: those that hold none (the cleaner's fillers, a producer's last batch emptied) are
// passed over at the start of a read, however many segments they fill, the way Kafka's read
// walks past cleaned segments that return nothing. A client that gets only record-less batches
// takes it for a record too large for its fetch size (librdkafka doubles it, then gives up).
enum class ReadFor : uint8_t { kReplica, kConsumer };

struct AppendResult {
  Offset base_offset;          // first offset assigned
  Offset last_offset;          // last offset assigned (inclusive)
  int64_t log_append_time_ms;  // the broker's clock; -1 unless LogAppendTime applied
  int64_t max_timestamp_ms;    // the largest max_timestamp of the appended batches
  int32_t batch_count;
  uint64_t bytes;
};

struct TimestampOffset {
  int64_t timestamp_ms;  // max timestamp of the batch found
  Offset offset;         // base offset of the first batch whose max timestamp >= the target
};

// Kafka's OffsetForLeaderEpoch answer; (-1, -1) is UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET.
struct EpochEndOffset {
  LeaderEpoch leader_epoch{-1};
  Offset end_offset{-1};
};

// What recovery did at open(). The broker logs it; the log itself does not log.
struct RecoveryReport {
  bool clean_shutdown = false;
  int segments_scanned = 0;       // segments validated batch by batch
  int64_t batches_recovered = 0;  // intact batches kept by the scan
  int indexes_rebuilt = 0;        // offset/time indexes rebuilt (unclean, missing or corrupt)
  bool truncated = false;         // something was cut
  Offset truncated_at{-1};        // LEO after the cut
  uint64_t bytes_truncated = 0;   // bytes removed from the damaged segment and those after it
  // Zeros cut after the last batch: the preallocated tail of a segment active at an unclean stop
  // (not damage; docs/storage.md, "Preallocation").
  uint64_t preallocated_bytes_trimmed = 0;
  int segments_deleted = 0;  // whole segments after a torn tail, and below the start offset
  std::string reason;        // why the scan stopped ("torn batch at segment X position P")
  // Damage that is not a torn tail (docs/storage.md, "Damage and quarantine"): the damaged
  // segment's bytes and every later segment kept in quarantine_dir, and the offsets they held
  // marked damaged, so that they are neither served nor reused.
  std::string quarantine_dir;
  int segments_quarantined = 0;  // later segments moved into quarantine_dir
  Offset damaged_from{-1};
  Offset damaged_to{-1};
};

// Offsets [from, to) that the log found damaged and never serves: a read of them is kCorruption
// (CORRUPT_MESSAGE); while `to` is past the log end offset, appends are refused too, so that the
// offsets are never reused. Recorded in partition.damage (docs/storage.md, "Damage and
// quarantine").
struct DamagedRange {
  Offset from{-1};
  Offset to{-1};
  std::string segment;  // the segment file that held the damage; empty when loaded from disk
  std::string why;
};

// Where the background scrubber stands in one log (PartitionLog::scrub).
struct ScrubCursor {
  int64_t segment_base = -1;  // -1: the pass starts at the first segment
  uint64_t position = 0;
  int64_t next_offset = -1;
  // The segment that position and next_offset belong to. The base alone does not name it: the
  // cleaner's swap puts a new file at the base of the segments it replaces, and a position in
  // the old file means nothing in the new one.
  std::weak_ptr<const LogSegment> segment;
};

struct ScrubProgress {
  uint64_t bytes_read = 0;
  bool pass_complete = false;  // every sealed segment verified once since the cursor was new
};

// Who keeps the clean-shutdown marker (docs/storage.md, "Clean-shutdown marker").
enum class ShutdownMarker : uint8_t {
  // The log itself: close() creates <dir>/.clean_shutdown, open() trusts it and removes it (with
  // a directory fsync) before any append. A standalone log.
  kPerLog,
  // The LogManager: one marker per log dir, created once after every log of the dir closed and
  // removed once before any of them appends, so that a restart costs one directory fsync per log
  // dir instead of several per partition. The log trusts PartitionLogOptions::log_dir_clean.
  kLogDir,
};

// Whether a leader append checks each batch's CRC-32C itself.
enum class CrcCheck : uint8_t { kVerify, kAlreadyVerified };

struct PartitionLogOptions {
  std::string dir;  // <log.dir>/<topic>-<partition>; created when missing
  LogConfig config;
  ShutdownMarker shutdown_marker = ShutdownMarker::kPerLog;
  // kLogDir: the log dir's marker was there, so this log was closed cleanly.
  bool log_dir_clean = false;
  Clock* clock = &SystemClock::instance();
  // Runs flush() for FlushPolicy::kSync logs after each append. Null: only explicit flush() calls
  // (and LogManager's background thread, for kInterval) make data durable.
  Flusher* flusher = nullptr;
  // Bounds open file descriptors across logs; null means every segment keeps its files open.
  FileHandleBudget* file_budget = nullptr;
  // Bounds the preallocated (zero-filled) tails across logs; null means unbounded.
  std::shared_ptr<PreallocationBudget> preallocation_budget;
  // Test seam: injects ENOSPC, EIO and short writes into the segment and index writes, and counts
  // every fsync the log makes.
  FaultInjector* faults = nullptr;
  // Upper bound on a stored batch, whatever max.message.bytes says (a hostile length field in a
  // damaged file is checked against it before anything is allocated).
  uint64_t max_batch_bytes_hard = 64ULL << 20;
  // Called once per damaged range a read or the scrubber finds (after it is recorded), so that
  // the broker can log it; damage found at open() is in the RecoveryReport instead. Must not
  // throw or block; runs on the reading or scrubbing thread.
  std::function<void(const DamagedRange&)> on_damage;
};

class PartitionLog : public std::enable_shared_from_this<PartitionLog> {
 public:
  // Called with (status) once every offset up to and including the registered one is durable, or
  // with an error when it never will be (the log failed or was truncated below it). Must not
  // throw or block; runs on the thread that flushed (the flusher) or truncated, or inline in
  // on_durable() when the offset is already durable.
  using DurableCallback = std::function<void(const Status&)>;

  // Opens (or creates) the log in options.dir and recovers it; `report` receives what recovery
  // did. Returns kInvalidArgument for a bad config, kIoError when the directory is unusable.
  static Result<std::shared_ptr<PartitionLog>> open(PartitionLogOptions options,
                                                    RecoveryReport* report = nullptr);
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Leader append. `records` holds one or more concatenated v2 batches (a Produce request's
  // records field) and is rewritten in place: base offsets, leader epoch and, for LogAppendTime,
  // the timestamp fields and CRC. All or nothing: a rejected request appends nothing.
  //   kCorruption       bad magic, length or CRC, trailing partial batch  (CORRUPT_MESSAGE)
  //   kInvalidArgument  records_count != last_offset_delta + 1, empty batch or request
  //                                                                      (INVALID_RECORD)
  //   kTooLarge         a batch over max.message.bytes or segment.bytes (MESSAGE_TOO_LARGE)
  //   kNoSpace/kIoError the disk refused; the log is unchanged
  //   kFailedPrecondition  the log failed an fsync earlier and is read-only now
  // CrcCheck::kAlreadyVerified skips the CRC-32C check for a caller that has just checked it over
  // these bytes (the replica layer validates every record of a client's batch first).
  Result<AppendResult> append(MutableByteSpan records, LeaderEpoch leader_epoch,
                              CrcCheck crc = CrcCheck::kVerify);

  // Follower (replication) append: keeps the offsets and epochs already in the batches. The
  // first batch must start at the LEO and each next one where the previous ended; else
  // kOutOfRange. The leader-epoch cache learns the epochs it sees.
  Result<AppendResult> append_as_follower(ByteSpan records);

  // Registers `cb` for when `offset` is durable (see DurableCallback). With FlushPolicy::kSync and
  // a flusher, the append already asked for the fsync; otherwise the callback waits for the next
  // flush().
  void on_durable(Offset offset, DurableCallback cb);

  // Reads whole batches from the one containing `offset`, up to max_bytes but at least one batch
  // (Kafka's rule, so a batch over max_bytes still makes progress), and only batches whose last
  // offset is below upper_bound (the high watermark; pass log_end_offset() to read everything).
  // kOutOfRange when offset < log start offset or offset > LEO. Every batch header served is
  // checked first; kCorruption when `offset` lies in a damaged range (found now or before), and a
  // run stops before one. For ReadFor::kConsumer, record-less batches at the start are passed
  // over (at most max_bytes of them); when nothing with records follows below upper_bound, the
  // last one passed over is served alone, so that the consumer's position still moves up to the
  // bound instead of waiting below it for ever.
  Result<ReadResult> read(Offset offset, uint64_t max_bytes, Offset upper_bound,
                          ReadFor reader = ReadFor::kReplica) const;

  // Damage (DamagedRange): whether `offset` lies in a damaged range, and all of them.
  bool damaged_at(Offset offset) const;
  std::vector<DamagedRange> damaged_ranges() const;
  bool has_damage() const { return has_damage_.load(std::memory_order_acquire); }
  // Verifies the CRC of the sealed segments' batches from `cursor` on, reading about `budget`
  // bytes at most (a batch is read whole: one batch over at most). Damage found is recorded as
  // by read(). The active segment is left out: its batches were checked as they were appended.
  Result<ScrubProgress> scrub(ScrubCursor* cursor, uint64_t budget);

  // ListOffsets by timestamp: the first batch whose max timestamp >= timestamp_ms, or nullopt
  // when none. The log reads headers only, so the offset is that batch's base offset.
  Result<std::optional<TimestampOffset>> offset_for_timestamp(int64_t timestamp_ms) const;

  // Removes every batch at or after `offset` (the LEO becomes the start of the batch containing
  // it, normally exactly `offset`), and leader epochs starting there. For a follower truncating
  // to the leader's epoch end offset. Callbacks waiting on removed offsets get kUnavailable.
  // Below the log start offset it is truncate_fully_and_start_at(offset).
  Status truncate_to(Offset offset);
  // Deletes everything and restarts the log empty at `offset` (a follower far behind the
  // leader's log start offset).
  Status truncate_fully_and_start_at(Offset offset);
  // DeleteRecords: moves the log start offset to `offset` (<= high watermark, checked by the
  // caller; here <= LEO) and deletes segments wholly below it. Never moves it backwards.
  Status delete_records_before(Offset offset);
  // One retention pass: deletes whole sealed segments past retention.ms (by their max
  // timestamp), beyond retention.bytes (oldest first), or wholly below the log start offset.
  // Returns how many segments were deleted.
  Result<int> enforce_retention();

  // fsyncs everything appended so far (group commit: every batch appended before the call is
  // covered by one fsync per file), advances the recovery point and runs the callbacks it
  // satisfied. Then, with preallocation on, tops up the active segment's zero-filled tail when
  // less than half of preallocate.ahead.bytes is left (after the callbacks and outside the flush
  // lock: neither an append nor the next group commit waits for it). The first flush after the log
  // or a segment was created also fsyncs the log's directory (and, for a new log, its parent), so
  // that nothing is reported durable in a file a crash could unlink. An fsync error fails the log
  // (appends get kFailedPrecondition) and every waiting callback.
  Status flush();
  // Rolls if segment.ms has passed for the active segment and flushes if flush.ms has passed
  // (kInterval). Called by LogManager's background thread.
  Status maybe_roll_and_flush();
  // Writes partition.checkpoint and leader-epoch-checkpoint when they changed (atomically: temp
  // file, fsync, rename). The directory is fsynced too unless the old file is as safe to find
  // after a crash as the new one: the same log start offset and a recovery point that only grew.
  Status write_checkpoints();
  // Flushes, writes the indexes and checkpoints and, with ShutdownMarker::kPerLog, the
  // clean-shutdown marker. Appends fail afterwards. A log that changed nothing since open() costs
  // no fsync.
  Status close();

  void update_config(const LogConfig& config);
  LogConfig config() const;

  Offset log_start_offset() const { return Offset(log_start_offset_.load()); }
  Offset log_end_offset() const { return Offset(log_end_offset_.load()); }
  Offset flushed_offset() const { return Offset(flushed_offset_.load()); }
  Offset recovery_point() const { return flushed_offset(); }
  uint64_t size_bytes() const;
  int segment_count() const;
  std::vector<Offset> segment_base_offsets() const;
  // The base offset of the segment appends go to (it changes when the log rolls); -1 when none.
  Offset active_segment_base() const;
  const std::string& dir() const { return options_.dir; }

  // Log compaction (log/log_cleaner.h; docs/storage.md, "Compaction"). The segments a cleaner
  // may rewrite: every sealed segment wholly below the recovery point and the high watermark,
  // oldest first (never the active one).
  std::vector<std::shared_ptr<LogSegment>> cleanable_segments() const;
  // The high watermark as the replica layer last reported it (Kafka's log holds it too). The
  // cleaner never cleans at or past it, as Kafka's never cleans past the first unstable offset:
  // a record above it may still be truncated away, and with it the later value of a key whose
  // earlier one a pass removed. Unknown (-1, a log outside a broker) until set; then the recovery
  // point alone bounds the cleaning.
  void set_high_watermark(Offset hw) { high_watermark_.store(hw.value()); }
  Offset high_watermark() const { return Offset(high_watermark_.load()); }
  // Every segment from the one holding `offset` on, the active one included.
  std::vector<std::shared_ptr<LogSegment>> segments_from(int64_t offset) const;
  // Where the dirty section (not yet cleaned) starts: cleaner-offset-checkpoint, never below
  // the log start offset.
  Offset first_dirty_offset() const;
  // Moves it (after a cleaning pass) and writes cleaner-offset-checkpoint atomically.
  Status set_first_dirty_offset(Offset offset);
  // Replaces `sources` (consecutive segments of this log, as cleanable_segments() gave them) by
  // the segment the cleaner wrote and fsynced at cleaned_log_path(sources.front()), which holds
  // exactly their offsets. Takes the append lock for the renames only. kAborted, with nothing
  // changed, when a source is no longer in the log or changed (retention, truncation); after
  // the commit point an error fails the log and the next open finishes the swap.
  Status swap_cleaned(const std::vector<std::shared_ptr<LogSegment>>& sources);
  std::string cleaned_log_path(int64_t base_offset) const;
  FaultInjector* faults() const { return options_.faults; }

  // Leader-epoch cache (persisted in leader-epoch-checkpoint).
  LeaderEpoch latest_epoch() const;
  // Kafka's OffsetForLeaderEpoch semantics, see LeaderEpochCache::end_offset_for.
  EpochEndOffset end_offset_for_epoch(LeaderEpoch epoch) const;
  // Records that `epoch` starts at the log end (Kafka's becomeLeader): a new leader knows where
  // its epoch starts before it appends anything, so its latest cached epoch is always the
  // largest a follower can ask about, and a follower from a later epoch than any batch here is
  // told where to truncate. Persisted with the next flush.
  void assign_leader_epoch(LeaderEpoch epoch);
  std::vector<std::pair<LeaderEpoch, Offset>> epoch_entries() const;

 private:
  friend class Flusher;  // clears flush_queued_
  explicit PartitionLog(PartitionLogOptions options);

  // Opening and recovery (partition_log_recovery.cc).
  Status load(RecoveryReport* report);
  Status recover_from(std::vector<int64_t> bases, size_t first_unclean, int64_t recovery_point,
                      RecoveryReport* report);
  // Keeps the damaged segment `bases[i]` (a copy) and every later one (moved) in a quarantine
  // directory and records [damaged_offset, their end) as damaged, before recovery cuts anything.
  Status quarantine(const std::vector<int64_t>& bases, size_t i, int64_t damaged_offset,
                    const std::string& why, RecoveryReport* report);
  // Records a damaged range (persisted in partition.damage) and reports it through on_damage
  // when `notify`. Const: reads find damage.
  void mark_damaged(DamagedRange range, bool notify) const;
  Status persist_damage_locked() const;
  // Forgets damage at or after `offset` (a truncation removed those offsets), or wholly below
  // `start` (retention or DeleteRecords moved the log start offset past it).
  void drop_damage_from(int64_t offset);
  void drop_damage_below(int64_t start);
  bool damage_blocks_appends() const;
  // Reads partition.damage at open. An unreadable one holds the log at its end, placed there by
  // hold_unreadable_damage_at once the log end offset is known.
  Status load_damage();
  void hold_unreadable_damage_at(int64_t leo);
  Status delete_segment_files_now(int64_t base);
  // Compaction (partition_log_clean.cc): at open, before the segments are listed, removes what
  // an interrupted cleaning left and finishes (or, for an unreadable .swap, rolls back) an
  // interrupted swap; then reads cleaner-offset-checkpoint.
  Status finish_cleaner_swaps();
  void load_cleaner_checkpoint();

  // Writers; the caller holds append_mu_.
  Result<AppendResult> append_locked(ByteSpan records, const std::vector<BatchInfo>& infos,
                                     LeaderEpoch leader_epoch, const LogConfig& cfg, int64_t now_ms,
                                     int64_t log_append_time_ms);
  Status roll_locked(int64_t now_ms);
  Status remove_segments_locked(int64_t from_base, bool unlink_now);
  void after_append(FlushPolicy policy);

  // The config as appenders see it (caller holds append_mu_): re-copied only after
  // update_config, so that an append does not copy the struct under config_mu_.
  const LogConfig& append_config_locked();
  // Whether the directory fsync a flush owes (after a create) succeeded; re-armed on failure.
  Status sync_dirs_if_pending();
  // flush() up to its callbacks: the group commit.
  Status flush_group();
  // Zero-fills the active segment ahead of the log end when its tail ran low and groups are small
  // (docs/storage.md, "Preallocation"). No fsync of its own: the next flush's fdatasync commits
  // the zeros with the new size, so a write-back error is never consumed here. One at a time per
  // log (zero_fill_mu_); a second caller returns at once.
  void top_up_preallocation();
  // Fails the log after an fsync error: callbacks from `flushed` on get `error`.
  void fail_log(int64_t flushed, const Status& error);
  // Cuts `seg`'s preallocated tail (roll, close) and, when there was one, records that the segment
  // needs an fdatasync (unsynced_trim_base_).
  Status trim_tail(LogSegment& seg);

  std::shared_ptr<LogSegment> active_segment() const;
  // The segment holding `offset`: the last one with base <= offset, else the first.
  std::shared_ptr<LogSegment> segment_for(int64_t offset) const;
  std::shared_ptr<LogSegment> segment_after(int64_t base) const;

  // Runs (outside every lock) the callbacks of offsets below `durable_end` with ok, and those at
  // or above `fail_from` with `error`.
  void complete_waiters(int64_t durable_end, int64_t fail_from, const Status& error);

  using SegmentMap = std::map<int64_t, std::shared_ptr<LogSegment>>;

  PartitionLogOptions options_;
  mutable std::mutex config_mu_;
  LogConfig config_;
  std::atomic<uint64_t> config_version_{0};
  // The largest batch an append accepts (min of max.message.bytes and segment.bytes), read by
  // the validation that runs before the append lock.
  std::atomic<int64_t> max_batch_bytes_{0};
  // preallocate.ahead.bytes when preallocation is on, else 0; and segment.bytes, its bound. Read
  // by flush() without config_mu_.
  std::atomic<int64_t> preallocate_ahead_{0};
  std::atomic<int64_t> segment_bytes_{0};
  LogConfig append_config_;             // guarded by append_mu_
  uint64_t append_config_version_ = 0;  // guarded by append_mu_

  // Serialises writers (append, truncate, retention, roll).
  std::mutex append_mu_;
  // Guards the segment map; readers hold it shared only long enough to copy shared_ptrs.
  mutable std::shared_mutex segments_mu_;
  SegmentMap segments_;

  std::atomic<int64_t> log_start_offset_{0};
  std::atomic<int64_t> log_end_offset_{0};
  std::atomic<int64_t> flushed_offset_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> closed_{false};
  std::atomic<bool> flush_queued_{false};
  std::atomic<int64_t> last_flush_ms_{0};
  // Bumped twice by every truncation, as it starts and once it is over (odd: one is running), so
  // that a flush that raced with one does not claim offsets whose bytes it never synced, and a
  // read or scrub that met a file cut under it does not take the cut for damage.
  std::atomic<uint64_t> truncations_{0};

  // Set when a file or the log's directory was created and not yet made durable by a directory
  // fsync; flush() pays that fsync before it reports anything durable.
  std::atomic<bool> dir_sync_pending_{false};
  // The lowest base of a segment whose zero-filled tail was cut (roll, close) and not yet
  // fdatasynced; INT64_MAX when none. flush() syncs from there, so that no recovery point or
  // clean-shutdown marker vouches for a segment whose size on disk may still be the longer one.
  std::atomic<int64_t> unsynced_trim_base_{INT64_MAX};
  std::atomic<bool> parent_sync_pending_{false};

  // partition.checkpoint as last written (guarded by checkpoint_mu_), and the log start offset it
  // holds for certain after a crash (the last write whose directory was fsynced).
  std::mutex checkpoint_mu_;
  int64_t ckpt_start_ = -1;
  int64_t ckpt_recovery_point_ = -1;
  int64_t ckpt_durable_start_ = -1;

  std::mutex flush_mu_;  // one flush at a time; never held with append_mu_
  // Bytes appended since open (written under append_mu_), and what flush() makes of them: the
  // count at the last flush and a moving average of the bytes per flush (both under flush_mu_),
  // which decides whether zero-filling pays (top_up_preallocation).
  std::atomic<uint64_t> appended_bytes_{0};
  uint64_t appended_at_flush_ = 0;
  std::atomic<uint64_t> group_bytes_avg_{0};  // written under flush_mu_
  std::mutex zero_fill_mu_;
  mutable std::mutex durable_mu_;
  std::multimap<int64_t, DurableCallback> durable_waiters_;  // guarded by durable_mu_

  std::unique_ptr<LeaderEpochCache> epochs_;

  // cleaner-offset-checkpoint's value, -1 when there is none (the dirty section is everything).
  std::atomic<int64_t> first_dirty_{-1};
  std::atomic<int64_t> high_watermark_{-1};  // set_high_watermark; -1: unknown

  // Damaged ranges, sorted by `from`; has_damage_ lets reads skip the lock while there is none.
  mutable std::mutex damage_mu_;
  mutable std::vector<DamagedRange> damaged_;  // guarded by damage_mu_
  mutable std::atomic<bool> has_damage_{false};
};

}  // namespace eddy::log
