#pragma once
// RawNode: the public face of the Raft core. Pure and deterministic: no clock (tick() is time),
// no threads, no I/O, randomness from Config::random_seed. Single-threaded: the driver owns it.
//
// Driver loop:
//   node->tick() every tick interval; node->step(msg) for each received message;
//   propose()/read_index()/... for clients;
//   while (node->has_ready()) { Ready rd = node->ready(); <honour the contract in ready.h>;
//                               node->advance(); }

#include <memory>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/status.h"
#include "raft/core/config.h"
#include "raft/core/ready.h"
#include "raft/raft.pb.h"

namespace eddy::raft {

class Raft;

// Replication progress of one peer, as the leader sees it.
struct PeerStatus {
  NodeId id;
  bool voter = false;
  RaftIndex match;
  RaftIndex next;
};

struct NodeStatus {
  NodeId id;
  Role role = Role::kFollower;
  NodeId leader = kNoNode;
  Term term;
  NodeId vote = kNoNode;
  RaftIndex commit;
  RaftIndex applied;
  RaftIndex last_index;
  pb::ConfState conf_state;       // the configuration in force (the latest in the log)
  std::vector<PeerStatus> peers;  // filled on the leader only
  NodeId lead_transferee = kNoNode;
};

class RawNode {
 public:
  // Restores from config.storage; fails on an invalid config or unreadable storage.
  static Result<std::unique_ptr<RawNode>> create(const Config& config);
  ~RawNode();
  RawNode(const RawNode&) = delete;
  RawNode& operator=(const RawNode&) = delete;

  // Advances logical time by one tick (elections, heartbeats, check-quorum, transfer timeout).
  void tick();
  // Feeds a message received from a peer. Messages from stale terms are dropped (kOk); an
  // unknown type is kInvalidArgument.
  Status step(const pb::Message& msg);
  // Appends `data` to the log if this node is leader; kUnavailable otherwise (Status message
  // names the known leader), or while a leadership transfer is in progress or the uncommitted
  // bytes are over the limit.
  Status propose(std::string data);
  // Appends a single-server membership change. Refused (kFailedPrecondition) while another
  // change is uncommitted, before the leader has committed an entry of its own term, when
  // promoting a node that is not a caught-up learner, or when removing the last voter.
  Status propose_conf_change(const pb::ConfChange& cc);
  // Starts an election now (pre-vote first when enabled).
  Status campaign();
  // Asks the leader to hand leadership to `to` (a voter): it catches `to` up, then sends
  // TimeoutNow. Abandoned after an election timeout.
  Status transfer_leadership(NodeId to);
  // Requests a linearizable read; the answer comes as a ReadState with the same context. On a
  // follower the request is forwarded to the leader. kUnavailable when there is no leader.
  Status read_index(std::string context);

  bool has_ready() const;
  // The next batch of work. Call advance() after handling it, before the next ready().
  Ready ready();
  void advance();

  NodeStatus status() const;

 private:
  struct Pending;
  explicit RawNode(std::unique_ptr<Raft> raft);
  std::unique_ptr<Raft> raft_;
  std::unique_ptr<Pending> pending_;
  SoftState prev_soft_;
  pb::HardState prev_hard_;
};

}  // namespace eddy::raft
