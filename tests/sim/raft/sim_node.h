#pragma once
// Pieces shared by the deterministic simulations (the Raft simulation here and the controller
// simulation in tests/sim/controller): the seeded order of events in virtual time, and a Raft
// core on storage that models fsync.

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "raft/core/memory_storage.h"
#include "raft/core/random.h"
#include "raft/core/raw_node.h"

namespace eddy::raft::sim {

// Events in virtual time; events at the same time run in the order they were scheduled, so a
// run is a function of its seed.
template <typename Kind>
class EventQueue {
 public:
  struct Event {
    int64_t time;
    uint64_t seq;
    Kind kind;
    int node;
    uint64_t arg;
  };

  // Returns the event's sequence number (unique; simulations key messages in flight by it).
  uint64_t schedule(int64_t at, Kind kind, int node, uint64_t arg) {
    const uint64_t seq = next_seq_++;
    queue_.push(Event{at, seq, kind, node, arg});
    return seq;
  }
  bool empty() const { return queue_.empty(); }
  Event pop() {
    Event e = queue_.top();
    queue_.pop();
    return e;
  }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  uint64_t next_seq_ = 0;
};

// A Raft core whose writes reach `live` (what the process sees) at once and `durable` (what a
// crash keeps) only when the driver's simulated fsync completes. The driver: write_ready(), then
// after a simulated delay sync(), send the Ready's messages, apply its committed entries,
// advance().
struct SimRaftNode {
  MemoryStorage durable;
  std::unique_ptr<MemoryStorage> live;
  std::unique_ptr<RawNode> raft;
  uint64_t incarnation = 0;  // bumped by each crash: a sync scheduled before it is void
  bool syncing = false;
  Ready pending;

  // Starts the process from `durable` (cfg.storage is set here).
  Status start(Config cfg);
  // Kills the process: what was not synced is lost, except that half the time a prefix of the
  // entries being written reached the disk in order (a torn write; the hard state never does).
  void crash(Random& rng);
  // Takes the next Ready and writes it to `live`. False when there is none or a sync is in
  // flight; `append` tells whether the write to `live` succeeded.
  bool write_ready(Status& append);
  // The fsync of the Ready written: `durable` catches up. Returns it to send and apply.
  Ready sync();
  void advance() {
    raft->advance();
    syncing = false;
  }
  // Records a snapshot at `index` in both stores, then discards the entries up to `compact_to`
  // when that is not below the first entry.
  Status snapshot(uint64_t index, const pb::ConfState& conf, const std::string& data,
                  uint64_t compact_to);
};

}  // namespace eddy::raft::sim
