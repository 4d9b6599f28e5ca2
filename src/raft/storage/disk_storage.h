#pragma once
// DiskStorage: the durable Raft Storage. It keeps the whole unsnapshotted log in memory (a
// MemoryStorage mirror, bounded by snapshotting every N applied entries) for the core's reads,
// and writes through to files in one data directory:
//
//   <dir>/log/<20-digit base index>.log   the entries (SegmentedLog; each body is a serialized
//                                         pb::Entry)
//   <dir>/hard_state                      pb::HardState in a checkpoint frame, replaced atomically
//   <dir>/snapshot                        the latest pb::Snapshot in a checkpoint frame, replaced
//                                         atomically
//
// Durability contract (what the driver relies on before sending a Ready's messages):
//   - append() writes entries, sync() makes them durable (one fdatasync for the whole Ready).
//   - set_hard_state() is durable when it returns if the term or the vote changed: a vote must
//     never be forgotten. A change of the commit index alone is kept in memory and written with
//     the next term/vote change, snapshot or close(): the commit index is only a hint on restart
//     (the leader re-establishes it), so it costs no extra fsync per Ready.
//   - apply_snapshot() and create_snapshot() are durable when they return.
//
// Recovery: the snapshot and hard state are read first; a checksum failure there is fatal
// (kCorruption), since those files are only ever replaced by rename. Log entries after the
// snapshot index survive only when the log still agrees with the snapshot (it holds the snapshot
// index with the snapshot term, or starts right after it); otherwise the log is left over from
// before a snapshot sent by the leader and is discarded. Torn tails and corrupt records in the
// log are handled by SegmentedLog (see there) and reported in RecoveryReport.
//
// Not thread-safe: one driver thread owns it.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "raft/core/memory_storage.h"
#include "raft/core/storage.h"
#include "raft/storage/segmented_log.h"

namespace eddy::raft {

class DiskStorage final : public Storage {
 public:
  struct Options {
    SegmentedLog::Options log;
  };

  // Opens `dir` (creating it when missing). A directory with neither hard state nor snapshot is
  // new: when `bootstrap` names voters, the bootstrap entries of conf_change.h (every founding
  // voter added as learner, then promoted) are written and committed, so every founding node
  // starts from the same log; a node joining later passes an empty ConfState and starts empty.
  static Result<std::unique_ptr<DiskStorage>> open(const std::filesystem::path& dir,
                                                   const pb::ConfState& bootstrap, Options options,
                                                   RecoveryReport* report);
  ~DiskStorage() override;

  Result<InitialState> initial_state() const override;
  Result<std::vector<pb::Entry>> entries(RaftIndex lo, RaftIndex hi,
                                         uint64_t max_bytes) const override;
  Result<Term> term(RaftIndex i) const override;
  Result<RaftIndex> first_index() const override;
  Result<RaftIndex> last_index() const override;
  Result<pb::Snapshot> snapshot() const override;

  // Appends entries, first truncating (in memory and on disk) any conflicting suffix at or after
  // entries[0].index(). Not durable until sync().
  Status append(const std::vector<pb::Entry>& entries);
  Status sync();
  Status set_hard_state(const pb::HardState& hs);
  const pb::HardState& hard_state() const { return hard_state_; }
  // Installs a snapshot received from the leader, replacing the whole log.
  Status apply_snapshot(const pb::Snapshot& snap);
  // Records a snapshot of the state machine taken at applied index `index`.
  Status create_snapshot(RaftIndex index, const pb::ConfState& cs, std::string data);
  // Discards entries up to and including `index` (<= the snapshot index), deleting whole
  // segments that hold nothing newer.
  Status compact(RaftIndex index);
  // Writes a pending commit index. Also called by the destructor (errors there are dropped).
  Status close();

  size_t segment_count() const { return log_->segment_count(); }

 private:
  explicit DiskStorage(std::filesystem::path dir);
  // Returns true when the directory is new (no hard state, no snapshot).
  Result<bool> recover(Options options, RecoveryReport* report);
  Status write_bootstrap(const pb::ConfState& initial);
  Status write_hard_state();
  Status write_snapshot_file(const pb::Snapshot& snap);

  std::filesystem::path dir_;
  MemoryStorage mem_;
  std::unique_ptr<SegmentedLog> log_;
  pb::HardState hard_state_;
  // True when hard_state_ holds a commit index not yet written to disk.
  bool commit_dirty_ = false;
};

}  // namespace eddy::raft
