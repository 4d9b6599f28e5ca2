#include "raft/core/raft_log.h"

#include <algorithm>
#include <cassert>

namespace eddy::raft {

Result<RaftLog> RaftLog::create(Storage* storage, uint64_t committed, uint64_t applied,
                                uint64_t max_committed_bytes) {
  RaftLog log(storage, max_committed_bytes);
  EDDY_ASSIGN_OR_RETURN(RaftIndex first, storage->first_index());
  EDDY_ASSIGN_OR_RETURN(RaftIndex last, storage->last_index());
  log.unstable_offset_ = last.value() + 1;
  const uint64_t snap_index = first.value() - 1;
  if (committed > last.value()) {
    return corruption("raft log: hard state commit is beyond the last stored index");
  }
  // A commit-only hard state change is not fsynced, so a durable state machine may have applied
  // past the stored commit index; what it applied was committed, so commit resumes from there.
  log.committed_ = std::max({committed, snap_index, std::min(applied, last.value())});
  log.applied_ = std::clamp(applied, snap_index, log.committed_);
  return log;
}

uint64_t RaftLog::storage_last_index() const {
  auto last = storage_->last_index();
  return last.is_ok() ? last->value() : 0;
}

uint64_t RaftLog::first_index() const {
  if (unstable_snapshot_) return unstable_snapshot_->metadata().index() + 1;
  auto first = storage_->first_index();
  return first.is_ok() ? first->value() : 1;
}

uint64_t RaftLog::last_index() const {
  if (!unstable_.empty()) return unstable_offset_ + unstable_.size() - 1;
  if (unstable_snapshot_) return unstable_snapshot_->metadata().index();
  return storage_last_index();
}

uint64_t RaftLog::term(uint64_t i) const {
  if (i >= unstable_offset_ && i < unstable_offset_ + unstable_.size()) {
    return unstable_[i - unstable_offset_].term();
  }
  if (unstable_snapshot_) {
    const auto& md = unstable_snapshot_->metadata();
    if (i == md.index()) return md.term();
    // Everything else is gone: the snapshot replaces the whole stored log.
    return 0;
  }
  if (i >= unstable_offset_) return 0;
  auto t = storage_->term(RaftIndex(i));
  return t.is_ok() ? t->value() : 0;
}

bool RaftLog::match_term(uint64_t i, uint64_t t) const {
  if (i > last_index()) return false;
  if (i == 0) return t == 0;
  uint64_t have = term(i);
  return have != 0 && have == t;
}

bool RaftLog::is_up_to_date(uint64_t idx, uint64_t t) const {
  uint64_t lt = last_term();
  return t > lt || (t == lt && idx >= last_index());
}

uint64_t RaftLog::find_conflict(const std::vector<pb::Entry>& ents) const {
  for (const pb::Entry& e : ents) {
    if (!match_term(e.index(), e.term())) return e.index();
  }
  return 0;
}

std::optional<uint64_t> RaftLog::maybe_append(uint64_t index, uint64_t log_term, uint64_t committed,
                                              const std::vector<pb::Entry>& ents,
                                              std::vector<pb::Entry>* appended) {
  if (!match_term(index, log_term)) return std::nullopt;
  const uint64_t last_new = index + ents.size();
  const uint64_t ci = find_conflict(ents);
  if (ci != 0) {
    // Raft's log matching guarantees a committed entry never conflicts with a leader's.
    assert(ci > committed_ && "conflict with a committed entry");
    std::vector<pb::Entry> tail(ents.begin() + static_cast<std::ptrdiff_t>(ci - index - 1),
                                ents.end());
    truncate_and_append(tail);
    *appended = std::move(tail);
  }
  commit_to(std::min(committed, last_new));
  return last_new;
}

uint64_t RaftLog::append(const std::vector<pb::Entry>& ents) {
  if (!ents.empty()) {
    assert(ents[0].index() > committed_);
    truncate_and_append(ents);
  }
  return last_index();
}

void RaftLog::truncate_and_append(const std::vector<pb::Entry>& ents) {
  const uint64_t after = ents[0].index();
  if (after == unstable_offset_ + unstable_.size()) {
    unstable_.insert(unstable_.end(), ents.begin(), ents.end());
  } else if (after <= unstable_offset_) {
    // Replaces the whole unstable tail (and, once persisted, a stable suffix).
    unstable_offset_ = after;
    unstable_ = ents;
  } else {
    unstable_.resize(after - unstable_offset_);
    unstable_.insert(unstable_.end(), ents.begin(), ents.end());
  }
}

std::pair<uint64_t, uint64_t> RaftLog::find_conflict_by_term(uint64_t index, uint64_t t) const {
  const uint64_t floor = first_index() - 1;
  for (; index > floor; --index) {
    uint64_t have = term(index);
    if (have == 0) return {index, 0};
    if (have <= t) return {index, have};
  }
  return {index, term(index)};
}

Result<std::vector<pb::Entry>> RaftLog::slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  std::vector<pb::Entry> out;
  if (lo >= hi) return out;
  if (lo < first_index()) return Status(kCompacted, "raft log: compacted");
  if (hi > last_index() + 1) return Status(kUnavailable, "raft log: beyond last index");
  uint64_t bytes = 0;
  if (lo < unstable_offset_) {
    EDDY_ASSIGN_OR_RETURN(
        out,
        storage_->entries(RaftIndex(lo), RaftIndex(std::min(hi, unstable_offset_)), max_bytes));
    for (const auto& e : out) bytes += entry_bytes(e);
    // Storage stopped early for size: do not continue from unstable.
    if (out.size() < std::min(hi, unstable_offset_) - lo) return out;
  }
  for (uint64_t i = std::max(lo, unstable_offset_); i < hi; ++i) {
    const pb::Entry& e = unstable_[i - unstable_offset_];
    bytes += entry_bytes(e);
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

bool RaftLog::maybe_commit(uint64_t max_index, uint64_t t) {
  if (max_index > committed_ && term(max_index) == t) {
    commit_to(max_index);
    return true;
  }
  return false;
}

void RaftLog::commit_to(uint64_t i) {
  if (i > committed_) {
    assert(i <= last_index() && "commit beyond the log");
    committed_ = i;
  }
}

void RaftLog::applied_to(uint64_t i) {
  if (i == 0) return;
  assert(i <= committed_ && i >= applied_);
  applied_ = i;
}

bool RaftLog::has_next_committed_entries() const {
  if (unstable_snapshot_) return false;
  return committed_ > std::max(applied_, first_index() - 1);
}

std::vector<pb::Entry> RaftLog::next_committed_entries() const {
  if (!has_next_committed_entries()) return {};
  const uint64_t lo = std::max(applied_ + 1, first_index());
  auto ents = slice(lo, committed_ + 1, max_committed_bytes_);
  // A read error (I/O) leaves the entries for the next Ready.
  return ents.is_ok() ? std::move(ents).value() : std::vector<pb::Entry>{};
}

void RaftLog::stable_to(uint64_t index, uint64_t t) {
  if (index < unstable_offset_ || index >= unstable_offset_ + unstable_.size()) return;
  // The entry may have been replaced since the Ready that carried it.
  if (unstable_[index - unstable_offset_].term() != t) return;
  unstable_.erase(unstable_.begin(),
                  unstable_.begin() + static_cast<std::ptrdiff_t>(index + 1 - unstable_offset_));
  unstable_offset_ = index + 1;
}

void RaftLog::stable_snapshot_to(uint64_t index) {
  if (unstable_snapshot_ && unstable_snapshot_->metadata().index() == index) {
    unstable_snapshot_.reset();
  }
}

void RaftLog::restore(const pb::Snapshot& snap) {
  committed_ = snap.metadata().index();
  unstable_offset_ = snap.metadata().index() + 1;
  unstable_.clear();
  unstable_snapshot_ = snap;
}

Result<pb::Snapshot> RaftLog::snapshot() const {
  if (unstable_snapshot_) return *unstable_snapshot_;
  return storage_->snapshot();
}

}  // namespace eddy::raft
