#pragma once
// A thin, fault-injectable wrapper over a POSIX file descriptor: positional reads and writes that
// loop until done, fsync and ftruncate, each returning a Status (ENOSPC -> kNoSpace, other
// errnos -> kIoError). Tests hand a FaultInjector to make the next writes fail the way a full or
// failing disk does, including short writes that leave a partial batch behind.

#include <atomic>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace eddy::log {

// Shared by every file of the logs it is given to. Thread-safe.
class FaultInjector {
 public:
  // After `skip` more writes succeed, the next `count` fail with `err` (ENOSPC, EIO) after
  // writing `partial_bytes` bytes of their data (a torn write), or none when partial_bytes is 0.
  void fail_writes(int err, int count = 1, uint64_t partial_bytes = 0, int skip = 0) {
    partial_bytes_ = partial_bytes;
    errno_ = err;
    skip_ = skip;
    count_ = count;
  }
  // The next `count` fsyncs fail with `err`.
  void fail_syncs(int err, int count = 1) {
    sync_errno_ = err;
    sync_count_ = count;
  }
  void clear() {
    count_ = 0;
    sync_count_ = 0;
  }

  // Used by File: 0, or the errno to fail this write with (and how much of it to write first).
  int take_write_fault(uint64_t* partial_bytes);
  int take_sync_fault();

 private:
  std::atomic<int> errno_{0};
  std::atomic<int> count_{0};
  std::atomic<int> skip_{0};
  std::atomic<uint64_t> partial_bytes_{0};
  std::atomic<int> sync_errno_{0};
  std::atomic<int> sync_count_{0};
};

class File {
 public:
  File() = default;
  ~File();
  File(File&& o) noexcept;
  File& operator=(File&& o) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // O_RDWR | O_CLOEXEC, plus O_CREAT when `create`.
  static Result<File> open(const std::string& path, bool create, FaultInjector* faults = nullptr);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  Status write_at(uint64_t position, ByteSpan data);
  // Reads exactly out.size() bytes; kCorruption when the file ends first.
  Status read_at(uint64_t position, MutableByteSpan out) const;
  // Reads up to out.size() bytes; returns how many (fewer only at end of file).
  Result<size_t> read_some_at(uint64_t position, MutableByteSpan out) const;
  Status sync();
  Status truncate(uint64_t size);
  Result<uint64_t> size() const;
  void close();

 private:
  File(int fd, std::string path, FaultInjector* faults)
      : fd_(fd), path_(std::move(path)), faults_(faults) {}
  int fd_ = -1;
  std::string path_;
  FaultInjector* faults_ = nullptr;
};

// Directory and path helpers, errors as Status.
Status make_dirs(const std::string& path);
Status sync_dir(const std::string& path);
Status remove_file(const std::string& path);  // ok when already gone
Status remove_all(const std::string& path);   // recursive; ok when already gone
Status rename_path(const std::string& from, const std::string& to);
bool path_exists(const std::string& path);
// Writes `data` to path.tmp, fsyncs it, renames it over `path` and fsyncs the directory: after a
// crash the file holds either the old or the new content, never a mix.
Status write_file_atomically(const std::string& dir, const std::string& name, ByteSpan data);
Result<Bytes> read_whole_file(const std::string& path, uint64_t max_bytes);

}  // namespace eddy::log
