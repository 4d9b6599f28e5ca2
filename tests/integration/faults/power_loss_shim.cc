// An LD_PRELOAD library that eddyd runs under for the power-loss (T3) and disk-full (T11) tests.
//
// Power loss (EDDY_SHIM_MIRROR set): it keeps, outside the data dir, what a power cut would leave
// of every file and directory under EDDY_SHIM_ROOT. The model is POSIX's worst case, which ext4
// (data=ordered) may produce: a file's bytes are durable only once an fsync/fdatasync of that
// file returned, and a name (create, rename, unlink) only once an fsync of its directory
// returned. kill -9 runs no code, so the state is written as it changes:
//   MIRROR/inodes/<id>   the content of file <id> as of its last completed fsync; an id is the
//                        file's device, inode number and birth time (an inode number can be
//                        reused after an unlink, an id never is), so it is the same in every
//                        process that runs over the same data dir: the mirror outlives a restart
//   MIRROR/dirs/<key>    the listing of a directory as of its last completed fsync, one line per
//                        entry: "f\t<id>\t<name>" or "d\t-\t<name>"; <key> is the path relative
//                        to the root with '%' and '/' escaped, "%root" for the root itself
// The test rebuilds the root from these after the kill. Bytes written since a file's last fsync
// are tracked here (in memory, which the kill loses on purpose); an fsync copies their content,
// read before the real fsync starts (only what was written before the call is promised), into
// the mirror once the real fsync returns. A process that finds a file its predecessor left counts
// the whole file as written, unsynced: it may hold bytes the previous process wrote and never
// synced (still in the page cache after a kill -9), which this process's next fsync makes durable.
//
// EDDY_SHIM_KILL_AT_SYNC=N (with the mirror) makes the process SIGKILL itself in its Nth fsync of
// a file with written, unsynced bytes, before the real fsync: the power cut lands where it has
// the most to lose.
//
// Disk full (EDDY_SHIM_FULL_FILE set): while that control file exists, a write to a file under
// the root fails the way a full ext4 does: what overwrites bytes the file already has succeeds
// (its blocks are allocated: eddyd's preallocated tail), what would extend the file is cut where
// the free bytes end (a short write) or, with nothing left to write, fails with ENOSPC. The
// control file holds how many bytes are free when it appears (empty: none).
//
// EIO on fsync (EDDY_SHIM_EIO_FILE set): while that control file exists, an fsync/fdatasync of a
// regular file under the root fails with EIO and syncs nothing (its bytes stay unsynced in the
// mirror), as when the disk reports a write-back error.
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {

template <typename Fn>
Fn real(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

using WriteFn = ssize_t (*)(int, const void*, size_t);
using PwriteFn = ssize_t (*)(int, const void*, size_t, off_t);
using WritevFn = ssize_t (*)(int, const struct iovec*, int);
using PwritevFn = ssize_t (*)(int, const struct iovec*, int, off_t);
using SyncFn = int (*)(int);
using TruncFn = int (*)(int, off_t);
using OpenatFn = int (*)(int, const char*, int, ...);
using UnlinkFn = int (*)(const char*);
using UnlinkatFn = int (*)(int, const char*, int);
using RenameFn = int (*)(const char*, const char*);
using RenameatFn = int (*)(int, const char*, int, const char*);

// libc's own functions, looked up once, behind the ones defined here.
struct Libc {
  WriteFn write = real<WriteFn>("write");
  PwriteFn pwrite = real<PwriteFn>("pwrite64");
  WritevFn writev = real<WritevFn>("writev");
  PwritevFn pwritev = real<PwritevFn>("pwritev64");
  SyncFn fsync = real<SyncFn>("fsync");
  SyncFn fdatasync = real<SyncFn>("fdatasync");
  TruncFn ftruncate = real<TruncFn>("ftruncate64");
  OpenatFn openat = real<OpenatFn>("openat");
  UnlinkFn unlink = real<UnlinkFn>("unlink");
  UnlinkatFn unlinkat = real<UnlinkatFn>("unlinkat");
  RenameFn rename = real<RenameFn>("rename");
  RenameatFn renameat = real<RenameatFn>("renameat");
};

const Libc& libc() {
  static const Libc l;
  return l;
}

// A bound on what one fsync copies into the mirror at once (the dirty bytes of a test's
// segments are a few MiB at most); larger ranges are copied in pieces of this size.
constexpr size_t kCopyChunk = 1 << 20;

struct InodeState {
  std::string id;
  bool tracked = false;
  // Byte ranges [start, end) written since the last fsync, merged.
  std::map<uint64_t, uint64_t> dirty;
  // The smallest size a truncation cut the file to since the last fsync (UINT64_MAX: none).
  uint64_t min_truncate = UINT64_MAX;
  // Serializes the fsyncs of one file, so that the mirror sees them in order.
  std::mutex sync_mu;
};

struct Shim {
  std::string root;       // EDDY_SHIM_ROOT, no trailing '/'
  std::string mirror;     // EDDY_SHIM_MIRROR, or empty: no power-loss tracking
  std::string full_file;  // EDDY_SHIM_FULL_FILE, or empty: never full
  std::string eio_file;   // EDDY_SHIM_EIO_FILE, or empty: fsync never fails
  std::mutex full_mu;     // guards the three below
  ino_t full_ino = 0;     // the control file as last seen
  struct timespec full_mtime = {};
  uint64_t free_bytes = 0;   // how much more files may grow while it exists
  int64_t kill_at_sync = 0;  // EDDY_SHIM_KILL_AT_SYNC: SIGKILL at this fsync of written data
  std::atomic<int64_t> data_syncs{0};
  std::mutex mu;  // guards inodes and next_id
  std::map<std::pair<dev_t, ino_t>, std::shared_ptr<InodeState>> inodes;
};

Shim* shim() {
  static Shim* s = [] {
    auto* out = new Shim;
    if (const char* r = getenv("EDDY_SHIM_ROOT")) out->root = r;
    while (out->root.size() > 1 && out->root.back() == '/') out->root.pop_back();
    if (const char* m = getenv("EDDY_SHIM_MIRROR")) out->mirror = m;
    if (const char* f = getenv("EDDY_SHIM_FULL_FILE")) out->full_file = f;
    if (const char* e = getenv("EDDY_SHIM_EIO_FILE")) out->eio_file = e;
    if (const char* k = getenv("EDDY_SHIM_KILL_AT_SYNC")) out->kill_at_sync = atoll(k);
    return out;
  }();
  return s;
}

std::string fd_path(int fd) {
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  char buf[4096];
  ssize_t n = readlink(link, buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  return std::string(buf, static_cast<size_t>(n));
}

bool under_root(const std::string& path) {
  const std::string& root = shim()->root;
  if (root.empty()) return false;
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

// The state of a file on first sight (fd, or `path` when fd is AT_FDCWD): its id from device,
// inode and birth time, and (with the mirror) all of it dirty, since an earlier process may have
// left unsynced bytes in it.
std::shared_ptr<InodeState> new_state(int fd, const std::string& path, const struct stat& st,
                                      bool tracked) {
  auto out = std::make_shared<InodeState>();
  struct statx sx = {};
  int rc = fd == AT_FDCWD ? statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BTIME, &sx)
                          : statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &sx);
  if (rc != 0 || (sx.stx_mask & STATX_BTIME) == 0) sx.stx_btime = {};
  out->id = std::to_string(st.st_dev) + "-" + std::to_string(st.st_ino) + "-" +
            std::to_string(sx.stx_btime.tv_sec) + "." + std::to_string(sx.stx_btime.tv_nsec);
  out->tracked = tracked;
  if (!shim()->mirror.empty() && st.st_size > 0) out->dirty[0] = static_cast<uint64_t>(st.st_size);
  return out;
}

// The state of the regular file behind `fd`, made on first sight; null for anything else.
std::shared_ptr<InodeState> state_for_fd(int fd) {
  Shim* s = shim();
  if (s->root.empty()) return nullptr;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  bool tracked = under_root(fd_path(fd));
  std::lock_guard lock(s->mu);
  auto& slot = s->inodes[{st.st_dev, st.st_ino}];
  if (!slot) slot = new_state(fd, "", st, tracked);
  return slot->tracked ? slot : nullptr;
}

void note_written(int fd, uint64_t pos, uint64_t len) {
  if (len == 0 || shim()->mirror.empty()) return;
  auto st = state_for_fd(fd);
  if (!st) return;
  std::lock_guard lock(shim()->mu);
  uint64_t start = pos, end = pos + len;
  auto it = st->dirty.upper_bound(start);
  if (it != st->dirty.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= start) it = prev;
  }
  while (it != st->dirty.end() && it->first <= end) {
    start = std::min(start, it->first);
    end = std::max(end, it->second);
    it = st->dirty.erase(it);
  }
  st->dirty[start] = end;
}

void note_truncated(int fd, uint64_t size) {
  if (shim()->mirror.empty()) return;
  auto st = state_for_fd(fd);
  if (!st) return;
  std::lock_guard lock(shim()->mu);
  st->min_truncate = std::min(st->min_truncate, size);
}

// Whether the control file exists; when it is new (another inode or mtime than the last one
// seen), the free bytes restart at the number it holds (none when it is empty).
bool disk_full() {
  Shim* s = shim();
  struct stat st;
  if (s->full_file.empty() || stat(s->full_file.c_str(), &st) != 0) return false;
  std::lock_guard lock(s->full_mu);
  if (st.st_ino != s->full_ino || st.st_mtim.tv_sec != s->full_mtime.tv_sec ||
      st.st_mtim.tv_nsec != s->full_mtime.tv_nsec) {
    s->full_ino = st.st_ino;
    s->full_mtime = st.st_mtim;
    char buf[32] = {};
    int fd = open(s->full_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, buf, sizeof(buf) - 1);
      close(fd);
      if (n < 0) buf[0] = '\0';
    }
    s->free_bytes = strtoull(buf, nullptr, 10);
  }
  return true;
}

// How many of `len` bytes at `pos` a full disk still takes: those inside the file's size, and
// of the rest what the free bytes allow. Returns len when the disk is not full or the file is
// not ours.
size_t full_disk_limit(int fd, uint64_t pos, size_t len) {
  if (!disk_full() || !state_for_fd(fd)) return len;
  struct stat st;
  if (fstat(fd, &st) != 0) return len;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  size_t inside = pos >= size ? 0 : static_cast<size_t>(std::min<uint64_t>(len, size - pos));
  Shim* s = shim();
  std::lock_guard lock(s->full_mu);
  size_t grow = static_cast<size_t>(std::min<uint64_t>(len - inside, s->free_bytes));
  s->free_bytes -= grow;
  return inside + grow;
}

uint64_t current_position(int fd, bool after_write, size_t written) {
  off_t p = lseek(fd, 0, SEEK_CUR);
  if (p < 0) return 0;
  return after_write ? static_cast<uint64_t>(p) - written : static_cast<uint64_t>(p);
}

bool write_all_real(int fd, const char* data, size_t len, uint64_t pos) {
  while (len > 0) {
    ssize_t n = libc().pwrite(fd, data, len, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
    pos += static_cast<uint64_t>(n);
  }
  return true;
}

// Replaces `path` with `text` (temp file and rename: the kill may come at any point).
void replace_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  bool ok = write_all_real(fd, text.data(), text.size(), 0);
  close(fd);
  if (ok) rename(tmp.c_str(), path.c_str());
}

std::string dir_key(const std::string& path) {
  if (path == shim()->root) return "%root";  // no escaped path looks like this
  std::string rel = path.substr(shim()->root.size() + 1);
  std::string out;
  for (char c : rel) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  return out;
}

// The listing of a directory under the root, in the mirror's format.
std::string list_dir(const std::string& path) {
  std::string out;
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (lstat((path + "/" + name).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      out += "d\t-\t" + name + "\n";
    } else if (S_ISREG(st.st_mode)) {
      Shim* s = shim();
      std::lock_guard lock(s->mu);
      auto& slot = s->inodes[{st.st_dev, st.st_ino}];
      if (!slot) slot = new_state(AT_FDCWD, path + "/" + name, st, true);
      out += "f\t" + slot->id + "\t" + name + "\n";
    }
  }
  closedir(d);
  return out;
}

struct Captured {
  uint64_t size = 0;
  uint64_t min_truncate = UINT64_MAX;
  std::vector<std::pair<uint64_t, std::string>> ranges;
};

// Reads what the file's dirty ranges hold now (before the real fsync: only writes that
// finished before the call are promised durable by it).
Captured capture(int fd, InodeState& st) {
  Captured c;
  std::map<uint64_t, uint64_t> dirty;
  {
    std::lock_guard lock(shim()->mu);
    dirty.swap(st.dirty);
    c.min_truncate = st.min_truncate;
    st.min_truncate = UINT64_MAX;
  }
  struct stat sb;
  if (fstat(fd, &sb) == 0) c.size = static_cast<uint64_t>(sb.st_size);
  // The caller's descriptor may be write-only (O_WRONLY): read through one of our own.
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  int rfd = open(link, O_RDONLY | O_CLOEXEC);
  if (rfd < 0) return c;
  for (auto [start, end] : dirty) {
    end = std::min(end, c.size);
    for (uint64_t pos = start; pos < end; pos += kCopyChunk) {
      std::string buf(std::min<uint64_t>(kCopyChunk, end - pos), '\0');
      ssize_t n = pread(rfd, buf.data(), buf.size(), static_cast<off_t>(pos));
      if (n <= 0) break;
      buf.resize(static_cast<size_t>(n));
      c.ranges.emplace_back(pos, std::move(buf));
    }
  }
  close(rfd);
  return c;
}

void apply_to_mirror(const std::string& id, const Captured& c) {
  std::string path = shim()->mirror + "/inodes/" + id;
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (c.min_truncate != UINT64_MAX) libc().ftruncate(fd, static_cast<off_t>(c.min_truncate));
  for (const auto& [pos, data] : c.ranges) write_all_real(fd, data.data(), data.size(), pos);
  libc().ftruncate(fd, static_cast<off_t>(c.size));
  close(fd);
}

// Whether this fsync must fail with EIO: the control file exists and fd is a file under the root.
bool eio_now(int fd) {
  Shim* s = shim();
  if (s->eio_file.empty() || access(s->eio_file.c_str(), F_OK) != 0) return false;
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return false;
  return under_root(fd_path(fd));
}

int tracked_sync(int fd, SyncFn sync_fn) {
  if (eio_now(fd)) {
    errno = EIO;
    return -1;
  }
  Shim* s = shim();
  if (s->mirror.empty()) return sync_fn(fd);
  struct stat sb;
  if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    std::string path = fd_path(fd);
    if (!under_root(path)) return sync_fn(fd);
    std::string listing = list_dir(path);
    int rc = sync_fn(fd);
    if (rc == 0) replace_file(s->mirror + "/dirs/" + dir_key(path), listing);
    return rc;
  }
  auto st = state_for_fd(fd);
  if (!st) return sync_fn(fd);
  std::lock_guard sync_lock(st->sync_mu);
  Captured c = capture(fd, *st);
  // The power cut itself, at the moment with the most at stake: bytes written, their fsync
  // called and not done.
  if (!c.ranges.empty() && s->kill_at_sync > 0 &&
      s->data_syncs.fetch_add(1) + 1 == s->kill_at_sync) {
    kill(getpid(), SIGKILL);
  }
  int rc = sync_fn(fd);
  if (rc == 0) {
    apply_to_mirror(st->id, c);
  } else {
    int err = errno;
    // Not durable after all: the ranges stay dirty.
    for (const auto& [pos, data] : c.ranges) note_written(fd, pos, data.size());
    errno = err;
  }
  return rc;
}

// An unlink or rename removes `path`: if that was the file's last name, its inode number may be
// reused, and a new file must not inherit its id (and so its mirror).
void forget_if_last_link(int dirfd, const char* path) {
  struct stat st;
  if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return;
  if (st.st_nlink > 1) return;
  std::lock_guard lock(shim()->mu);
  shim()->inodes.erase({st.st_dev, st.st_ino});
}

// open(path) is openat(AT_FDCWD, path): every form comes here. O_TRUNC cuts an existing file.
int traced_openat(int dirfd, const char* path, int flags, mode_t mode) {
  int fd = libc().openat(dirfd, path, flags, mode);
  if (fd >= 0 && (flags & O_TRUNC) != 0) note_truncated(fd, 0);
  return fd;
}

// The mode argument is there only with O_CREAT or O_TMPFILE.
mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) != 0 ? va_arg(ap, mode_t) : 0;
}

ssize_t guarded_pwrite(int fd, const void* buf, size_t len, off_t pos) {
  size_t limit = full_disk_limit(fd, static_cast<uint64_t>(pos), len);
  if (limit == 0 && len > 0) {
    errno = ENOSPC;
    return -1;
  }
  ssize_t n = libc().pwrite(fd, buf, limit, pos);
  if (n > 0) note_written(fd, static_cast<uint64_t>(pos), static_cast<uint64_t>(n));
  return n;
}

size_t iov_total(const struct iovec* iov, int count) {
  size_t total = 0;
  for (int i = 0; i < count; ++i) total += iov[i].iov_len;
  return total;
}

// The first `limit` bytes of `iov`, as a full disk takes them (a short write, as write() gets).
std::vector<struct iovec> iov_prefix(const struct iovec* iov, int count, size_t limit) {
  std::vector<struct iovec> out;
  for (int i = 0; i < count && limit > 0; ++i) {
    struct iovec v = iov[i];
    v.iov_len = std::min(v.iov_len, limit);
    limit -= v.iov_len;
    out.push_back(v);
  }
  return out;
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t len) {
  if (shim()->root.empty() || !state_for_fd(fd)) return libc().write(fd, buf, len);
  // O_APPEND writes at the end: a full disk refuses them whole.
  uint64_t pos = (fcntl(fd, F_GETFL) & O_APPEND) != 0 ? UINT64_MAX : current_position(fd, false, 0);
  size_t limit = full_disk_limit(fd, pos, len);
  if (limit == 0 && len > 0) {
    errno = ENOSPC;
    return -1;
  }
  ssize_t n = libc().write(fd, buf, limit);
  if (n > 0) note_written(fd, current_position(fd, true, static_cast<size_t>(n)), n);
  return n;
}

ssize_t pwrite(int fd, const void* buf, size_t len, off_t pos) {
  return guarded_pwrite(fd, buf, len, pos);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  if (shim()->root.empty() || !state_for_fd(fd)) return libc().writev(fd, iov, count);
  uint64_t pos = current_position(fd, false, 0);
  size_t total = iov_total(iov, count);
  size_t limit = full_disk_limit(fd, pos, total);
  if (limit == 0 && total > 0) {
    errno = ENOSPC;
    return -1;
  }
  std::vector<struct iovec> part = iov_prefix(iov, count, limit);
  ssize_t n = libc().writev(fd, part.data(), static_cast<int>(part.size()));
  if (n > 0) note_written(fd, current_position(fd, true, static_cast<size_t>(n)), n);
  return n;
}

ssize_t pwritev(int fd, const struct iovec* iov, int count, off_t pos) {
  size_t total = iov_total(iov, count);
  size_t limit = full_disk_limit(fd, static_cast<uint64_t>(pos), total);
  if (limit == 0 && total > 0) {
    errno = ENOSPC;
    return -1;
  }
  std::vector<struct iovec> part = iov_prefix(iov, count, limit);
  ssize_t n = libc().pwritev(fd, part.data(), static_cast<int>(part.size()), pos);
  if (n > 0) note_written(fd, static_cast<uint64_t>(pos), static_cast<uint64_t>(n));
  return n;
}

int fsync(int fd) { return tracked_sync(fd, libc().fsync); }

int fdatasync(int fd) { return tracked_sync(fd, libc().fdatasync); }

int ftruncate(int fd, off_t size) noexcept {
  int rc = libc().ftruncate(fd, size);
  if (rc == 0) note_truncated(fd, static_cast<uint64_t>(size));
  return rc;
}

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return traced_openat(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return traced_openat(dirfd, path, flags, mode);
}

// On 64-bit glibc the *64 forms are the same calls under a second name.
int open64(const char* path, int flags, ...) __attribute__((alias("open")));
int openat64(int dirfd, const char* path, int flags, ...) __attribute__((alias("openat")));
ssize_t pwrite64(int fd, const void* buf, size_t len, off_t pos) __attribute__((alias("pwrite")));
ssize_t pwritev64(int fd, const struct iovec* iov, int count, off_t pos)
    __attribute__((alias("pwritev")));
int ftruncate64(int fd, off_t size) noexcept __attribute__((alias("ftruncate")));

int unlink(const char* path) noexcept {
  forget_if_last_link(AT_FDCWD, path);
  return libc().unlink(path);
}

int unlinkat(int dirfd, const char* path, int flags) noexcept {
  if ((flags & AT_REMOVEDIR) == 0) forget_if_last_link(dirfd, path);
  return libc().unlinkat(dirfd, path, flags);
}

int rename(const char* from, const char* to) noexcept {
  forget_if_last_link(AT_FDCWD, to);
  return libc().rename(from, to);
}

int renameat(int fromfd, const char* from, int tofd, const char* to) noexcept {
  forget_if_last_link(tofd, to);
  return libc().renameat(fromfd, from, tofd, to);
}

}  // extern "C"
