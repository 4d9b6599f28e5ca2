#include "raft/core/progress.h"

#include <algorithm>

namespace eddy::raft {

void Progress::become_probe() {
  // Coming back from a snapshot, the follower has at least the snapshot.
  if (state == State::kSnapshot) {
    next = std::max(match + 1, pending_snapshot_index() + 1);
  } else {
    next = match + 1;
  }
  state = State::kProbe;
  probe_sent = false;
  snapshot.reset();
  snapshot_offset = 0;
  inflights.reset();
}

void Progress::become_replicate() {
  state = State::kReplicate;
  next = match + 1;
  probe_sent = false;
  snapshot.reset();
  snapshot_offset = 0;
  inflights.reset();
}

void Progress::become_snapshot(std::shared_ptr<const pb::Snapshot> snap) {
  state = State::kSnapshot;
  probe_sent = false;
  inflights.reset();
  snapshot = std::move(snap);
  snapshot_offset = 0;
}

bool Progress::maybe_update(uint64_t n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

void Progress::sent_entries(uint64_t last) {
  if (state == State::kReplicate) {
    next = std::max(next, last + 1);
    inflights.add(last);
  } else if (state == State::kProbe) {
    probe_sent = true;
  }
}

bool Progress::maybe_decrease_to(uint64_t rejected, uint64_t hint) {
  if (state == State::kReplicate) {
    // Everything at or below match is known good: such a rejection is out of date.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // In probe state only the rejection of the append we last sent counts.
  if (next - 1 != rejected) return false;
  next = std::max<uint64_t>(std::min(rejected, hint + 1), match + 1);
  probe_sent = false;
  return true;
}

bool Progress::is_paused() const {
  switch (state) {
    case State::kProbe:
      return probe_sent;
    case State::kReplicate:
      return inflights.full();
    case State::kSnapshot:
      return true;
  }
  return true;
}

}  // namespace eddy::raft
