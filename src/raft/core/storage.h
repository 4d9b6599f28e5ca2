#pragma once
// The read side of a Raft log, as the core sees it (modelled on etcd-io/raft's Storage).
//
// The core never writes: the driver persists what a Ready hands it (hard state, entries,
// snapshot) into its Storage and then calls RawNode::advance(). Everything a Storage returns must
// therefore already be durable, and it must reflect every Ready the driver has acknowledged.
//
// Index space: the log holds entries (first_index() .. last_index()]; the entry just before
// first_index() is covered by the latest snapshot, whose index and term are still answerable
// through term(). An empty log has first_index() == last_index() + 1.
//
// Errors: an index below first_index() - 1 is compacted (kOutOfRange, see kCompacted); an index
// above last_index() is unavailable (kNotFound). Any other error (kIoError, kCorruption) is fatal
// to the core's caller.

#include <cstdint>
#include <vector>

#include "common/ids.h"
#include "common/status.h"
#include "raft/raft.pb.h"

namespace eddy::raft {

// What a node restarts from: its last durable HardState, and the configuration in force at the
// snapshot (index first_index() - 1). The core rebuilds the current configuration by replaying
// conf-change entries after that index.
struct InitialState {
  pb::HardState hard_state;
  pb::ConfState conf_state;
};

// Status codes the core interprets.
inline constexpr StatusCode kCompacted = StatusCode::kOutOfRange;
inline constexpr StatusCode kUnavailable = StatusCode::kNotFound;

class Storage {
 public:
  virtual ~Storage() = default;

  virtual Result<InitialState> initial_state() const = 0;
  // Entries [lo, hi), at least one entry when lo < hi, then as many as fit in max_bytes (the sum
  // of Entry::ByteSizeLong()).
  virtual Result<std::vector<pb::Entry>> entries(RaftIndex lo, RaftIndex hi,
                                                 uint64_t max_bytes) const = 0;
  // Term of entry i, for i in [first_index() - 1, last_index()].
  virtual Result<Term> term(RaftIndex i) const = 0;
  virtual Result<RaftIndex> first_index() const = 0;
  virtual Result<RaftIndex> last_index() const = 0;
  // The most recent snapshot. kUnavailable-style errors (StatusCode::kUnavailable) mean "not
  // ready yet, ask again later".
  virtual Result<pb::Snapshot> snapshot() const = 0;
};

// Bytes an entry costs against max_bytes limits.
inline uint64_t entry_bytes(const pb::Entry& e) { return e.ByteSizeLong(); }

}  // namespace eddy::raft
