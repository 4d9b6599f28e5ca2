#include "metadata/metadata_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/bytes.h"
#include "common/crc32c.h"

namespace eddy::metadata {
namespace {

constexpr size_t kHeaderBytes = 16;  // length, crc, offset

std::string frame(int64_t offset, const std::string& payload) {
  std::string out(kHeaderBytes + payload.size(), '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  store_be32(p, static_cast<uint32_t>(payload.size()));
  store_be64(p + 8, static_cast<uint64_t>(offset));
  std::copy(payload.begin(), payload.end(), out.begin() + kHeaderBytes);
  uint32_t crc = crc32c::value(p + 8, 8 + payload.size());
  store_be32(p + 4, crc);
  return out;
}

Status write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "write " + path);
    }
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open " + path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return errno_status(err, "read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// Parses the entry at `pos`; nullopt when it is torn or corrupt.
struct Entry {
  int64_t offset;
  std::string_view payload;
  size_t size;
};
std::optional<Entry> parse_entry(std::string_view data, size_t pos) {
  if (data.size() - pos < kHeaderBytes) return std::nullopt;
  auto* p = reinterpret_cast<const uint8_t*>(data.data() + pos);
  uint32_t len = load_be32(p);
  if (len > MetadataLog::kMaxEntryBytes || data.size() - pos - kHeaderBytes < len) {
    return std::nullopt;
  }
  if (crc32c::value(p + 8, 8 + len) != load_be32(p + 4)) return std::nullopt;
  return Entry{static_cast<int64_t>(load_be64(p + 8)), data.substr(pos + kHeaderBytes, len),
               kHeaderBytes + len};
}

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open " + dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return errno_status(err, "fsync " + dir);
  return Status::ok();
}

}  // namespace

MetadataLog::MetadataLog(std::string dir, int fd, int64_t next_offset, uint64_t log_bytes)
    : dir_(std::move(dir)), fd_(fd), next_offset_(next_offset), log_bytes_(log_bytes) {}

MetadataLog::~MetadataLog() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<MetadataLog>> MetadataLog::open(const std::string& dir,
                                                       Recovered* recovered) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("create " + dir + ": " + ec.message());
  *recovered = Recovered{};
  int64_t next_offset = 0;

  std::string snap_path = dir + "/snapshot";
  if (std::filesystem::exists(snap_path)) {
    EDDY_ASSIGN_OR_RETURN(std::string data, read_file(snap_path));
    auto entry = parse_entry(data, 0);
    pb::MetadataSnapshot snap;
    if (!entry || entry->size != data.size() ||
        !snap.ParseFromArray(entry->payload.data(), static_cast<int>(entry->payload.size()))) {
      return corruption("metadata snapshot " + snap_path + " is corrupt");
    }
    next_offset = snap.last_offset() + 1;
    recovered->snapshot = std::move(snap);
  }

  std::string log_path = dir + "/log";
  int fd = ::open(log_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, "open " + log_path);
  // append() fdatasyncs the log file only: its name in `dir`, and `dir` in its parent, may be
  // new (here or in a start that crashed), and must be durable before any entry is. Two fsyncs
  // per start; without them a power cut could drop a log whose entries were acknowledged.
  for (const std::string& d : {dir, std::filesystem::path(dir).parent_path().string()}) {
    if (d.empty()) continue;
    if (Status s = fsync_dir(d); !s.is_ok()) {
      ::close(fd);
      return s;
    }
  }
  auto data = read_file(log_path);
  if (!data) {
    ::close(fd);
    return data.status();
  }
  size_t pos = 0;
  while (pos < data->size()) {
    auto entry = parse_entry(*data, pos);
    pb::MetadataBatch batch;
    if (!entry ||
        !batch.ParseFromArray(entry->payload.data(), static_cast<int>(entry->payload.size()))) {
      break;
    }
    pos += entry->size;
    if (entry->offset < next_offset) continue;  // covered by the snapshot
    next_offset = entry->offset + 1;
    recovered->entries.emplace_back(entry->offset, std::move(batch));
  }
  if (pos < data->size()) {
    recovered->truncated_tail = true;
    if (::ftruncate(fd, static_cast<off_t>(pos)) != 0 || ::fsync(fd) != 0) {
      int err = errno;
      ::close(fd);
      return errno_status(err, "truncate " + log_path);
    }
  }
  if (::lseek(fd, 0, SEEK_END) < 0) {
    int err = errno;
    ::close(fd);
    return errno_status(err, "seek " + log_path);
  }
  return std::unique_ptr<MetadataLog>(new MetadataLog(dir, fd, next_offset, pos));
}

Result<int64_t> MetadataLog::append(const pb::MetadataBatch& batch) {
  std::string payload;
  if (!batch.SerializeToString(&payload)) return internal_error("cannot serialize batch");
  if (payload.size() > kMaxEntryBytes) return too_large("metadata batch too large");
  if (failed_) return io_error(dir_ + "/log could not be cut back after a failed write");
  std::string data = frame(next_offset_, payload);
  Status s = write_all(fd_, data, dir_ + "/log");
  bool sync_failed = false;
  if (s.is_ok() && ::fdatasync(fd_) != 0) {
    s = errno_status(errno, "fdatasync " + dir_ + "/log");
    sync_failed = true;
  }
  if (!s.is_ok()) {
    // Nothing of a refused entry may stay: the next entries would follow a torn one (a full disk
    // writes part of it), which recovery stops at, dropping them although they were
    // acknowledged; and a whole one that its fdatasync did not vouch for must not come back
    // after a restart. Cut back to the last acknowledged entry, durably, or refuse from now on.
    // After a failed fdatasync the page cache no longer says what the disk holds (Linux marks
    // the pages clean and reports the error once): cut back, then refuse until a restart reads
    // the file again, as a partition does after a failed fsync.
    const bool cut_back = ::ftruncate(fd_, static_cast<off_t>(log_bytes_)) == 0 &&
                          ::lseek(fd_, static_cast<off_t>(log_bytes_), SEEK_SET) >= 0 &&
                          ::fdatasync(fd_) == 0;
    if (!cut_back || sync_failed) failed_ = true;
    return s;
  }
  log_bytes_ += data.size();
  return next_offset_++;
}

Status MetadataLog::write_snapshot(const pb::MetadataSnapshot& snapshot) {
  std::string payload;
  if (!snapshot.SerializeToString(&payload)) return internal_error("cannot serialize snapshot");
  if (payload.size() > kMaxEntryBytes) return too_large("metadata snapshot too large");
  std::string tmp = dir_ + "/snapshot.tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, "open " + tmp);
  Status s = write_all(fd, frame(snapshot.last_offset(), payload), tmp);
  if (s.is_ok() && ::fsync(fd) != 0) s = errno_status(errno, "fsync " + tmp);
  ::close(fd);
  EDDY_RETURN_IF_ERROR(s);
  if (::rename(tmp.c_str(), (dir_ + "/snapshot").c_str()) != 0) {
    return errno_status(errno, "rename " + tmp);
  }
  EDDY_RETURN_IF_ERROR(fsync_dir(dir_));
  // Entries up to the snapshot are now redundant; those after it (none, when the caller holds
  // the commit lock) would be lost, so only truncate when the snapshot covers the whole log.
  if (snapshot.last_offset() + 1 == next_offset_) {
    if (::ftruncate(fd_, 0) != 0) return errno_status(errno, "truncate " + dir_ + "/log");
    // From here the file is empty: the next append must not land at its old end (a hole of
    // zeros, where recovery stops and drops every entry after it), nor a cut-back extend it.
    if (::lseek(fd_, 0, SEEK_SET) < 0) {
      failed_ = true;
      return errno_status(errno, "seek " + dir_ + "/log");
    }
    log_bytes_ = 0;
    if (::fsync(fd_) != 0) {
      failed_ = true;
      return errno_status(errno, "fsync " + dir_ + "/log");
    }
  }
  return Status::ok();
}

}  // namespace eddy::metadata
