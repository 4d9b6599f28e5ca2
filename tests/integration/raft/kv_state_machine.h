#pragma once
// KvStateMachine: the replicated map behind raft_kv_node and the RaftNode tests. An entry is
// "<key> <value>". apply/snapshot/restore run on the RaftNode's thread; the readers (get, dump,
// size) may run on any thread, hence the mutex.

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "raft/node/state_machine.h"

namespace eddy::raft::testing {

class KvStateMachine final : public StateMachine {
 public:
  // Returns "OK <index>".
  std::string apply(const pb::Entry& entry) override;
  // One "<key> <value>\n" line per key.
  std::string snapshot() override;
  Status restore(const std::string& data) override;

  std::optional<std::string> get(const std::string& key) const;
  size_t size() const;
  int restores() const;
  // "DUMP <applied> <key>=<value> ..." in key order.
  std::string dump(uint64_t applied) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> map_;
  int restores_ = 0;
};

}  // namespace eddy::raft::testing
