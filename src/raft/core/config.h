#pragma once
// Configuration of one Raft node. Durations are in ticks: the driver calls RawNode::tick() at a
// fixed interval (e.g. every 100 ms), so election_ticks = 10 means a one-second election timeout.

#include <cstdint>

#include "common/ids.h"
#include "common/status.h"

namespace eddy::raft {

class Storage;

struct Config {
  NodeId id = kNoNode;
  // A follower that hears nothing from a leader for a random time in
  // [election_ticks, 2 * election_ticks) starts an election. Must exceed heartbeat_ticks.
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  // The log the node restarts from; the driver keeps it in step with every Ready. Not owned.
  Storage* storage = nullptr;
  // The index the state machine has already applied (0 for a fresh state machine); committed
  // entries up to here are not handed out again. It may exceed the stored commit index (commit-
  // only hard state changes are not fsynced), never the stored last index.
  uint64_t applied = 0;
  // Flow control: at most this many bytes of entries in one append message (at least one entry
  // always goes), and at most this many append messages unacknowledged per follower.
  uint64_t max_append_bytes = 1 << 20;
  int max_inflight_appends = 64;
  // Snapshots go to lagging followers in chunks of at most this many bytes.
  uint64_t max_snapshot_chunk_bytes = 1 << 20;
  // A follower refuses a snapshot larger than this (guards the reassembly buffer).
  uint64_t max_snapshot_bytes = uint64_t{1} << 32;
  // A leader refuses proposals while this many bytes of entries are uncommitted.
  uint64_t max_uncommitted_bytes = 64 << 20;
  // At most this many committed-entry bytes in one Ready (at least one entry always goes).
  uint64_t max_committed_bytes_per_ready = 16 << 20;
  // At most this many ReadIndex requests waiting at the leader.
  int max_pending_reads = 4096;
  // A leader that has not heard from a quorum within an election timeout steps down, and
  // followers ignore votes while they have a live leader.
  bool check_quorum = true;
  // Candidates first ask whether they could win, so a partitioned node rejoining does not
  // disrupt the cluster by bumping the term.
  bool pre_vote = true;
  // Seeds the randomized election timeout; different nodes should use different seeds.
  uint64_t random_seed = 1;

  Status validate() const;
};

}  // namespace eddy::raft
