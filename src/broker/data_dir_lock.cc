#include "broker/data_dir_lock.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "log/file.h"

namespace eddy::broker {
namespace {

// The pid the holder wrote, or "unknown" (it may have locked and not written yet).
std::string holder_of(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  std::string s = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "unknown" : s;
}

}  // namespace

DataDirLock& DataDirLock::operator=(DataDirLock&& o) noexcept {
  if (this != &o) {
    release();
    fds_ = std::move(o.fds_);
    o.fds_.clear();
  }
  return *this;
}

void DataDirLock::release() {
  for (int fd : fds_) ::close(fd);  // closing the only descriptor drops the flock
  fds_.clear();
}

Result<DataDirLock> DataDirLock::acquire(const std::vector<std::string>& dirs) {
  DataDirLock lock;
  // flock locks belong to an open file description: two descriptors of one file in this process
  // would refuse each other, so each directory is locked once, by its resolved path.
  std::set<std::string> locked;
  for (const std::string& dir : dirs) {
    EDDY_RETURN_IF_ERROR(log::make_dirs(dir));
    char* resolved = ::realpath(dir.c_str(), nullptr);
    if (resolved == nullptr) return errno_status(errno, "resolve data directory " + dir);
    std::string real(resolved);
    ::free(resolved);
    if (!locked.insert(real).second) continue;
    std::string path = real + "/" + kDataDirLockFile;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status(errno, "open lock file " + path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      std::string holder = err == EWOULDBLOCK ? holder_of(fd) : std::string();
      ::close(fd);
      if (err != EWOULDBLOCK) return errno_status(err, "lock " + path);
      return failed_precondition("data directory " + dir + " is in use by another process (pid " +
                                 holder + ", holding " + path +
                                 "); two brokers must never share a directory");
    }
    lock.fds_.push_back(fd);
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
      return errno_status(errno, "write lock file " + path);
    }
  }
  return lock;
}

}  // namespace eddy::broker
