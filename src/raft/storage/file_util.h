#pragma once
// Thin POSIX helpers for the Raft storage files. Every failure is a Status naming the path and
// the system call, so an operator can tell a full disk from a missing directory.

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace eddy::raft::file_util {

// Writes all of `data` to `fd`, retrying short writes and EINTR.
Status write_all(int fd, ByteSpan data, const std::filesystem::path& path);

// fdatasync(2) on an open file.
Status sync_fd(int fd, const std::filesystem::path& path);

// Makes the creation, rename or removal of entries in `dir` durable.
Status sync_dir(const std::filesystem::path& dir);

// Creates `dir` (and parents) when missing and syncs its parent so the entry survives a crash.
Status ensure_dir(const std::filesystem::path& dir);

// Replaces `path` atomically: writes `<path>.tmp`, syncs it, renames it over `path`, syncs the
// directory. After a crash the file holds either the old or the new bytes, never a mix.
Status write_file_atomic(const std::filesystem::path& path, ByteSpan data);

// Reads a whole file of at most `max_bytes` (checked against the file size before allocating).
Result<Bytes> read_file(const std::filesystem::path& path, uint64_t max_bytes);

}  // namespace eddy::raft::file_util
