#pragma once
// The broker's two replication quotas (replica/replication_quota.h), kept in step with the
// metadata: the rates from leader.replication.throttled.rate and
// follower.replication.throttled.rate (this node's dynamic value, else the cluster default, else
// the config file, else unlimited), the throttled partitions from each topic's
// {leader,follower}.replication.throttled.replicas entries naming this node. The leader quota
// goes to the replica manager (fetches it serves to followers), the follower quota to the replica
// fetchers. /metrics shows Kafka's byte-rate of each and how often each held bytes back.

#include <cstdint>
#include <memory>

#include "broker/config/broker_config.h"
#include "broker/replica/replication_quota.h"
#include "metadata/metadata_image.h"
#include "metadata/topic_config.h"
#include "metrics/registry.h"

namespace eddy::broker {

class ReplicationThrottles {
 public:
  // replication.quota.window.num and replication.quota.window.size.seconds come from `config`.
  ReplicationThrottles(const BrokerConfig& config, int32_t node_id, const Clock* clock);
  ReplicationThrottles(const ReplicationThrottles&) = delete;
  ReplicationThrottles& operator=(const ReplicationThrottles&) = delete;

  ReplicationQuota& leader() { return leader_; }
  ReplicationQuota& follower() { return follower_; }

  // The two rates as `broker` resolves this node's keys; called when broker configs change.
  void apply_rates(const metadata::BrokerValueLookup& broker);
  // The throttled-replica lists of the topics that changed from `before` to `after`.
  void apply_topics(const metadata::MetadataImage& before, const metadata::MetadataImage& after);

 private:
  const int32_t node_id_;
  ReplicationQuota leader_;
  ReplicationQuota follower_;
  metrics::Registry::CollectorHandle metrics_;
};

}  // namespace eddy::broker
