#pragma once
// Broker: the process's components wired together, in start-up order:
//   1. meta.properties in every log dir (cluster id, node id)
//   2. LogManager opens (and recovers) every partition log
//   3. MetadataStore replays the metadata snapshot and log into the image
//   4. ReplicaManager; this node registers itself (RegisterBrokerRecord) when its endpoints
//      changed, and takes leadership of the partitions the image assigns it
//   5. the network server binds the listeners and starts; the group coordinator starts
// and the reverse on shutdown: stop accepting, let in-flight requests finish (bounded by
// shutdown.timeout.ms), stop the replica manager, flush and close every log (clean-shutdown
// markers).
//
// Metadata changes reach the data path through one listener: after each committed batch the
// broker diffs the old and new image and creates, reconfigures or deletes partitions.

#include <memory>
#include <string>

#include "broker/broker_context.h"
#include "broker/config/broker_config.h"
#include "broker/controller_mutation_quota.h"
#include "broker/controller_queue.h"
#include "broker/net/handler_registry.h"
#include "broker/net/server.h"
#include "common/status.h"
#include "log/log_manager.h"
#include "metadata/controller.h"
#include "metadata/metadata_store.h"

namespace eddy::group {
class GroupService;
}

namespace eddy::broker {

class ReplicaManager;

class Broker {
 public:
  // Steps 1-4 above. The registry is filled by the caller before start().
  static Result<std::unique_ptr<Broker>> open(BrokerConfig config);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  HandlerRegistry& registry() { return registry_; }
  const BrokerContext& context() const { return context_; }

  // Step 5: binds the listeners and starts serving.
  Status start();
  std::vector<uint16_t> bound_ports() const;
  // Graceful stop (idempotent); the first storage error is returned.
  Status shutdown();

 private:
  explicit Broker(BrokerConfig config);
  Status open_components();
  Status register_self();
  void apply_image_change(const metadata::MetadataImage& before,
                          const metadata::MetadataImage& after);

  BrokerConfig config_;
  HandlerRegistry registry_;
  std::unique_ptr<log::LogManager> logs_;
  std::unique_ptr<metadata::MetadataStore> metadata_;
  std::unique_ptr<metadata::Controller> controller_;
  std::unique_ptr<ControllerQueue> controller_queue_;
  std::unique_ptr<ControllerMutationQuota> mutation_quota_;
  std::unique_ptr<ReplicaManager> replicas_;
  std::unique_ptr<group::GroupService> groups_;
  std::unique_ptr<Server> server_;
  BrokerContext context_;
  bool shut_down_ = false;
};

}  // namespace eddy::broker
