#include "raft/storage/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace eddy::raft::file_util {

namespace {

// Closes the descriptor on every path out of a function.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

Status write_all(int fd, ByteSpan data, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "write " + path.string());
    }
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

Status sync_fd(int fd, const std::filesystem::path& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return errno_status(errno, "fdatasync " + path.string());
  }
  return Status::ok();
}

Status sync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open directory " + dir.string());
  FdCloser closer(fd);
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return errno_status(errno, "fsync directory " + dir.string());
  }
  return Status::ok();
}

Status ensure_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Status::ok();
  std::filesystem::create_directories(dir, ec);
  if (ec) return errno_status(ec.value(), "create directory " + dir.string());
  std::filesystem::path parent = dir.parent_path();
  return sync_dir(parent.empty() ? std::filesystem::path(".") : parent);
}

Status write_file_atomic(const std::filesystem::path& path, ByteSpan data) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status(errno, "open " + tmp.string());
    FdCloser closer(fd);
    EDDY_RETURN_IF_ERROR(write_all(fd, data, tmp));
    EDDY_RETURN_IF_ERROR(sync_fd(fd, tmp));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return errno_status(errno, "rename " + tmp.string() + " to " + path.string());
  }
  std::filesystem::path dir = path.parent_path();
  return sync_dir(dir.empty() ? std::filesystem::path(".") : dir);
}

Result<Bytes> read_file(const std::filesystem::path& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open " + path.string());
  FdCloser closer(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_status(errno, "fstat " + path.string());
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) {
    return too_large(path.string() + " is " + std::to_string(size) + " bytes, limit " +
                     std::to_string(max_bytes));
  }
  Bytes out(size);
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "read " + path.string());
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

}  // namespace eddy::raft::file_util
