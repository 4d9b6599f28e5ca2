#include "raft/storage/disk_storage.h"

#include <algorithm>

#include "raft/core/conf_change.h"
#include "raft/storage/checkpoint_file.h"
#include "raft/storage/file_util.h"
#include "raft/storage/log_format.h"

namespace eddy::raft {

namespace fs = std::filesystem;

namespace {

constexpr char kLogDir[] = "log";
constexpr char kHardStateFile[] = "hard_state";
constexpr char kSnapshotFile[] = "snapshot";
constexpr uint64_t kMaxHardStateBytes = 1024;

Bytes serialize(const google::protobuf::MessageLite& m) {
  Bytes out(m.ByteSizeLong());
  m.SerializeWithCachedSizesToArray(out.data());
  return out;
}

}  // namespace

DiskStorage::DiskStorage(fs::path dir) : dir_(std::move(dir)) { hard_state_.set_vote(-1); }

DiskStorage::~DiskStorage() { (void)close(); }

Result<std::unique_ptr<DiskStorage>> DiskStorage::open(const fs::path& dir,
                                                       const pb::ConfState& bootstrap,
                                                       Options options, RecoveryReport* report) {
  EDDY_RETURN_IF_ERROR(file_util::ensure_dir(dir));
  std::unique_ptr<DiskStorage> s(new DiskStorage(dir));
  EDDY_ASSIGN_OR_RETURN(bool fresh, s->recover(options, report));
  if (fresh && bootstrap.voters_size() > 0) EDDY_RETURN_IF_ERROR(s->write_bootstrap(bootstrap));
  return s;
}

Status DiskStorage::write_bootstrap(const pb::ConfState& initial) {
  // Entries first, then the hard state: the hard state file is what marks the bootstrap done, so
  // a crash in between bootstraps again from scratch.
  Bootstrap b = bootstrap(initial);
  EDDY_RETURN_IF_ERROR(mem_.apply_snapshot(pb::Snapshot()));
  EDDY_RETURN_IF_ERROR(log_->remove_all());
  EDDY_RETURN_IF_ERROR(append(b.entries));
  EDDY_RETURN_IF_ERROR(sync());
  hard_state_ = b.hard_state;
  mem_.set_hard_state(hard_state_);
  return write_hard_state();
}

Result<bool> DiskStorage::recover(Options options, RecoveryReport* report) {
  Bytes bytes;
  EDDY_ASSIGN_OR_RETURN(bool have_snapshot,
                        checkpoint_file::read(dir_ / kSnapshotFile, log_format::kSnapshotMagic,
                                              log_format::kMaxSnapshotBytes, &bytes));
  uint64_t snap_index = 0;
  uint64_t snap_term = 0;
  if (have_snapshot) {
    pb::Snapshot snap;
    if (!snap.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return corruption((dir_ / kSnapshotFile).string() + ": not a Snapshot message");
    }
    snap_index = snap.metadata().index();
    snap_term = snap.metadata().term();
    EDDY_RETURN_IF_ERROR(mem_.apply_snapshot(snap));
  }
  EDDY_ASSIGN_OR_RETURN(bool have_hard_state,
                        checkpoint_file::read(dir_ / kHardStateFile, log_format::kHardStateMagic,
                                              kMaxHardStateBytes, &bytes));
  if (have_hard_state) {
    if (!hard_state_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return corruption((dir_ / kHardStateFile).string() + ": not a HardState message");
    }
  }
  mem_.set_hard_state(hard_state_);

  std::vector<LogRecord> records;
  EDDY_ASSIGN_OR_RETURN(log_, SegmentedLog::open(dir_ / kLogDir, options.log, &records, report));
  // Does the log continue the snapshot? (See the header: otherwise it predates a snapshot
  // installed from the leader.)
  bool continues = records.empty() || records.front().index == snap_index + 1;
  for (const LogRecord& r : records) {
    if (r.index == snap_index) continues = r.term == snap_term;
  }
  const bool fresh = !have_snapshot && !have_hard_state;
  if (!continues) {
    EDDY_RETURN_IF_ERROR(log_->remove_all());
    return fresh;
  }
  std::vector<pb::Entry> entries;
  for (LogRecord& r : records) {
    if (r.index <= snap_index) continue;
    pb::Entry e;
    if (!e.ParseFromArray(r.body.data(), static_cast<int>(r.body.size())) || e.index() != r.index ||
        e.term() != r.term) {
      return corruption("raft log entry " + std::to_string(r.index) +
                        " does not decode to the entry its header names");
    }
    entries.push_back(std::move(e));
    r.body = Bytes();
  }
  EDDY_RETURN_IF_ERROR(mem_.append(entries));
  return fresh;
}

Result<InitialState> DiskStorage::initial_state() const {
  EDDY_ASSIGN_OR_RETURN(InitialState st, mem_.initial_state());
  // The commit index is a restart hint: never below what the snapshot proves committed, never
  // beyond the entries that survived recovery.
  const uint64_t snap_index = mem_.snapshot()->metadata().index();
  EDDY_ASSIGN_OR_RETURN(RaftIndex last, mem_.last_index());
  uint64_t commit = std::max(st.hard_state.commit(), snap_index);
  st.hard_state.set_commit(std::min(commit, last.value()));
  return st;
}

Result<std::vector<pb::Entry>> DiskStorage::entries(RaftIndex lo, RaftIndex hi,
                                                    uint64_t max_bytes) const {
  return mem_.entries(lo, hi, max_bytes);
}
Result<Term> DiskStorage::term(RaftIndex i) const { return mem_.term(i); }
Result<RaftIndex> DiskStorage::first_index() const { return mem_.first_index(); }
Result<RaftIndex> DiskStorage::last_index() const { return mem_.last_index(); }
Result<pb::Snapshot> DiskStorage::snapshot() const { return mem_.snapshot(); }

Status DiskStorage::append(const std::vector<pb::Entry>& entries) {
  if (entries.empty()) return Status::ok();
  EDDY_ASSIGN_OR_RETURN(RaftIndex first, mem_.first_index());
  EDDY_ASSIGN_OR_RETURN(RaftIndex last, mem_.last_index());
  auto it = std::find_if(entries.begin(), entries.end(),
                         [&](const pb::Entry& e) { return e.index() >= first.value(); });
  if (it == entries.end()) return Status::ok();
  if (it->index() > last.value() + 1) {
    return internal_error("append: gap before raft index " + std::to_string(it->index()));
  }
  if (!log_->empty() && it->index() <= log_->last_index()) {
    EDDY_RETURN_IF_ERROR(log_->truncate_suffix(it->index()));
  }
  if (!log_->empty() && log_->last_index() + 1 != it->index()) {
    // The disk log ends before the memory log starts: only possible after a snapshot left no
    // entries behind, so the old segments are of no further use.
    EDDY_RETURN_IF_ERROR(log_->remove_all());
  }
  std::vector<LogRecord> records;
  records.reserve(static_cast<size_t>(entries.end() - it));
  for (auto e = it; e != entries.end(); ++e) {
    records.push_back(LogRecord{e->index(), e->term(), serialize(*e)});
  }
  EDDY_RETURN_IF_ERROR(log_->append(records));
  return mem_.append(std::vector<pb::Entry>(it, entries.end()));
}

Status DiskStorage::sync() { return log_->sync(); }

Status DiskStorage::set_hard_state(const pb::HardState& hs) {
  const bool vote_changed = hs.term() != hard_state_.term() || hs.vote() != hard_state_.vote();
  const bool commit_changed = hs.commit() != hard_state_.commit();
  hard_state_ = hs;
  mem_.set_hard_state(hs);
  if (vote_changed) return write_hard_state();
  if (commit_changed) commit_dirty_ = true;
  return Status::ok();
}

Status DiskStorage::write_hard_state() {
  EDDY_RETURN_IF_ERROR(checkpoint_file::write(dir_ / kHardStateFile, log_format::kHardStateMagic,
                                              serialize(hard_state_)));
  commit_dirty_ = false;
  return Status::ok();
}

Status DiskStorage::write_snapshot_file(const pb::Snapshot& snap) {
  return checkpoint_file::write(dir_ / kSnapshotFile, log_format::kSnapshotMagic, serialize(snap));
}

Status DiskStorage::apply_snapshot(const pb::Snapshot& snap) {
  EDDY_RETURN_IF_ERROR(write_snapshot_file(snap));
  EDDY_RETURN_IF_ERROR(log_->remove_all());
  EDDY_RETURN_IF_ERROR(mem_.apply_snapshot(snap));
  if (hard_state_.commit() < snap.metadata().index()) {
    hard_state_.set_commit(snap.metadata().index());
    mem_.set_hard_state(hard_state_);
  }
  return write_hard_state();
}

Status DiskStorage::create_snapshot(RaftIndex index, const pb::ConfState& cs, std::string data) {
  EDDY_RETURN_IF_ERROR(mem_.create_snapshot(index, cs, std::move(data)));
  EDDY_ASSIGN_OR_RETURN(pb::Snapshot snap, mem_.snapshot());
  EDDY_RETURN_IF_ERROR(write_snapshot_file(snap));
  return commit_dirty_ ? write_hard_state() : Status::ok();
}

Status DiskStorage::compact(RaftIndex index) {
  EDDY_RETURN_IF_ERROR(mem_.compact(index));
  return log_->remove_segments_before(index.value() + 1);
}

Status DiskStorage::close() {
  if (!commit_dirty_) return Status::ok();
  return write_hard_state();
}

}  // namespace eddy::raft
