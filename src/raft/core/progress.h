#pragma once
// Replication progress of one follower, kept by the leader (etcd-io/raft's tracker.Progress).
//
// States: kProbe sends one append at a time and waits for the answer (used after a rejection or
// a leader change, to find where the logs agree); kReplicate streams appends optimistically,
// bounded by Inflights; kSnapshot sends a snapshot in chunks and waits for it to be installed.

#include <cstdint>
#include <deque>
#include <memory>

#include "raft/raft.pb.h"

namespace eddy::raft {

// Unacknowledged append messages to one follower, by the last index each carried.
class Inflights {
 public:
  explicit Inflights(int capacity) : capacity_(capacity) {}
  bool full() const { return static_cast<int>(last_indexes_.size()) >= capacity_; }
  int count() const { return static_cast<int>(last_indexes_.size()); }
  void add(uint64_t last_index) { last_indexes_.push_back(last_index); }
  // The follower acknowledged everything up to `index`.
  void free_le(uint64_t index) {
    while (!last_indexes_.empty() && last_indexes_.front() <= index) last_indexes_.pop_front();
  }
  void free_first_one() {
    if (!last_indexes_.empty()) last_indexes_.pop_front();
  }
  void reset() { last_indexes_.clear(); }

 private:
  int capacity_;
  std::deque<uint64_t> last_indexes_;
};

class Progress {
 public:
  enum class State { kProbe, kReplicate, kSnapshot };

  Progress(uint64_t next, int max_inflight, bool learner)
      : next(next), learner(learner), inflights(max_inflight) {}

  uint64_t match = 0;
  uint64_t next = 1;
  State state = State::kProbe;
  bool learner = false;
  // kProbe: an append is out and unanswered; cleared by a response or heartbeat response.
  bool probe_sent = false;
  // Set when the peer answered anything since the last check-quorum round.
  bool recent_active = false;
  Inflights inflights;
  // kSnapshot: the snapshot being sent and the next byte the follower wants.
  std::shared_ptr<const pb::Snapshot> snapshot;
  uint64_t snapshot_offset = 0;

  void become_probe();
  void become_replicate();
  void become_snapshot(std::shared_ptr<const pb::Snapshot> snap);
  // The follower has everything up to n. False when the ack is stale.
  bool maybe_update(uint64_t n);
  // An append carrying entries up to `last` was sent.
  void sent_entries(uint64_t last);
  // The follower rejected an append whose previous index was `rejected`; `hint` is where the
  // logs may agree. False when the rejection is stale.
  bool maybe_decrease_to(uint64_t rejected, uint64_t hint);
  bool is_paused() const;
  uint64_t pending_snapshot_index() const { return snapshot ? snapshot->metadata().index() : 0; }
};

}  // namespace eddy::raft
