#pragma once
// The log cleaner: compaction of logs with cleanup.policy=compact (docs/storage.md,
// "Compaction"), Kafka's LogCleaner with its names and semantics.
//
// A pass over one log (Cleaner::clean):
//  1. The cleanable range is the sealed segments below the recovery point and the high watermark
//     (never the active one), up to the first segment with a record younger than
//     min.compaction.lag.ms. It splits at cleaner-offset-checkpoint into the clean section
//     (cleaned before) and the dirty section.
//  2. The OffsetMap is filled with the last offset of every key of the dirty section, batch by
//     batch, until the section ends or the map is full: a pass covers what the map holds, the
//     next pass goes on from there (bounded memory, several passes).
//  3. Every segment below where the map stopped is rewritten, in groups of at most segment.bytes,
//     into one new segment each: a record is kept when no later offset holds its key (and, for a
//     tombstone, until its delete horizon passed). Offsets are never changed: a rewritten batch
//     keeps its base offset, last offset delta, producer fields and codec (recompressed); runs of
//     batches left with no record become one empty batch covering their offsets (a *filler*, so
//     that offsets stay contiguous and every reader's framing checks still hold), except the last
//     batch of each producer id, kept empty with its producer fields.
//  4. Each new segment replaces its sources by PartitionLog::swap_cleaned (crash-safe), then the
//     checkpoint moves to where the map stopped.
// Reads and writes are paid from one IoThrottle (log.cleaner.io.max.bytes.per.second); the
// partition's append lock is held only for the swap's renames.
//
// LogCleaner runs log.cleaner.threads threads, each with its own Cleaner and a share of
// log.cleaner.dedupe.buffer.size; a round picks the dirtiest log (min.cleanable.dirty.ratio,
// max.compaction.lag.ms, tombstones past their horizon) that no other thread is cleaning.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/status.h"
#include "log/cleaner_options.h"
#include "log/offset_map.h"
#include "log/partition_log.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/batch_reader.h"

namespace eddy::log {

struct CleanStats {
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  int64_t batches_read = 0;
  int64_t records_read = 0;
  int64_t records_kept = 0;
  int64_t tombstones_removed = 0;
  int64_t corrupt_batches = 0;
  int64_t segments_in = 0;
  int64_t segments_out = 0;
  int64_t map_entries = 0;
  int64_t first_dirty_before = -1;
  int64_t first_dirty_after = -1;
  // The earliest delete horizon of a tombstone kept, INT64_MAX when none: the log needs a pass
  // then even if nothing new is dirty.
  int64_t next_delete_horizon_ms = INT64_MAX;
};

// Kafka's Throttler: every byte the cleaners read or write is paid from a token bucket of
// `bytes_per_second` holding at most one second's worth; charge() sleeps while it is negative.
// Thread-safe (shared by the cleaner threads).
class IoThrottle {
 public:
  using Sleep = std::function<void(int64_t ns)>;
  IoThrottle(double bytes_per_second, Clock* clock, Sleep sleep = nullptr);
  void charge(uint64_t bytes);
  uint64_t charged() const { return charged_.load(); }
  // A new rate (log.cleaner.io.max.bytes.per.second altered): the next charge pays at it.
  void set_rate(double bytes_per_second);
  double rate() const;

 private:
  mutable std::mutex mu_;
  double rate_;
  Clock* clock_;
  Sleep sleep_;
  double tokens_;
  int64_t last_ns_;
  std::atomic<uint64_t> charged_{0};
};

// The cleaner's rule for a sound batch, which its fuzz target checks the output against: the one
// batch validator accepts it (magic, length, CRC, counts), its records decode, and their offsets
// rise within its span. Anything else is skipped as corrupt (kCorruption, why in the message).
Result<records::DecodedBatch> decode_cleanable(ByteSpan batch);

// What a pass decides for the batches of one output segment, in offset order (shared by the
// Cleaner and the fuzz target). Appends the output's bytes to `out`.
class SegmentRewriter {
 public:
  struct Context {
    int64_t now_ms = 0;
    int64_t delete_retention_ms = 0;
  };
  SegmentRewriter(const OffsetMap& map, Context ctx, CleanStats* stats);
  // `batch` is one whole batch whose framing was checked. `producer_last`: the last batch of its
  // producer id in the pass (kept, empty if need be). kCorruption (with `out` unchanged and the
  // batch's offsets taken into a filler) when its CRC or records are bad.
  Status add(ByteSpan batch, bool producer_last, Bytes& out);
  // Ends the output: a pending filler is written.
  Status finish(Bytes& out);

 private:
  Status flush_filler(Bytes& out);
  void extend_filler(const records::BatchHeader& h);

  const OffsetMap& map_;
  Context ctx_;
  CleanStats* stats_;
  std::vector<OffsetMap::KeyHash> key_hashes_;  // one batch's, reused from batch to batch
  int64_t filler_base_ = -1;
  int64_t filler_last_ = -1;
  int32_t filler_epoch_ = -1;
};

class Cleaner {
 public:
  // `stop`, when set, ends a pass early (kCancelled, nothing changed but the swaps done).
  // `io_buffer_bytes`: the read window plus the write buffer (half each).
  Cleaner(uint64_t map_bytes, double load_factor, IoThrottle* throttle, Clock* clock,
          std::function<void(const std::string&, const CleanerCorruption&)> on_corrupt = nullptr,
          const std::atomic<bool>* stop = nullptr, uint64_t io_buffer_bytes = 2ULL << 20);
  // One pass over `log` (steps 1-4 above). kCancelled when the log changed under it (nothing
  // lost: the next pass repeats it); kCorruption when a segment's framing is damaged.
  Result<CleanStats> clean(PartitionLog& log);
  const OffsetMap& offset_map() const { return map_; }

 private:
  bool stopping() const { return stop_ != nullptr && stop_->load(std::memory_order_relaxed); }
  OffsetMap map_;
  size_t window_bytes_;
  IoThrottle* throttle_;
  Clock* clock_;
  std::function<void(const std::string&, const CleanerCorruption&)> on_corrupt_;
  const std::atomic<bool>* stop_;
};

// How dirty a log is, as the cleaner sees it now (LogCleanerManager.cleanableOffsets).
struct CleanableView {
  int64_t first_dirty = -1;
  int64_t first_uncleanable = -1;
  uint64_t clean_bytes = 0;
  uint64_t dirty_bytes = 0;
  bool max_lag_passed = false;  // a dirty record older than max.compaction.lag.ms
  double dirty_ratio() const {
    uint64_t total = clean_bytes + dirty_bytes;
    return total == 0 ? 0.0 : static_cast<double>(dirty_bytes) / static_cast<double>(total);
  }
};
CleanableView cleanable_view(const PartitionLog& log, int64_t now_ms);

// The earliest delete horizon (KIP-534: attribute bit 6, base timestamp) of a batch with records
// in the log's clean section, INT64_MAX when none: a header walk, paid from `throttle`.
Result<int64_t> earliest_delete_horizon(const PartitionLog& log, IoThrottle* throttle);

class LogCleaner {
 public:
  using LogSource = std::function<std::vector<std::shared_ptr<PartitionLog>>()>;
  LogCleaner(CleanerOptions options, LogSource logs);
  ~LogCleaner();  // stop()
  LogCleaner(const LogCleaner&) = delete;
  LogCleaner& operator=(const LogCleaner&) = delete;

  void start();
  // Stops the threads for good (a pass in progress ends; nothing is lost).
  void stop();
  // Kafka's LogCleaner.reconfigure: the threads stop (a pass in progress ends, the next one
  // repeats it), the new log.cleaner.threads, dedupe buffer, load factor, I/O buffer, I/O rate
  // and backoff are taken, and the threads start again (if they ran: before start() the settings
  // wait for it, after stop() nothing starts). `options`' enable, clock and callbacks are not
  // taken.
  void reconfigure(const CleanerOptions& options);
  // The settings in force and the threads running now.
  CleanerOptions options() const;
  size_t running_threads() const;
  // Wakes the threads now (a policy changed, a test).
  void wake();
  // One round on the calling thread with `cleaner`: cleans the dirtiest log, if one is due.
  // Returns whether a log was cleaned.
  Result<bool> clean_dirtiest(Cleaner& cleaner);

  // Kafka's uncleanable partitions: the logs a pass failed on for good (framing damage, a batch
  // larger than the key map), skipped until eddyd restarts.
  std::vector<std::shared_ptr<PartitionLog>> uncleanable_logs() const;
  CleanStats totals() const;
  int64_t passes() const { return passes_.load(); }
  uint64_t map_bytes_per_thread() const;
  uint64_t io_buffer_bytes_per_thread() const;
  IoThrottle& throttle() { return throttle_; }

 private:
  void thread_loop(int index);
  // Both with lifecycle_mu_ held.
  void start_threads();
  void stop_threads();
  std::shared_ptr<PartitionLog> grab_dirtiest();
  // A compacted log first seen by this cleaner (after a restart, or a policy change) has its
  // clean section's delete horizons read back from the batches that carry one, so that
  // tombstones past it go without new dirty data to trigger a pass.
  void learn_delete_horizons();

  // Guards start, stop and reconfigure (and threads_, options_ outside the threads).
  mutable std::mutex lifecycle_mu_;
  bool stopped_ = false;  // stop() was called
  CleanerOptions options_;
  LogSource logs_;
  IoThrottle throttle_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> stop_flag_{false};           // tells a pass in progress to end
  std::set<std::string> in_progress_;            // dirs being cleaned, guarded by mu_
  std::set<std::string> uncleanable_;            // framing damage: skipped until restart
  std::map<std::string, int64_t> next_horizon_;  // dir -> earliest tombstone horizon
  std::set<std::string> horizon_known_;          // dirs whose horizons were read or set
  CleanStats totals_;                            // guarded by mu_
  std::atomic<int64_t> passes_{0};
  std::vector<std::thread> threads_;
};

}  // namespace eddy::log
