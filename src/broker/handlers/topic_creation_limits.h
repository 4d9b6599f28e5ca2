#pragma once
// The limits on the partitions clients create (docs/broker.md, "Topic creation limits"), shared
// by CreateTopics, CreatePartitions and topic auto-creation:
//   max.partitions            the cluster's partitions, all topics together: past it, a create is
//                             POLICY_VIOLATION (a policy, like Kafka's CreateTopicPolicy);
//   controller.mutation.rate  partitions per second, spent from the broker's
//                             ControllerMutationQuota: THROTTLING_QUOTA_EXCEEDED with a throttle
//                             time (strict mode) or accepted with a throttle time (permissive).
// The broker's own internal topics (__consumer_offsets) are created by the broker without these
// checks: a client cannot starve the group coordinator of its topic.

#include <cstdint>

#include "broker/broker_context.h"
#include "metadata/metadata_store.h"

namespace eddy::broker {

enum class QuotaMode : int8_t { kStrict, kPermissive };

// A plan that runs `create` (a controller plan emitting one topic or one topic's new
// partitions), then admits the partitions it emitted: max.partitions first, then (unless
// validate_only) the mutation quota. A refused plan commits nothing. `throttle_ms` receives the
// throttle time to report to the client; it outlives the plan.
metadata::MetadataStore::Plan with_creation_limits(const BrokerContext& ctx,
                                                   metadata::MetadataStore::Plan create,
                                                   QuotaMode mode, bool validate_only,
                                                   int32_t* throttle_ms);

}  // namespace eddy::broker
