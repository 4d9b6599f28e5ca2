#pragma once
// Configuration of a RaftNode: who the voters are, where they listen, where the log lives, and
// how fast time runs. The broker fills it from `node.id` and `controller.quorum.voters`
// (parse_quorum_voters, raft/transport/peer_address.h).

#include <cstdint>
#include <filesystem>
#include <map>

#include "common/ids.h"
#include "common/status.h"
#include "raft/storage/segmented_log.h"
#include "raft/transport/transport.h"

namespace eddy::raft {

struct RaftNodeConfig {
  NodeId id = kNoNode;
  // Every voter of the initial configuration, this node included; this node's own entry is the
  // address it listens on for Raft traffic.
  std::map<NodeId, PeerAddress> voters;
  // Holds `log/`, `hard_state` and `snapshot` (see DiskStorage).
  std::filesystem::path data_dir;
  int tick_ms = 100;
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  // Take a snapshot after this many entries applied since the last one.
  uint64_t snapshot_interval = 10000;
  // Entries kept behind a snapshot so slightly lagging followers catch up from the log.
  uint64_t snapshot_catchup_entries = 1000;
  // A proposal or read not answered within this time fails with kTimeout (its outcome is then
  // unknown: the entry may still commit).
  int request_timeout_ms = 5000;
  // Proposals plus reads waiting for an answer; more are refused with kUnavailable.
  size_t max_pending_requests = 16384;
  SegmentedLog::Options log;
  // Queue and frame limits of the peer connections; self, listen address and peers are filled
  // from `id` and `voters`.
  TransportConfig transport;

  Status validate() const;
};

}  // namespace eddy::raft
