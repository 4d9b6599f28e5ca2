#pragma once
// Which brokers Metadata and DescribeCluster list, and which controller they name.

#include <cstdint>

#include "broker/broker_context.h"
#include "broker/controller_channel.h"
#include "metadata/metadata_image.h"

namespace eddy::broker {

// Whether clients are told about broker `id`: registered with an endpoint and unfenced, as
// Kafka's metadata cache lists brokers. A cluster node lists itself only once the registration
// in the image is this incarnation's: after a restart the image holds the previous
// incarnation's until the new one registers (fenced, then unfenced once caught up), and the last
// node of a full stop could not be fenced for want of a quorum, so that stale registration reads
// as unfenced. A Kafka broker accepts clients only once unfenced; a node listing itself on the
// strength of its previous life made "every node lists every node" (the cluster harness's
// readiness) pass early, and a CreateTopics with RF 3 was then refused
// (INVALID_REPLICATION_FACTOR) while that node re-registered.
inline bool listed_broker(const BrokerContext& ctx, const metadata::MetadataImage& image,
                          int32_t id) {
  const metadata::BrokerRegistration* b = image.broker(id);
  if (b == nullptr || b->fenced || b->endpoints.empty()) return false;
  if (id != ctx.node_id || ctx.controller_channel == nullptr) return true;
  return ControllerChannel::is_broker_principal(ctx.controller_channel->principal(), image);
}

}  // namespace eddy::broker
