#pragma once
// The log as the core sees it: the durable part read through Storage, plus the unstable tail
// (entries and possibly a snapshot) that a Ready has handed out but the driver has not yet
// acknowledged. Tracks the commit and applied indexes.
//
// Invariants: applied <= committed <= last_index(); unstable entries start right after the last
// stable one, or replace a suffix of it (a follower truncating a conflicting tail).

#include <optional>
#include <vector>

#include "raft/core/storage.h"

namespace eddy::raft {

class RaftLog {
 public:
  // Starts from what `storage` holds; committed comes from the hard state, applied from the
  // state machine (clamped into [snapshot index, committed]).
  static Result<RaftLog> create(Storage* storage, uint64_t committed, uint64_t applied,
                                uint64_t max_committed_bytes);

  uint64_t first_index() const;
  uint64_t last_index() const;
  // Term of entry i; 0 when i is compacted or beyond the log.
  uint64_t term(uint64_t i) const;
  uint64_t last_term() const { return term(last_index()); }
  bool match_term(uint64_t i, uint64_t t) const;
  // Raft §5.4.1: a candidate's log is at least as up to date as ours.
  bool is_up_to_date(uint64_t last_index, uint64_t last_term) const;

  // A follower's append: when the entry at `index` has term `log_term`, appends `ents` (cutting
  // a conflicting suffix), advances commit to min(committed, last new index), and returns the
  // last new index. `appended` receives the entries actually written, for configuration
  // tracking.
  std::optional<uint64_t> maybe_append(uint64_t index, uint64_t log_term, uint64_t committed,
                                       const std::vector<pb::Entry>& ents,
                                       std::vector<pb::Entry>* appended);
  // Appends after last_index() (a leader's own entries). Returns the new last index.
  uint64_t append(const std::vector<pb::Entry>& ents);

  // The largest index <= `index` whose term is <= `term` (the follower's rejection hint, and the
  // leader's use of it), with that term; (index, 0) when the term cannot be looked up.
  std::pair<uint64_t, uint64_t> find_conflict_by_term(uint64_t index, uint64_t term) const;

  // Entries [lo, hi) limited to max_bytes (at least one).
  Result<std::vector<pb::Entry>> slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const;

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  // Leader: commit `max_index` if it is from `term` (Raft §5.4.2: only current-term entries are
  // committed by counting replicas).
  bool maybe_commit(uint64_t max_index, uint64_t term);
  void commit_to(uint64_t i);
  void applied_to(uint64_t i);

  bool has_next_committed_entries() const;
  std::vector<pb::Entry> next_committed_entries() const;

  // Unstable state, handed to the driver in a Ready.
  const std::vector<pb::Entry>& unstable_entries() const { return unstable_; }
  const std::optional<pb::Snapshot>& unstable_snapshot() const { return unstable_snapshot_; }
  void stable_to(uint64_t index, uint64_t term);
  void stable_snapshot_to(uint64_t index);

  // Replaces the log with a snapshot received from the leader.
  void restore(const pb::Snapshot& snap);
  // The snapshot a lagging follower should get.
  Result<pb::Snapshot> snapshot() const;

 private:
  RaftLog(Storage* storage, uint64_t max_committed_bytes)
      : storage_(storage), max_committed_bytes_(max_committed_bytes) {}
  uint64_t find_conflict(const std::vector<pb::Entry>& ents) const;
  void truncate_and_append(const std::vector<pb::Entry>& ents);
  uint64_t storage_last_index() const;

  Storage* storage_;
  uint64_t max_committed_bytes_;
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
  std::optional<pb::Snapshot> unstable_snapshot_;
  std::vector<pb::Entry> unstable_;
  // Index of unstable_[0] (when present): always last stable index + 1 or a truncation point.
  uint64_t unstable_offset_ = 1;
};

}  // namespace eddy::raft
