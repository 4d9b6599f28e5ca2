#pragma once
// Topic auto-creation (auto.create.topics.enable), shared by Metadata and Produce: which names
// may be created, and the one controller commit that creates them with the broker defaults
// (num.partitions, default.replication.factor) before the handler answers.

#include <functional>
#include <string>
#include <vector>

#include "broker/broker_context.h"

namespace eddy::broker {

// Creates the topics among `names` that auto-creation may create (auto.create.topics.enable is
// on, the name is valid and not reserved, no such topic exists yet), then runs `then`: at once
// on the caller's thread when there is nothing to create, else after the commit, on the
// controller thread. A creation that fails (a concurrent create won, the controller queue is
// full) still runs `then`: the handler's own lookup reports what exists.
void auto_create_topics(const BrokerContext& ctx, const std::vector<std::string>& names,
                        std::function<void()> then);

}  // namespace eddy::broker
