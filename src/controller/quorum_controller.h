#pragma once
// QuorumController: the cluster metadata replicated by Raft among the controller quorum
// (controller.quorum.voters), as Kafka's KRaft controllers keep __cluster_metadata. The Raft
// leader is the active controller: once it has applied every entry of earlier terms
// (LeaderChange::self_ready) it plans changes against its image and proposes them as Raft
// entries; every voter applies the committed entries to an identical image and tells the
// broker's listeners.
//
// commit() is called on the broker's controller thread, one call at a time, and waits for its
// entry to be applied here (bounded by the Raft request timeout), so a plan always sees every
// earlier commit of this controller. On a node that is not the active controller it answers
// NOT_CONTROLLER at once. When leadership moves during a commit the entry may or may not
// commit: the answer is then NOT_CONTROLLER (the entry was overwritten) or REQUEST_TIMED_OUT
// (unknown), as Kafka's controller answers.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>

#include "common/clock.h"
#include "common/status.h"
#include "controller/metadata_state_machine.h"
#include "metadata/cluster_control.h"
#include "metadata/metadata_service.h"
#include "raft/node/raft_node.h"

namespace eddy::controller {

struct QuorumControllerOptions {
  // id, voters and data_dir are required; the rest has defaults (see RaftNodeConfig).
  raft::RaftNodeConfig raft;
  // Cluster id, broker.session.timeout.ms, unclean.leader.election.enable, ...
  metadata::ClusterSettings cluster;
  // Broker sessions are measured on its monotonic time, so that a wall-clock jump never fences
  // (or keeps alive) a broker. Null: the system clock.
  const Clock* clock = nullptr;
  // Called once if the Raft node stops on a storage failure of the metadata log. The node then
  // neither votes, leads nor applies, so its owner must not go on serving as if it did.
  raft::FailureCallback on_metadata_log_failure;
};

class QuorumController final : public metadata::MetadataService {
 public:
  // Recovers the Raft log and snapshot into the image and starts the Raft node.
  static Result<std::unique_ptr<QuorumController>> open(QuorumControllerOptions options);
  ~QuorumController() override;  // stop()
  QuorumController(const QuorumController&) = delete;
  QuorumController& operator=(const QuorumController&) = delete;

  std::shared_ptr<const metadata::MetadataImage> image() const override;
  void add_listener(Listener listener) override;
  metadata::ControllerResult commit(const Plan& plan, bool validate_only = false) override;
  int32_t active_controller() const override { return leader_.load(); }
  bool is_active_controller() const override { return ready_.load(); }

  // Waits until this node has applied everything the quorum had committed when it was asked (a
  // Raft ReadIndex through the leader), so the image is as new as the cluster's. False when no
  // quorum answered within `timeout_ms`.
  bool wait_caught_up(int64_t timeout_ms);
  raft::RaftNodeStatus quorum_status() const { return node_->status(); }
  // Every voter's Raft address (controller.quorum.voters).
  const std::map<NodeId, raft::PeerAddress>& voters() const { return options_.raft.voters; }
  uint16_t raft_port() const { return node_->raft_port(); }
  // Asks the active controller (this node) to hand leadership to voter `to`.
  Status transfer_leadership(int32_t to);
  // Stops the Raft node: later commits answer NOT_CONTROLLER. Idempotent.
  void stop();

  // The broker-facing controller (KRaft's BrokerRegistration, BrokerHeartbeat and session
  // expiry): decisions of metadata::ClusterControl, committed here. Called on the broker's
  // controller thread only, like commit(); the broker sessions are this controller's soft state
  // and start afresh whenever this node becomes the active controller.
  metadata::BrokerRegistrationReply register_broker(const metadata::BrokerRegistrationRequest& req);
  metadata::BrokerHeartbeatReply heartbeat(const metadata::BrokerHeartbeatRequest& req);
  // AlterPartition from a partition leader (ClusterControl::alter_partition, committed here).
  metadata::AlterPartitionReply alter_partition(const metadata::AlterPartitionRequest& req);
  // UnregisterBroker: the broker leaves every ISR and leadership, then its registration and
  // session go.
  metadata::ControllerResult unregister_broker(int32_t broker_id);
  // Fences the brokers whose session expired (one batch each). Returns how many.
  int fence_expired();
  // auto.leader.rebalance.enable's periodic check (ClusterControl::rebalance_leaders): preferred
  // elections for the brokers whose leader imbalance is past the percentage. Returns how many
  // partitions changed leader.
  int rebalance_leaders();

 private:
  explicit QuorumController(QuorumControllerOptions options);
  void on_leader_change(const raft::LeaderChange& change);
  metadata::ControllerResult not_controller() const;
  // Starts every registered broker's session afresh when this node became active in a new term.
  void refresh_sessions(int64_t now_ms);

  QuorumControllerOptions options_;
  MetadataStateMachine state_machine_;
  std::unique_ptr<raft::RaftNode> node_;
  std::atomic<int32_t> leader_{-1};
  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> term_{0};
  const Clock* clock_;
  // Controller-thread state.
  metadata::ClusterControl cluster_control_;
  metadata::BrokerHeartbeatManager sessions_;
};

}  // namespace eddy::controller
