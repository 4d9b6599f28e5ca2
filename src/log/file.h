#pragma once
// A thin, fault-injectable wrapper over a POSIX file descriptor: positional reads and writes that
// loop until done, fsync and ftruncate, each returning a Status (ENOSPC -> kNoSpace, other
// errnos -> kIoError). Tests hand a FaultInjector to make the next writes fail the way a full or
// failing disk does, including short writes that leave a partial batch behind.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

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
  // After `skip` more fsyncs succeed, the next `count` fail with `err`. Files and directories
  // (sync_dir given this injector) alike.
  void fail_syncs(int err, int count = 1, int skip = 0) {
    sync_errno_ = err;
    sync_skip_ = skip;
    sync_count_ = count;
  }
  // How many file fsyncs (File::sync) and directory fsyncs (sync_dir) went through this injector
  // since it was made: what tests check to see what an operation makes durable, and how often.
  int64_t file_syncs() const { return file_syncs_.load(); }
  int64_t dir_syncs() const { return dir_syncs_.load(); }
  void note_file_sync() { ++file_syncs_; }
  void note_dir_sync() { ++dir_syncs_; }
  void clear() {
    count_ = 0;
    sync_count_ = 0;
  }

  // Crash points: a multi-step protocol (the log cleaner's swap) names each step before it takes
  // it, and a test's hook sees the files as a crash right there would leave them (it copies the
  // directory, say). Set before the protocol runs; not synchronised.
  void set_crash_point_hook(std::function<void(std::string_view step)> hook) {
    crash_point_hook_ = std::move(hook);
  }
  void crash_point(std::string_view step) const {
    if (crash_point_hook_) crash_point_hook_(step);
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
  std::atomic<int> sync_skip_{0};
  std::atomic<int64_t> file_syncs_{0};
  std::atomic<int64_t> dir_syncs_{0};
  std::function<void(std::string_view)> crash_point_hook_;
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
  // Starts write-back of [position, position + length) without waiting for it
  // (sync_file_range(SYNC_FILE_RANGE_WRITE)): a hint, durable only after sync(). It neither waits
  // nor consumes a write-back error, so the next sync() still reports one.
  Status start_writeback(uint64_t position, uint64_t length);
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

// Empties a file unless it already is. ext4 treats a truncation to 0 as "this file is being
// replaced" and starts writing back all its dirty pages when it is closed (auto_da_alloc); a new
// segment truncated needlessly would pay that on every close by the file-handle budget.
Status truncate_if_not_empty(File& f);

// Directory and path helpers, errors as Status. `faults`, where taken, counts the fsyncs and may
// fail them.
Status make_dirs(const std::string& path);
Status sync_dir(const std::string& path, FaultInjector* faults = nullptr);
Status remove_file(const std::string& path);  // ok when already gone
Status remove_all(const std::string& path);   // recursive; ok when already gone
Status rename_path(const std::string& from, const std::string& to);
bool path_exists(const std::string& path);
// The directory holding `path` ("." for a bare name).
std::string parent_dir(const std::string& path);
// How far write_file_atomically goes.
enum class Durability : uint8_t {
  // The new content is fsynced before the rename, the rename is not: after a crash the file holds
  // the old content or the new, whole. For values where the old one is still safe to find.
  kContent,
  // The directory is fsynced after the rename too: the new content survives a crash.
  kContentAndName,
};
// Writes `data` to path.tmp, fsyncs it and renames it over `path` (then fsyncs the directory, for
// kContentAndName): after a crash the file holds either the old or the new content, never a mix.
Status write_file_atomically(const std::string& dir, const std::string& name, ByteSpan data,
                             Durability durability = Durability::kContentAndName,
                             FaultInjector* faults = nullptr);
// Creates `path` empty (or keeps it) and fsyncs `dir`, its directory, so that it exists after a
// crash. A marker file: its content is nothing, so only its name needs to be durable.
Status create_marker_file(const std::string& dir, const std::string& name,
                          FaultInjector* faults = nullptr);
Result<Bytes> read_whole_file(const std::string& path, uint64_t max_bytes);

}  // namespace eddy::log
