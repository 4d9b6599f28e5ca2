#pragma once
// AlterPartitionManager: sends the ISR changes the partitions this node leads propose to the
// active controller (Kafka's AlterPartitionManager), and runs the periodic ISR shrink check
// (every replica.lag.time.max.ms / 2). One thread of its own; proposals queue and go out in one
// AlterPartition request per round, to this node's own quorum controller when it is the active
// one, else over the wire through its own ControllerChannel. The answer of each partition goes
// back to it (Partition::alter_partition_answered), which ends its pending change: a partition
// has at most one proposal in flight, because it proposes nothing while one is pending. A failed
// round is answered after a back-off, so a refused expansion is not proposed again at once.
//
// The wire forms of the request and answer are converted here too (to_wire / from_wire), for the
// sender and for the controller's handler.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "broker/controller_channel.h"
#include "broker/replica/replica_manager.h"
#include "metadata/cluster_control.h"
#include "metadata/metadata_service.h"
#include "protocol/generated/alter_partition.h"

namespace eddy::controller {
class QuorumController;
}

namespace eddy::broker {

protocol::AlterPartitionRequest to_wire(const metadata::AlterPartitionRequest& req);
metadata::AlterPartitionRequest from_wire(const protocol::AlterPartitionRequest& req,
                                          int16_t version);
protocol::AlterPartitionResponse to_wire(const metadata::AlterPartitionReply& reply);
metadata::AlterPartitionReply from_wire(const protocol::AlterPartitionResponse& resp);

class AlterPartitionManager {
 public:
  struct Options {
    int32_t node_id = -1;
    Uuid incarnation;  // this broker's registration (the channel's principal)
    metadata::MetadataService* metadata = nullptr;
    controller::QuorumController* quorum = nullptr;
    // Runs `fn` on this node's controller thread and waits for it.
    std::function<void(std::function<void()> fn)> on_controller_thread;
    ReplicaManager* replicas = nullptr;
    int64_t isr_check_interval_ms = 15'000;
    int request_timeout_ms = 10'000;
    int retry_backoff_ms = 200;
  };

  explicit AlterPartitionManager(Options options);
  ~AlterPartitionManager();  // stop()
  AlterPartitionManager(const AlterPartitionManager&) = delete;
  AlterPartitionManager& operator=(const AlterPartitionManager&) = delete;

  void start();
  void stop();
  // Queues a proposal (ReplicaManagerOptions::propose_isr).
  void propose(const TopicPartition& tp, int32_t leader_epoch, int32_t partition_epoch,
               std::vector<int32_t> isr);

 private:
  struct Proposal {
    TopicPartition tp;
    int32_t leader_epoch = 0;
    int32_t partition_epoch = 0;
    std::vector<int32_t> isr;
  };
  void run();
  // Sends one round; false when it failed as a whole (every proposal is answered failed).
  void send(std::vector<Proposal> round);
  Result<metadata::AlterPartitionReply> call_controller(const metadata::AlterPartitionRequest& req);

  Options options_;
  ControllerChannel channel_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Proposal> queue_;  // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  std::thread thread_;
};

}  // namespace eddy::broker
