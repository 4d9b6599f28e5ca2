#pragma once
// The leader-epoch cache of one partition log: for each leader epoch the log has seen, the first
// offset written in it (Kafka's LeaderEpochFileCache, persisted as leader-epoch-checkpoint). It is
// what OffsetForLeaderEpoch answers from, so that a follower truncates to where its log diverged
// from the leader's rather than to the high watermark (KIP-101).
//
// Entries are strictly increasing in both epoch and start offset. The cache is written to disk by
// persist() (the flusher, before it advances the recovery point), so after a crash the file covers
// every flushed batch; recovery re-learns the epochs of the batches it scans after that. Thread
// safe.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "common/status.h"
#include "log/file.h"

namespace eddy::log {

struct EpochEntry {
  LeaderEpoch epoch;
  Offset start_offset;
  bool operator==(const EpochEntry&) const = default;
};

class LeaderEpochCache {
 public:
  // `faults` only counts the fsyncs of persist() (tests).
  explicit LeaderEpochCache(std::string dir, FaultInjector* faults = nullptr)
      : dir_(std::move(dir)), faults_(faults) {}

  // Reads leader-epoch-checkpoint. A missing file is an empty cache; a damaged one is kCorruption
  // (the caller then starts empty and re-learns epochs from the batches it scans).
  Status load();
  // Writes the file when something changed since the last persist(), durably (temp file, fsync,
  // rename, directory fsync): the recovery point written after it relies on it. Callers may race
  // (the flusher, checkpoint writers); one write at a time.
  Status persist();

  // Records that `epoch` starts at `start_offset`, if it is newer than the latest epoch. An older
  // or equal epoch is ignored (a batch of the current epoch, or a stale one replicated back).
  void assign(LeaderEpoch epoch, Offset start_offset);
  // Removes epochs that start at or after `end_offset` (the log was truncated there).
  void truncate_from_end(Offset end_offset);
  // The log now starts at `start_offset`: drops epochs that ended before it and moves the start
  // of the one containing it up to it.
  void truncate_from_start(Offset start_offset);
  void clear();

  LeaderEpoch latest_epoch() const;
  // Kafka's endOffsetFor: for the latest epoch (epoch, log_end_offset); otherwise (largest known
  // epoch <= `epoch`, start offset of the first epoch after it), or (`epoch`, first start offset)
  // when `epoch` precedes every entry; (-1, -1) when the cache is empty, `epoch` is -1 or newer
  // than any known epoch.
  std::pair<LeaderEpoch, Offset> end_offset_for(LeaderEpoch epoch, Offset log_end_offset) const;
  std::vector<EpochEntry> entries() const;

 private:
  const std::string dir_;
  FaultInjector* const faults_;
  std::mutex persist_mu_;  // one file write at a time; taken before mu_
  mutable std::mutex mu_;
  std::vector<EpochEntry> entries_;
  bool dirty_ = false;
  // The latest epoch, readable without mu_: every append asks whether its epoch is new.
  std::atomic<int32_t> latest_{-1};
};

}  // namespace eddy::log
