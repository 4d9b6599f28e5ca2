#pragma once
// What every Kafka API handler can reach: configuration, the committed metadata and the
// controller that changes it, the partition logs and the replica manager. Owned by Broker; lives
// until every connection is closed. All members are thread-safe.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/controller_queue.h"
#include "broker/net/handler_registry.h"
#include "metadata/cluster_control.h"
#include "metadata/controller.h"
#include "metadata/metadata_service.h"
#include "metadata/topic_config.h"

namespace eddy::log {
class LogManager;
}
namespace eddy::group {
class GroupService;
}
namespace eddy::controller {
class QuorumController;
}

namespace eddy::broker {

class ReplicaManager;
class ControllerChannel;
class ForwardingManager;
class ControllerMutationQuota;
class ProducerIdManager;
struct PartitionSettings;

struct BrokerContext {
  const BrokerConfig* config = nullptr;
  int32_t node_id = -1;
  std::string cluster_id;
  metadata::MetadataService* metadata = nullptr;
  // The same object as `metadata` on a cluster node (null on a single node): the broker-facing
  // controller APIs and the quorum's status.
  controller::QuorumController* quorum = nullptr;
  // A cluster node's way to the active controller when it is not that controller (null on a
  // single node): client admin requests are forwarded through it.
  ControllerChannel* controller_channel = nullptr;
  // Forwards those client admin requests and retries them, off the controller thread (null on
  // a single node).
  ForwardingManager* forwarding = nullptr;
  const metadata::Controller* controller = nullptr;
  // The cluster decisions (elections, reassignments, broker unregistration) with this node's
  // settings, the same on a single node and on the active controller of a quorum.
  const metadata::ClusterControl* cluster_control = nullptr;
  ControllerQueue* controller_queue = nullptr;
  ControllerMutationQuota* mutation_quota = nullptr;  // null: no controller.mutation.rate limit
  log::LogManager* logs = nullptr;
  ReplicaManager* replicas = nullptr;
  group::GroupService* groups = nullptr;  // null: COORDINATOR_NOT_AVAILABLE
  // Producer ids for InitProducerId, in blocks from the active controller.
  ProducerIdManager* producer_ids = nullptr;
  const HandlerRegistry* registry = nullptr;

  // Runs `plan` on the controller thread (commit: validate, append, fsync, apply) and then
  // `done` with its result, on the controller thread. When the queue is full or stopping, `done`
  // runs with an error instead, at once on the caller's thread (or on the stopping thread).
  void commit(metadata::MetadataService::Plan plan, bool validate_only,
              std::function<void(metadata::ControllerResult)> done) const;

  // Creates `spec` unless it exists, wherever the active controller is: through this node's
  // controller thread when it is the active controller (or a single node), else forwarded to the
  // active controller (forward_create_topics), never waiting on the controller thread. `done`
  // runs on the controller thread or a forwarding worker, or at once with an error when the queue
  // is full.
  void create_topic(metadata::CreateTopicSpec spec,
                    std::function<void(metadata::ControllerResult)> done) const;
  // create_topic on this node's controller thread (NOT_CONTROLLER when it is not the active one).
  void create_topic_here(
      metadata::CreateTopicSpec spec,
      std::shared_ptr<std::function<void(metadata::ControllerResult)>> done) const;

  // Broker-level values a topic inherits (per-node dynamic, cluster-default dynamic, then the
  // static config file), for topic config resolution and DescribeConfigs.
  metadata::BrokerValueLookup broker_lookup(const metadata::MetadataImage& image) const;
  // The value in effect of a topic key that no topic or broker level sets, where it is not the
  // key's table default because it follows log.flush.policy: preallocate (on for sync) and
  // flush.ms (0 for sync, which fsyncs every batch; log.flush.interval.ms's default for
  // interval). nullopt for every other key. DescribeConfigs reports it as the DEFAULT value.
  std::optional<std::string> policy_default(std::string_view topic_key) const;
  // The settings the replica manager applies to a partition of `topic`.
  PartitionSettings partition_settings(const metadata::MetadataImage& image,
                                       const metadata::TopicImage& topic) const;
};

}  // namespace eddy::broker
