#pragma once
// A budget of open file descriptors shared by every segment file of a LogManager, so that ten
// thousand mostly idle partitions do not hold ten thousand (times three) open files. Each segment
// file is a CachedFile: it opens on demand and the budget closes the least recently used idle
// ones when over the limit. "Idle" means no reader or writer holds the File right now: a FileSlice
// in flight keeps its File (and so its fd) open whatever the budget says, which makes the limit
// soft by at most the number of in-flight reads.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "log/file.h"

namespace eddy::log {

class CachedFile;

class FileHandleBudget {
 public:
  static constexpr size_t kMinOpen = 64;

  explicit FileHandleBudget(size_t max_open) : max_open_(max_open == 0 ? 1 : max_open) {}
  // The budget of a process allowed `open_file_limit` descriptors (RLIMIT_NOFILE): half of them,
  // so that the other half stays for connections, the metadata log, checkpoints being written and
  // the files in-flight reads hold past the budget; at least kMinOpen.
  static size_t for_open_file_limit(uint64_t open_file_limit) {
    return std::max<size_t>(kMinOpen, static_cast<size_t>(open_file_limit / 2));
  }
  size_t max_open() const { return max_open_; }
  size_t open_count() const;

  // CachedFile calls these; `f` moves to the most recently used end and idle files past the
  // limit are closed, oldest first.
  void touch(CachedFile* f);
  void forget(CachedFile* f);

 private:
  const size_t max_open_;
  mutable std::mutex mu_;
  std::list<CachedFile*> lru_;  // front = most recently used; exactly the open files
};

class CachedFile {
 public:
  CachedFile(std::string path, FileHandleBudget* budget, FaultInjector* faults)
      : path_(std::move(path)), budget_(budget), faults_(faults) {}
  ~CachedFile();
  CachedFile(const CachedFile&) = delete;
  CachedFile& operator=(const CachedFile&) = delete;

  // The open file, reopened when the budget closed it. `create` only for a new segment.
  Result<std::shared_ptr<File>> get(bool create = false);
  // Closes the fd unless someone holds the File or it is pinned. Returns true when it is closed.
  bool close_if_idle();
  // Opens the file (if the budget closed it) and keeps it open until this object goes, outside
  // the budget: for a file whose name is about to name another file or none (a segment the
  // cleaner replaced), which must never be reopened by name.
  Status pin();
  bool is_open() const;
  const std::string& path() const { return path_; }

 private:
  friend class FileHandleBudget;
  const std::string path_;
  FileHandleBudget* const budget_;
  FaultInjector* const faults_;
  mutable std::mutex mu_;
  std::shared_ptr<File> file_;
  bool pinned_ = false;  // guarded by mu_
  // Owned by the budget's mutex: the position in its LRU list while open.
  std::list<CachedFile*>::iterator lru_pos_;
  bool in_lru_ = false;
};

}  // namespace eddy::log
