#pragma once
// Topic auto-creation (auto.create.topics.enable), shared by Metadata and Produce: which names
// may be created, and the controller commits that create them with the broker defaults
// (num.partitions, default.replication.factor) before the handler answers.
//
// Auto-creation is what a client gets without asking for it, so it is bounded three ways
// (docs/broker.md, "Topic creation limits"): at most auto.create.topics.max.per.request topics
// per request, the broker's controller.mutation.rate quota (strict: nothing is created while the
// quota is in debt), and max.partitions. Reserved names (__consumer_offsets, __cluster_metadata,
// ...) are never auto-created, and a name that collides with an existing topic ('.' vs '_') is
// refused as CreateTopics refuses it.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "broker/broker_context.h"
#include "protocol/errors.h"

namespace eddy::broker {

// The names auto-creation considered and did not create, each with the error the Metadata
// answer gives it: LEADER_NOT_AVAILABLE when a later request may create it (the per-request cap
// or the quota deferred it), UNKNOWN_TOPIC_OR_PARTITION when it will not be created (a reserved
// name, max.partitions, a failed commit), INVALID_TOPIC_EXCEPTION for a colliding name.
using AutoCreateRefusals = std::map<std::string, protocol::ErrorCode>;

// Creates the topics among `names` that auto-creation may create (auto.create.topics.enable is
// on, the name is valid and not reserved, no such topic exists yet, the limits allow it), then
// runs `then` with the refusals: at once on the caller's thread when there is nothing to create,
// else after the commits, on the controller thread. When the controller queue is full, `then`
// runs at once with every candidate deferred (LEADER_NOT_AVAILABLE).
void auto_create_topics(const BrokerContext& ctx, const std::vector<std::string>& names,
                        std::function<void(const AutoCreateRefusals&)> then);

// For callers that only need the created topics to exist (Produce answers a missing topic
// UNKNOWN_TOPIC_OR_PARTITION itself).
void auto_create_topics(const BrokerContext& ctx, const std::vector<std::string>& names,
                        std::function<void()> then);

}  // namespace eddy::broker
