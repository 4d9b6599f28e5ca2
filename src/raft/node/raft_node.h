#pragma once
// RaftNode: the driver that turns the pure Raft core into a running replica. It owns one thread
// running an io_context, and on it: the RawNode, the DiskStorage, the Transport and the
// application's StateMachine.
//
// The loop (ready.h's contract): a steady timer ticks the core every tick_ms; received messages
// are stepped in; after each event, while the core has a Ready: install a snapshot, append the
// entries and fsync them, persist the hard state (a vote is durable before anyone hears of it),
// then send the messages, then apply committed entries to the StateMachine and complete the
// waiting proposals and reads, then advance. Every snapshot_interval applied entries it takes a
// StateMachine snapshot and compacts the log behind it.
//
// Threads: propose(), read_index(), campaign() and status() may be called from any thread; the
// work is posted to the node's thread. Callbacks and every StateMachine method run on the node's
// thread: they must not block, and must not call stop(). A storage failure is fatal to the node
// (Raft cannot continue safely without its log): it stops ticking, fails every waiting request
// and every later one with that Status, and status().failed says so.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raft/core/raw_node.h"
#include "raft/node/pending_requests.h"
#include "raft/node/raft_node_config.h"
#include "raft/node/state_machine.h"
#include "raft/storage/disk_storage.h"
#include "raft/transport/transport.h"

namespace eddy::raft {

// What this node knows of one other member, for DescribeQuorum and operators. Times are wall-clock
// milliseconds since the epoch (as Kafka's DescribeQuorum reports them), -1 when never.
struct RaftPeerStatus {
  NodeId id;
  bool voter = false;
  // Leader only: the highest index known to be in the peer's log (-1 on a follower).
  int64_t match_index = -1;
  // Last message received from the peer.
  int64_t last_contact_ms = -1;
  // Leader only: last time the peer's log was known to reach the leader's last index.
  int64_t last_caught_up_ms = -1;
};

// Leadership as this node sees it. `self_ready` is set when this node is the leader of `term`
// and has applied every entry of earlier terms (its own term's first entry is applied): only then
// does its state machine show everything committed, so only then may it act on that state (the
// active controller plans against it).
struct LeaderChange {
  NodeId leader = kNoNode;
  Term term;
  bool self_ready = false;
  bool operator==(const LeaderChange&) const = default;
};
using LeaderChangeCallback = std::function<void(const LeaderChange&)>;
// Called once, on the node's thread, when the node stops on a storage failure.
using FailureCallback = std::function<void(const Status&)>;

// A consistent picture of the node, refreshed after every Ready.
struct RaftNodeStatus {
  NodeId id;
  Role role = Role::kFollower;
  NodeId leader = kNoNode;
  Term term;
  RaftIndex commit;
  RaftIndex applied;
  RaftIndex last_index;
  RaftIndex snapshot_index;
  // The configuration in force (the latest in the log).
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  // Every other member of the configuration.
  std::vector<RaftPeerStatus> peers;
  // True once this node leads its term and has applied every entry of earlier terms.
  bool leader_ready = false;
  // Not ok once the node has stopped on a storage failure.
  Status failed;
};

class RaftNode {
 public:
  // `state_machine` must outlive the node.
  RaftNode(RaftNodeConfig config, StateMachine& state_machine);
  ~RaftNode();
  RaftNode(const RaftNode&) = delete;
  RaftNode& operator=(const RaftNode&) = delete;

  // Recovers storage (restoring the StateMachine from the snapshot), binds the Raft port and
  // starts the node's thread.
  Status start();
  // Fails waiting requests with kCancelled, closes connections, joins the thread. Idempotent.
  void stop();

  // Replicates `data` (non-empty). The callback gets the entry's index and the StateMachine's
  // result once applied here, or kUnavailable (not leader: the message names the leader if
  // known; or lost to a leader change), kTimeout, kInvalidArgument.
  void propose(std::string data, ProposeCallback cb);
  std::future<Result<ProposalResult>> propose(std::string data);
  // A linearizable read: the callback runs once the local StateMachine has applied everything
  // committed before the read was requested (Raft ReadIndex).
  void read_index(ReadCallback cb);
  // Starts an election now (tests, operator tooling).
  void campaign();
  // Asks the leader (this node) to hand leadership to voter `to`; the answer says whether the
  // transfer was started (kUnavailable on a follower). It completes when `to` wins its election,
  // which the leader-change callback reports; it is abandoned after an election timeout.
  std::future<Status> transfer_leadership(NodeId to);
  // Replicates a single-server membership change (a learner or voter added, a voter promoted or
  // removed). For an added node, `cc.context()` is its Raft address "host:port". The callback
  // gets the entry's index once the change is applied here, or an error as for propose().
  void propose_conf_change(const pb::ConfChange& cc, ProposeCallback cb);
  // Called on the node's thread whenever LeaderChange differs from the last call (first call:
  // the first leader known). Set before start(); it must not block.
  void set_leader_change_callback(LeaderChangeCallback cb) { leader_change_cb_ = std::move(cb); }
  // Called once when the node stops on a storage failure (its log can no longer be trusted to
  // hold what it acknowledged). Set before start(); it may end the process.
  void set_failure_callback(FailureCallback cb) { failure_cb_ = std::move(cb); }

  RaftNodeStatus status() const;
  // The bound Raft port (useful when configured as 0); 0 for a single-voter quorum, which
  // listens on nothing.
  uint16_t raft_port() const { return raft_port_; }

 private:
  Status open();
  void schedule_tick();
  void on_tick();
  void on_message(pb::Message msg);
  void do_propose(std::string data, ProposeCallback cb);
  // After RawNode took a proposal (or refused it): waits for its entry, or answers at once.
  void track_proposal(const Status& proposed, ProposeCallback cb);
  void do_read(ReadCallback cb);
  // Posts `f` to the node's thread unless the node is stopped; false when it was not posted.
  template <typename F>
  bool post_to_node(F f);
  void schedule_ready();
  // Drains every Ready the core has; stops the node on a storage failure.
  void process_ready();
  Status handle_ready(Ready& rd);
  Status apply_committed(const std::vector<pb::Entry>& entries);
  Status maybe_snapshot();
  void fail(const Status& status);
  Status not_leader() const;
  int64_t now_ms() const;
  void publish_status();
  void notify_leader_change(const NodeStatus& st);

  RaftNodeConfig config_;
  StateMachine& sm_;
  boost::asio::io_context io_;
  boost::asio::steady_timer tick_timer_;
  std::unique_ptr<DiskStorage> storage_;
  std::unique_ptr<RawNode> raw_;
  std::unique_ptr<Transport> transport_;
  PendingRequests pending_;
  pb::ConfState conf_state_;  // the configuration at the applied index, for snapshots
  uint64_t applied_ = 0;
  uint64_t snapshot_index_ = 0;
  Status failed_;
  std::thread thread_;
  bool ready_scheduled_ = false;
  // Guards started_/stopping_ against posts racing stop(): a post either lands before stop's
  // own work (and is failed there) or is refused.
  std::mutex post_mu_;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
  uint16_t raft_port_ = 0;

  // Wall-clock times of the last message from, and the last caught-up observation of, each peer.
  std::map<NodeId, int64_t> last_contact_ms_;
  std::map<NodeId, int64_t> last_caught_up_ms_;
  // Term of the last entry applied: the leader is ready once it applied an entry of its term.
  uint64_t applied_term_ = 0;
  LeaderChangeCallback leader_change_cb_;
  FailureCallback failure_cb_;
  LeaderChange last_leader_change_;

  mutable std::mutex status_mu_;
  RaftNodeStatus status_;
};

}  // namespace eddy::raft
