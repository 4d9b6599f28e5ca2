#pragma once
// StateMachine: what a RaftNode replicates. The node calls every method on its own thread, in log
// order, so an implementation needs no locking against the node (only against its own readers on
// other threads).

#include <string>

#include "common/status.h"
#include "raft/raft.pb.h"

namespace eddy::raft {

class StateMachine {
 public:
  virtual ~StateMachine() = default;
  // Applies one committed ENTRY_NORMAL entry with non-empty data (a new leader's empty no-op is
  // not handed over). The return value goes to the proposer's callback, on the node that
  // proposed it.
  virtual std::string apply(const pb::Entry& entry) = 0;
  // The whole applied state, serialized: the node stores it as a Raft snapshot and compacts the
  // log behind it.
  virtual std::string snapshot() = 0;
  // Replaces the whole state with a snapshot's data (at start-up, or one sent by the leader).
  virtual Status restore(const std::string& data) = 0;
};

}  // namespace eddy::raft
