#pragma once
// DataDirLock: this process's claim on its data directories (every log dir and the metadata log
// dir), Kafka's `.lock` file. Each distinct directory gets `<dir>/.lock`, held with an exclusive
// flock(2) for the life of the object; the holder writes its pid into it so that a refused
// process can name it. The kernel drops the lock when the process dies, however it dies, so a
// kill -9 leaves nothing to clean up.
//
// Taken before anything in the directories is read: a second eddyd on the same directories would
// otherwise run start-up recovery on a live broker's files (truncating and rewriting segments the
// first one is appending to). A refused acquire writes nothing: the lock file is opened without
// O_TRUNC and only the holder writes it.

#include <string>
#include <vector>

#include "common/status.h"

namespace eddy::broker {

class DataDirLock {
 public:
  // Locks every directory of `dirs` (created when missing; paths naming the same directory are
  // locked once). kFailedPrecondition naming the directory and the holder's pid when another
  // process holds one of them; then no lock is kept.
  static Result<DataDirLock> acquire(const std::vector<std::string>& dirs);

  DataDirLock() = default;
  DataDirLock(DataDirLock&& o) noexcept : fds_(std::move(o.fds_)) { o.fds_.clear(); }
  DataDirLock& operator=(DataDirLock&& o) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock() { release(); }

  // Unlocks every directory (closes the lock files; they stay). Idempotent.
  void release();

 private:
  std::vector<int> fds_;
};

// The lock file's name inside a data directory.
inline constexpr const char* kDataDirLockFile = ".lock";

}  // namespace eddy::broker
