#include "streams/state_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <system_error>

#include "log/file.h"

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

namespace {

std::string random_uuid() {
  std::random_device rd;
  unsigned char b[16];
  for (auto& x : b) x = static_cast<unsigned char>(rd());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// The "processId" string of the process file's JSON object (Kafka's reader ignores other
// fields); nullopt when there is none.
std::optional<std::string> process_id_in(const std::string& json) {
  auto key = json.find("\"processId\"");
  if (key == std::string::npos) return std::nullopt;
  auto colon = json.find(':', key);
  auto open = colon == std::string::npos ? colon : json.find('"', colon);
  auto close = open == std::string::npos ? open : json.find('"', open + 1);
  if (close == std::string::npos) return std::nullopt;
  std::string id = json.substr(open + 1, close - open - 1);
  if (!is_uuid(id)) return std::nullopt;
  return id;
}

}  // namespace

std::string StateDirectory::process_id() {
  if (lock_fd_ < 0) return random_uuid();  // no persistent stores: nothing is written
  const std::string path = app_dir_ + "/" + kProcessFile;
  if (auto data = log::read_whole_file(path, 64 << 10); data.is_ok()) {
    if (auto id = process_id_in(std::string(data->begin(), data->end()))) return *id;
  }
  std::string id = random_uuid();
  const std::string json = "{\"processId\":\"" + id + "\"}";
  Status s = log::write_file_atomically(app_dir_, kProcessFile, as_bytes(json));
  if (!s) throw std::runtime_error("cannot write " + path + ": " + s.to_string());
  return id;
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
