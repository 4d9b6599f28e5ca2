#include "streams/state_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace eddy::streams::internal {

namespace fs = std::filesystem;

StateDirectory::StateDirectory(std::string state_dir, std::string application_id, bool persistent)
    : app_dir_(std::move(state_dir) + "/" + std::move(application_id)) {
  if (!persistent) return;
  std::error_code ec;
  fs::create_directories(app_dir_, ec);
  if (ec) throw std::runtime_error("state directory " + app_dir_ + ": " + ec.message());
  std::string path = app_dir_ + "/" + kStateDirLockFile;
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (e == EWOULDBLOCK) {
      throw std::runtime_error(
          "Unable to initialize state, this can happen if multiple instances of Eddy Streams "
          "are running in the same state directory (" +
          app_dir_ + " is locked)");
    }
    throw std::runtime_error(path + ": " + std::strerror(e));
  }
}

StateDirectory::~StateDirectory() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing the descriptor releases the flock
}

std::string StateDirectory::task_dir(const TaskId& id) const {
  return app_dir_ + "/" + id.to_string();
}

bool StateDirectory::lock(const TaskId& id, const std::string& owner) {
  std::lock_guard g(mu_);
  auto [it, fresh] = owners_.try_emplace(id, owner);
  return fresh || it->second == owner;
}

void StateDirectory::unlock(const TaskId& id, const std::string& owner) {
  std::lock_guard g(mu_);
  auto it = owners_.find(id);
  if (it == owners_.end() || it->second != owner) return;
  owners_.erase(it);
  // Kafka counts the delay from the directory's last modification; a task given up without a
  // new checkpoint would otherwise look abandoned since its last write.
  ::utimensat(AT_FDCWD, task_dir(id).c_str(), nullptr, 0);
}

std::optional<std::string> StateDirectory::owner(const TaskId& id) const {
  std::lock_guard g(mu_);
  auto it = owners_.find(id);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

std::optional<TaskId> StateDirectory::parse_task_dir(const std::string& name) {
  auto sep = name.find('_');
  if (sep == std::string::npos || sep == 0 || sep + 1 == name.size() || sep > 9 ||
      name.size() - sep - 1 > 9) {
    return std::nullopt;
  }
  std::string sub = name.substr(0, sep), part = name.substr(sep + 1);
  if (sub.find_first_not_of("0123456789") != std::string::npos ||
      part.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return TaskId{std::stoi(sub), std::stoi(part)};
}

std::vector<TaskId> StateDirectory::clean_removed_tasks(int64_t cleanup_delay_ms, int64_t now_ms) {
  std::vector<TaskId> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(app_dir_, ec)) {
    auto id = parse_task_dir(entry.path().filename().string());
    if (!id || !entry.is_directory(ec)) continue;
    // Held under the lock for the whole check and delete, so no owner opens it meanwhile.
    std::lock_guard g(mu_);
    if (owners_.count(*id)) continue;
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0) continue;
    int64_t modified_ms = int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    if (now_ms - cleanup_delay_ms <= modified_ms) continue;
    fs::remove_all(entry.path(), ec);
    if (!ec) removed.push_back(*id);
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

void StateDirectory::clean() {
  std::lock_guard g(mu_);
  if (!owners_.empty()) {
    throw std::logic_error("cannot clean up the state directory while task " +
                           owners_.begin()->first.to_string() + " is locked");
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(app_dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name == "global" || parse_task_dir(name)) fs::remove_all(entry.path(), ec);
  }
}

}  // namespace eddy::streams::internal
