#include "log/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "log/log_format.h"

namespace eddy::log {

namespace fs = std::filesystem;

int FaultInjector::take_write_fault(uint64_t* partial_bytes) {
  if (count_.load() <= 0) return 0;
  int skip = skip_.load();
  while (skip > 0) {
    if (skip_.compare_exchange_weak(skip, skip - 1)) return 0;
  }
  int left = count_.load();
  while (left > 0) {
    if (count_.compare_exchange_weak(left, left - 1)) {
      *partial_bytes = partial_bytes_.load();
      return errno_.load();
    }
  }
  return 0;
}

int FaultInjector::take_sync_fault() {
  if (sync_count_.load() <= 0) return 0;
  int skip = sync_skip_.load();
  while (skip > 0) {
    if (sync_skip_.compare_exchange_weak(skip, skip - 1)) return 0;
  }
  int left = sync_count_.load();
  while (left > 0) {
    if (sync_count_.compare_exchange_weak(left, left - 1)) return sync_errno_.load();
  }
  return 0;
}

File::~File() { close(); }

File::File(File&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)), faults_(o.faults_) {
  o.fd_ = -1;
}

File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    faults_ = o.faults_;
    o.fd_ = -1;
  }
  return *this;
}

Result<File> File::open(const std::string& path, bool create, FaultInjector* faults) {
  int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
  int fd;
  do {
    fd = ::open(path.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_status(errno, "open " + path);
  return File(fd, path, faults);
}

Status File::write_at(uint64_t position, ByteSpan data) {
  size_t limit = data.size();
  int injected = 0;
  if (faults_ != nullptr) {
    uint64_t partial = 0;
    injected = faults_->take_write_fault(&partial);
    if (injected != 0) limit = std::min<uint64_t>(partial, data.size());
  }
  size_t done = 0;
  while (done < limit) {
    ssize_t n =
        ::pwrite(fd_, data.data() + done, limit - done, static_cast<off_t>(position + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "write " + path_);
    }
    if (n == 0) return io_error("write " + path_ + ": wrote nothing");
    done += static_cast<size_t>(n);
  }
  if (injected != 0) return errno_status(injected, "write " + path_ + " (injected)");
  return Status::ok();
}

Result<size_t> File::read_some_at(uint64_t position, MutableByteSpan out) const {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(position + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "read " + path_);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status File::read_at(uint64_t position, MutableByteSpan out) const {
  EDDY_ASSIGN_OR_RETURN(size_t n, read_some_at(position, out));
  if (n != out.size()) {
    return corruption("read " + path_ + ": file ends at " + std::to_string(position + n) +
                      ", wanted " + std::to_string(out.size()) + " bytes at " +
                      std::to_string(position));
  }
  return Status::ok();
}

Status File::sync() {
  if (faults_ != nullptr) {
    faults_->note_file_sync();
    int injected = faults_->take_sync_fault();
    if (injected != 0) return errno_status(injected, "fsync " + path_ + " (injected)");
  }
  if (::fdatasync(fd_) != 0) return errno_status(errno, "fsync " + path_);
  return Status::ok();
}

Status File::start_writeback(uint64_t position, uint64_t length) {
  if (::sync_file_range(fd_, static_cast<off_t>(position), static_cast<off_t>(length),
                        SYNC_FILE_RANGE_WRITE) != 0) {
    return errno_status(errno, "sync_file_range " + path_);
  }
  return Status::ok();
}

Status File::truncate(uint64_t size) {
  int rc;
  do {
    rc = ::ftruncate(fd_, static_cast<off_t>(size));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return errno_status(errno, "truncate " + path_);
  return Status::ok();
}

Result<uint64_t> File::size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return errno_status(errno, "stat " + path_);
  return static_cast<uint64_t>(st.st_size);
}

void File::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Status truncate_if_not_empty(File& f) {
  EDDY_ASSIGN_OR_RETURN(uint64_t size, f.size());
  return size == 0 ? Status::ok() : f.truncate(0);
}

Status make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return errno_status(ec.value(), "create directory " + path);
  return Status::ok();
}

Status sync_dir(const std::string& path, FaultInjector* faults) {
  if (faults != nullptr) {
    faults->note_dir_sync();
    int injected = faults->take_sync_fault();
    if (injected != 0) return errno_status(injected, "fsync directory " + path + " (injected)");
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open directory " + path);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return errno_status(err, "fsync directory " + path);
  return Status::ok();
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return errno_status(errno, "unlink " + path);
  }
  return Status::ok();
}

Status remove_all(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return errno_status(ec.value(), "remove " + path);
  return Status::ok();
}

Status rename_path(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return errno_status(errno, "rename " + from + " to " + to);
  }
  return Status::ok();
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string parent_dir(const std::string& path) {
  std::string parent = fs::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

Status write_file_atomically(const std::string& dir, const std::string& name, ByteSpan data,
                             Durability durability, FaultInjector* faults) {
  std::string path = dir + "/" + name;
  std::string tmp = path + kTempSuffix;
  {
    EDDY_ASSIGN_OR_RETURN(File f, File::open(tmp, /*create=*/true));
    EDDY_RETURN_IF_ERROR(f.truncate(0));
    EDDY_RETURN_IF_ERROR(f.write_at(0, data));
    // Counted only: a checkpoint's own writes take no injected faults (the segment writes do).
    if (faults != nullptr) faults->note_file_sync();
    EDDY_RETURN_IF_ERROR(f.sync());
  }
  EDDY_RETURN_IF_ERROR(rename_path(tmp, path));
  if (durability == Durability::kContent) return Status::ok();
  return sync_dir(dir, faults);
}

Status create_marker_file(const std::string& dir, const std::string& name, FaultInjector* faults) {
  std::string path = dir + "/" + name;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, "create " + path);
  ::close(fd);
  return sync_dir(dir, faults);
}

Result<Bytes> read_whole_file(const std::string& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return errno_status(err, "stat " + path);
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    return corruption(path + " is " + std::to_string(size) + " bytes, over the limit of " +
                      std::to_string(max_bytes));
  }
  Bytes out(size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

}  // namespace eddy::log
