#include "raft/core/memory_storage.h"

#include <string>

#include "raft/core/conf_change.h"

namespace eddy::raft {

MemoryStorage::MemoryStorage(const pb::ConfState& initial) {
  ents_.emplace_back();
  Bootstrap b = bootstrap(initial);
  ents_.insert(ents_.end(), b.entries.begin(), b.entries.end());
  hard_state_ = b.hard_state;
}

Result<InitialState> MemoryStorage::initial_state() const {
  return InitialState{hard_state_, snapshot_.metadata().conf_state()};
}

Result<std::vector<pb::Entry>> MemoryStorage::entries(RaftIndex lo, RaftIndex hi,
                                                      uint64_t max_bytes) const {
  if (lo.value() <= offset()) return Status(kCompacted, "entries: compacted");
  if (hi.value() > last() + 1) return Status(kUnavailable, "entries: beyond last index");
  std::vector<pb::Entry> out;
  uint64_t bytes = 0;
  for (uint64_t i = lo.value(); i < hi.value(); ++i) {
    const pb::Entry& e = ents_[i - offset()];
    bytes += entry_bytes(e);
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Result<Term> MemoryStorage::term(RaftIndex i) const {
  if (i.value() < offset()) return Status(kCompacted, "term: compacted");
  if (i.value() > last()) return Status(kUnavailable, "term: beyond last index");
  return Term(ents_[i.value() - offset()].term());
}

Result<RaftIndex> MemoryStorage::first_index() const { return RaftIndex(offset() + 1); }

Result<RaftIndex> MemoryStorage::last_index() const { return RaftIndex(last()); }

Result<pb::Snapshot> MemoryStorage::snapshot() const { return snapshot_; }

Status MemoryStorage::append(const std::vector<pb::Entry>& entries) {
  if (entries.empty()) return Status::ok();
  uint64_t first = offset() + 1;
  uint64_t incoming_last = entries.back().index();
  if (incoming_last < first) return Status::ok();
  size_t skip = 0;
  if (entries[0].index() < first) skip = first - entries[0].index();
  uint64_t start = entries[skip].index();
  if (start > last() + 1) {
    return internal_error("append: gap before index " + std::to_string(start));
  }
  ents_.resize(start - offset());
  ents_.insert(ents_.end(), entries.begin() + static_cast<std::ptrdiff_t>(skip), entries.end());
  return Status::ok();
}

Status MemoryStorage::apply_snapshot(const pb::Snapshot& snap) {
  if (snap.metadata().index() < snapshot_.metadata().index()) {
    return failed_precondition("apply_snapshot: older than the current snapshot");
  }
  snapshot_ = snap;
  ents_.clear();
  pb::Entry dummy;
  dummy.set_index(snap.metadata().index());
  dummy.set_term(snap.metadata().term());
  ents_.push_back(std::move(dummy));
  return Status::ok();
}

Status MemoryStorage::create_snapshot(RaftIndex index, const pb::ConfState& cs, std::string data) {
  if (index.value() <= snapshot_.metadata().index()) {
    return failed_precondition("create_snapshot: not newer than the current snapshot");
  }
  if (index.value() > last()) return out_of_range("create_snapshot: beyond last index");
  snapshot_.mutable_metadata()->set_index(index.value());
  snapshot_.mutable_metadata()->set_term(ents_[index.value() - offset()].term());
  *snapshot_.mutable_metadata()->mutable_conf_state() = cs;
  snapshot_.set_data(std::move(data));
  return Status::ok();
}

Status MemoryStorage::compact(RaftIndex index) {
  if (index.value() <= offset()) return Status(kCompacted, "compact: already compacted");
  if (index.value() > last()) return out_of_range("compact: beyond last index");
  ents_.erase(ents_.begin(), ents_.begin() + static_cast<std::ptrdiff_t>(index.value() - offset()));
  ents_[0].clear_data();
  ents_[0].set_type(pb::ENTRY_NORMAL);
  return Status::ok();
}

}  // namespace eddy::raft
