#include "kv_state_machine.h"

#include <sstream>

namespace eddy::raft::testing {

std::string KvStateMachine::apply(const pb::Entry& entry) {
  const std::string& d = entry.data();
  size_t sp = d.find(' ');
  std::lock_guard lock(mu_);
  if (sp != std::string::npos) map_[d.substr(0, sp)] = d.substr(sp + 1);
  return "OK " + std::to_string(entry.index());
}

std::string KvStateMachine::snapshot() {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [k, v] : map_) out += k + ' ' + v + '\n';
  return out;
}

Status KvStateMachine::restore(const std::string& data) {
  std::lock_guard lock(mu_);
  map_.clear();
  ++restores_;
  std::istringstream in(data);
  std::string line;
  while (std::getline(in, line)) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos) return corruption("kv snapshot line without a value");
    map_[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return Status::ok();
}

std::optional<std::string> KvStateMachine::get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

size_t KvStateMachine::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

int KvStateMachine::restores() const {
  std::lock_guard lock(mu_);
  return restores_;
}

std::string KvStateMachine::dump(uint64_t applied) const {
  std::lock_guard lock(mu_);
  std::string out = "DUMP " + std::to_string(applied);
  for (const auto& [k, v] : map_) out += ' ' + k + '=' + v;
  return out;
}

}  // namespace eddy::raft::testing
