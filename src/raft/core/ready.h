#pragma once
// Ready: everything the core wants done, handed to the driver in one batch.
//
// The contract (read it as the order of the driver's loop):
//   1. If `snapshot` is set, install it into Storage (and the state machine) first.
//   2. Append `entries` to Storage and persist `hard_state` if set; fsync both when `must_sync`.
//   3. Only then send `messages` (a vote or an append acknowledgement promises durable state).
//   4. Apply `committed_entries` to the state machine, in order.
//   5. Hand `read_states` to the waiting readers once the state machine has applied up to each
//      ReadState::index.
//   6. Call RawNode::advance().

#include <optional>
#include <string>
#include <vector>

#include "common/ids.h"
#include "raft/raft.pb.h"

namespace eddy::raft {

enum class Role { kFollower, kPreCandidate, kCandidate, kLeader };
const char* role_name(Role role);

// Volatile state, for observation only; never needs persisting.
struct SoftState {
  NodeId leader = kNoNode;
  Role role = Role::kFollower;
  bool operator==(const SoftState&) const = default;
};

// A linearizable read is safe once the state machine has applied through `index`.
struct ReadState {
  RaftIndex index;
  std::string context;  // the id passed to RawNode::read_index()
};

struct Ready {
  // Set when changed since the last Ready.
  std::optional<SoftState> soft_state;
  // Persist before sending `messages`. Set when term, vote or commit changed.
  std::optional<pb::HardState> hard_state;
  // A snapshot received from the leader: install into Storage before appending `entries`.
  std::optional<pb::Snapshot> snapshot;
  // Append to Storage (truncating any conflicting suffix) before sending `messages`.
  std::vector<pb::Entry> entries;
  // Committed entries to apply, in order. They may include entries from `entries` above, so
  // apply only after persisting.
  std::vector<pb::Entry> committed_entries;
  // Send only after `hard_state`, `entries` and `snapshot` are durable.
  std::vector<pb::Message> messages;
  std::vector<ReadState> read_states;
  // True when hard state or entries changed: the write must be fsynced before sending.
  bool must_sync = false;

  bool empty() const {
    return !soft_state && !hard_state && !snapshot && entries.empty() &&
           committed_entries.empty() && messages.empty() && read_states.empty();
  }
};

}  // namespace eddy::raft
