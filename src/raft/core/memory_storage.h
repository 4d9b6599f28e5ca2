#pragma once
// An in-memory Storage for tests and the deterministic simulation. Not durable; the simulation
// wraps it to model what survives a crash.

#include <vector>

#include "raft/core/storage.h"

namespace eddy::raft {

class MemoryStorage final : public Storage {
 public:
  // A log bootstrapped with `initial` (see bootstrap() in conf_change.h): every founding node
  // starts with the same voters; a node that joins later starts empty (the default).
  explicit MemoryStorage(const pb::ConfState& initial = {});

  Result<InitialState> initial_state() const override;
  Result<std::vector<pb::Entry>> entries(RaftIndex lo, RaftIndex hi,
                                         uint64_t max_bytes) const override;
  Result<Term> term(RaftIndex i) const override;
  Result<RaftIndex> first_index() const override;
  Result<RaftIndex> last_index() const override;
  Result<pb::Snapshot> snapshot() const override;

  // Writers, called by the driver while handling a Ready.
  void set_hard_state(const pb::HardState& hs) { hard_state_ = hs; }
  const pb::HardState& hard_state() const { return hard_state_; }
  // Appends entries, first truncating any existing entries at or after entries[0].index().
  // Entries below first_index() are ignored (already covered by the snapshot).
  Status append(const std::vector<pb::Entry>& entries);
  // Replaces the whole log with `snap` (a snapshot received from the leader). Refused when older
  // than the current snapshot.
  Status apply_snapshot(const pb::Snapshot& snap);
  // Records a snapshot of the state machine at `index` (<= last_index) taken by the application;
  // entries are kept until compact().
  Status create_snapshot(RaftIndex index, const pb::ConfState& cs, std::string data);
  // Discards entries up to and including `index` (which must be <= the applied snapshot index or
  // at most last_index()); term(index) stays answerable.
  Status compact(RaftIndex index);

 private:
  uint64_t offset() const { return ents_[0].index(); }
  uint64_t last() const { return offset() + ents_.size() - 1; }

  pb::HardState hard_state_;
  pb::Snapshot snapshot_;
  // ents_[0] is a dummy carrying the index and term of the snapshot point.
  std::vector<pb::Entry> ents_;
};

}  // namespace eddy::raft
