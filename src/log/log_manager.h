#pragma once
// LogManager: every partition log of a broker, spread over log.dirs.
//
// A partition lives in <log.dir>/<topic>-<partition>/ (Kafka's layout). Each log dir holds one
// clean-shutdown marker for all its partitions (<log.dir>/.clean_shutdown, Kafka's per-dir
// .kafka_cleanshutdown): shutdown() creates it after every log of the dir closed, open() removes
// it (one directory fsync per log dir) before returning, so a restart after a clean shutdown
// costs no per-partition fsync. Partitions are opened and closed by recovery_threads threads
// (Kafka's num.recovery.threads.per.data.dir), so that the fsyncs an unclean recovery or a
// shutdown still needs overlap and the filesystem's journal commits them together. Deleting a
// partition
// renames its directory to <topic>-<partition>.<unique>-delete (one atomic rename, so a crash
// leaves either the live log or a directory open() finishes deleting) and removes the files on
// the background thread. One background thread enforces retention (every
// retention_check_interval_ms), rolls segments on segment.ms, flushes FlushPolicy::kInterval logs
// on flush.ms and writes checkpoints; one Flusher pool runs the group-commit fsyncs of
// FlushPolicy::kSync logs. Every segment file shares one FileHandleBudget. One more thread runs the
// Scrubber (CRC checks of sealed segments at log.scrubber.io.max.bytes.per.second), and
// log.cleaner.threads more the LogCleaner (compaction).
//
// Thread-safe. The returned shared_ptrs stay usable after remove() (reads of a removed log still
// see their open files; appends fail) and after shutdown().

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

#include "common/clock.h"
#include "common/status.h"
#include "log/cleaner_options.h"
#include "log/file_handle_budget.h"
#include "log/flusher.h"
#include "log/log_config.h"
#include "log/partition_log.h"
#include "log/preallocation_budget.h"
#include "log/scrubber.h"

namespace eddy::log {

class LogCleaner;

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  // "<topic>-<partition>", the directory name.
  std::string dir_name() const;
  // Parses a directory name; nullopt for anything else (".delete" dirs, stray files).
  static std::optional<TopicPartition> parse_dir_name(const std::string& name);
};

struct LogManagerOptions {
  std::vector<std::string> log_dirs;  // log.dirs; at least one
  LogConfig default_config;           // log.* defaults for partitions created without one
  size_t max_open_files = 4096;       // file-handle budget across all segment files
  // Bound on the zero-filled tails (preallocate) of all active segments together: with the
  // default 1 MiB ahead, about a thousand partitions written to at once keep a tail; the rest
  // append without one until tails are trimmed (roll, close) or overwritten.
  uint64_t preallocate_max_bytes = 1ULL << 30;
  int64_t retention_check_interval_ms = 300'000;  // log.retention.check.interval.ms
  int64_t background_tick_ms = 100;  // how often segment.ms / flush.ms / checkpoints are checked
  int64_t checkpoint_interval_ms = 60'000;  // log.flush.offset.checkpoint.interval.ms
  // Two, so that the fsyncs of different partitions overlap (the journal commits them together);
  // one log is flushed by one thread at a time.
  int flusher_threads = 2;
  // Threads that open (recover) and close partition logs at open() and shutdown().
  int recovery_threads = 4;
  Clock* clock = &SystemClock::instance();
  FaultInjector* faults = nullptr;  // test seam, passed to every log
  // Called for every partition recovered at open() (on the thread calling open(), after all are
  // open) and for every background failure, so the broker can log it. Must not throw; runs on
  // the calling or background thread.
  std::function<void(const TopicPartition&, const RecoveryReport&)> on_recovery;
  std::function<void(const TopicPartition&, const Status&)> on_background_error;
  // Called when a read or the scrubber finds damage in a partition (PartitionLogOptions::
  // on_damage); on a reading or the scrubber thread. Must not throw or block.
  std::function<void(const TopicPartition&, const DamagedRange&)> on_damage;
  // The CRC scrubber of sealed segments (its thread starts with start(); clock and tick are the
  // LogManager's).
  ScrubberOptions scrubber;
  // The log cleaner (compaction of cleanup.policy=compact logs); its threads start with start()
  // and stop before shutdown() closes the logs. The clock is the LogManager's.
  CleanerOptions cleaner;
  // The partition's high watermark (the replica layer's), nullopt when it has none: each cleaner
  // round hands it to the log (PartitionLog::set_high_watermark) before picking a log, so that
  // nothing at or past it is cleaned. Called on a cleaner thread with no LogManager lock held.
  std::function<std::optional<Offset>(const TopicPartition&)> high_watermark;
};

class LogManager {
 public:
  // Creates missing log dirs, finishes interrupted deletions and opens (recovering) every
  // partition directory found. Does not start the background thread.
  static Result<std::unique_ptr<LogManager>> open(LogManagerOptions options);
  ~LogManager();  // shutdown()
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // Starts the background (retention, roll, interval flush, checkpoint) thread.
  void start();

  // The log, created with `config` (in the log dir holding the fewest partitions) if missing.
  Result<std::shared_ptr<PartitionLog>> get_or_create(const TopicPartition& tp,
                                                      const LogConfig& config);
  Result<std::shared_ptr<PartitionLog>> get_or_create(const TopicPartition& tp) {
    return get_or_create(tp, options_.default_config);
  }
  // Null when the partition has no log here.
  std::shared_ptr<PartitionLog> get(const TopicPartition& tp) const;
  std::vector<TopicPartition> partitions() const;
  // The partitions whose log has a damaged range (PartitionLog::damaged_ranges): offline here.
  std::set<TopicPartition> damaged_partitions() const;
  // Closes the log, renames its directory to a -delete one and removes it in the background.
  // kNotFound when there is no such log.
  Status remove(const TopicPartition& tp);

  // One retention pass over every log, now (also what the background thread runs).
  void enforce_retention_now();
  // Flushes every log, now.
  Status flush_all();

  // Stops the background thread and the flusher, closes every log cleanly (flush, indexes,
  // checkpoints), then creates each log dir's clean-shutdown marker, unless a log of that dir
  // failed to close (its next open is then unclean). Idempotent; the first error is returned.
  Status shutdown();

  Flusher& flusher() { return *flusher_; }
  // The log cleaner; null until start(), and when log.cleaner.enable is off.
  LogCleaner* cleaner() { return cleaner_.get(); }
  // New dynamic log.cleaner.* settings (LogCleaner::reconfigure): the running cleaner restarts
  // its threads with them; before start() they are what start() uses. Returns whether anything
  // changed (settings equal to those in force restart nothing).
  bool reconfigure_cleaner(const CleanerOptions& options);
  FileHandleBudget& file_budget() { return budget_; }
  const PreallocationBudget& preallocation_budget() const { return *preallocation_budget_; }
  const LogManagerOptions& options() const { return options_; }

 private:
  explicit LogManager(LogManagerOptions options);
  PartitionLogOptions log_options(const TopicPartition& tp, const std::string& path,
                                  const LogConfig& config, bool log_dir_clean);
  std::vector<std::pair<TopicPartition, std::shared_ptr<PartitionLog>>> snapshot() const;
  // Runs fn on every log; returns the first error.
  Status for_each_log(const std::function<Status(PartitionLog&)>& fn);
  // Opens every partition directory of every log dir, recovery_threads at a time, then removes
  // the log dirs' clean-shutdown markers.
  Status load_dirs();
  void background_loop();
  void scrubber_loop();
  void delete_pending_dirs();

  LogManagerOptions options_;
  FileHandleBudget budget_;
  std::shared_ptr<PreallocationBudget> preallocation_budget_;
  std::unique_ptr<Flusher> flusher_;

  mutable std::mutex mu_;
  std::map<TopicPartition, std::shared_ptr<PartitionLog>> logs_;
  std::map<std::string, int> partitions_per_dir_;
  std::vector<std::string> pending_deletes_;  // -delete directories not yet removed

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stopping_ = false;
  std::atomic<bool> shut_down_{false};
  bool loaded_ = false;  // open() opened every partition of every log dir
  std::thread background_;
  std::thread scrubber_thread_;
  std::unique_ptr<LogCleaner> cleaner_;
};

}  // namespace eddy::log
