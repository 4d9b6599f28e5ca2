#pragma once
// Broker: the process's components wired together, in start-up order:
//   1. an exclusive lock on every log dir and the metadata log dir (DataDirLock), before anything
//      in them is read: a second process on the same directories stops here, touching nothing
//   2. the network server binds the listeners (a port in use also stops start-up before any
//      recovery); connections wait in the listen backlog until step 7
//   3. meta.properties in every log dir (cluster id, node id)
//   4. LogManager opens (and recovers) every partition log
//   5. the metadata: on a single node (controller.quorum.voters empty or this node alone) a
//      MetadataStore replays its snapshot and log into the image; in a cluster the
//      QuorumController recovers its Raft log and catches up with the quorum
//   6. ReplicaManager; a single node registers itself (RegisterBrokerRecord) when its endpoints
//      changed, and takes leadership of the partitions the image assigns it
//   7. the server starts accepting; the group coordinator starts; in a cluster the
//      BrokerLifecycle registers this broker with the active controller and heartbeats
// The admin HTTP listener (admin.listeners) is bound with the Kafka listeners in step 2 and
// answers at once, on the io threads, which start then: /health says the process is alive, /ready
// answers 503 with the step under way until step 7 is done, and 503 again once shutdown starts.
// and the reverse on shutdown: the cluster threads stop, the controller queue refuses new tasks
// and drops the queued ones, and a metadata change being applied stops opening partitions (the
// next start opens them from the image), so a long controller task does not hold the stop (one
// still running after shutdown.timeout.ms is abandoned: see abandoned_controller_task()); the
// quorum's Raft node stops; stop accepting, let in-flight requests finish (bounded by
// shutdown.timeout.ms), stop the replica manager, flush and close every log (clean-shutdown
// markers), release the directory locks.
//
// Metadata changes reach the data path through one listener: after each committed batch the
// broker diffs the old and new image and creates, reconfigures or deletes partitions.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker/broker_context.h"
#include "broker/config/broker_config.h"
#include "broker/controller_mutation_quota.h"
#include "broker/controller_queue.h"
#include "broker/data_dir_lock.h"
#include "broker/net/admin_http_server.h"
#include "broker/net/handler_registry.h"
#include "broker/net/server.h"
#include "common/status.h"
#include "log/log_manager.h"
#include "metadata/controller.h"
#include "metadata/metadata_store.h"
#include "metrics/registry.h"

namespace eddy::group {
class GroupService;
}
namespace eddy::controller {
class QuorumController;
}

namespace eddy::broker {

class ReplicaManager;
class ReplicaFetcherManager;
class ReplicationThrottles;
class AlterPartitionManager;
class BrokerMetrics;
class BrokerLifecycle;
class ControllerChannel;
class ForwardingManager;
class ProducerIdManager;

class Broker {
 public:
  // Steps 1-6 above. The registry is filled by the caller before start(). `interrupted` is
  // polled while start-up waits for the controller quorum: true abandons the start.
  static Result<std::unique_ptr<Broker>> open(BrokerConfig config,
                                              std::function<bool()> interrupted = nullptr);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  HandlerRegistry& registry() { return registry_; }
  const BrokerContext& context() const { return context_; }

  // Step 7: starts serving.
  Status start();
  std::vector<uint16_t> bound_ports() const;
  // Graceful stop (idempotent); the first storage error is returned, or kUnavailable when a
  // controller task was still running after shutdown.timeout.ms.
  Status shutdown();
  // True after a shutdown() that left a controller task running: the process must then exit
  // without destroying the Broker (which would wait for the task), e.g. with std::_Exit.
  bool abandoned_controller_task() const { return controller_abandoned_; }

 private:
  explicit Broker(BrokerConfig config);
  Status bind_listeners();
  // Binds admin.listeners and serves them on the io threads, which start here.
  Status start_admin();
  // What /ready answers: empty once ready, else what start-up is doing (or "shutting down").
  void set_not_ready(std::string reason);
  std::string not_ready_reason() const;
  Status open_components();
  Status open_metadata(const std::map<NodeId, raft::PeerAddress>& voters,
                       const std::string& cluster_id);
  metadata::BrokerRegistration self_registration() const;
  // broker.session.timeout.ms, unclean.leader.election.enable, leader.imbalance.* of the config.
  metadata::ClusterSettings cluster_settings(const std::string& cluster_id) const;
  Status register_self();
  // Deletes the logs `image` does not place here and opens the partitions it assigns us.
  void open_partitions(const metadata::MetadataImage& image);
  // `loading`: the image this node already had at start (its topics are "loaded", not "created").
  void apply_image_change(const metadata::MetadataImage& before,
                          const metadata::MetadataImage& after, bool loading = false);

  BrokerConfig config_;
  DataDirLock dir_lock_;
  HandlerRegistry registry_;
  std::unique_ptr<log::LogManager> logs_;
  std::unique_ptr<metadata::MetadataService> metadata_;
  // The metadata_ of a cluster node (null on a single node), for quorum status and shutdown.
  controller::QuorumController* quorum_ = nullptr;
  std::unique_ptr<BrokerLifecycle> lifecycle_;
  std::unique_ptr<ControllerChannel> controller_channel_;
  std::unique_ptr<ForwardingManager> forwarding_;
  // On the active controller: fences brokers whose session expired (KRaft's session expiry),
  // checking a few times per broker.session.timeout.ms, and every
  // leader.imbalance.check.interval.seconds rebalances leaders (auto.leader.rebalance.enable).
  void run_session_expiry();
  std::thread session_expiry_;
  std::mutex session_expiry_mu_;
  std::condition_variable session_expiry_cv_;
  bool session_expiry_stop_ = false;
  std::function<bool()> interrupted_;
  std::unique_ptr<metadata::Controller> controller_;
  std::unique_ptr<metadata::ClusterControl> cluster_control_;
  std::unique_ptr<ProducerIdManager> producer_ids_;
  std::unique_ptr<ControllerQueue> controller_queue_;
  std::unique_ptr<ControllerMutationQuota> mutation_quota_;
  std::unique_ptr<ReplicationThrottles> throttles_;  // before replicas_ and fetchers_: they use it
  std::unique_ptr<ReplicaManager> replicas_;
  // A cluster node's replication (null on a single node): the follower side and the ISR changes
  // it proposes as a leader.
  std::unique_ptr<ReplicaFetcherManager> fetchers_;
  std::unique_ptr<AlterPartitionManager> alter_partitions_;
  std::unique_ptr<group::GroupService> groups_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<AdminHttpServer> admin_;  // admin.listeners; null when empty
  // Kafka's BrokerState (broker_metrics.h), for the metrics.
  std::atomic<int> broker_state_{1};
  metrics::Registry::CollectorHandle process_metrics_;
  // Destroyed first in shutdown(): its collectors read the components below.
  std::unique_ptr<BrokerMetrics> metrics_;
  mutable std::mutex ready_mu_;
  std::string not_ready_ = "binding the listeners";  // guarded by ready_mu_
  BrokerContext context_;
  bool shut_down_ = false;
  // Set first thing in shutdown(): a metadata change being applied stops opening partitions.
  std::atomic<bool> stopping_{false};
  // A cluster node: its partitions are open (the image holds this incarnation's registration).
  std::atomic<bool> registered_{false};
  bool controller_abandoned_ = false;
};

}  // namespace eddy::broker
