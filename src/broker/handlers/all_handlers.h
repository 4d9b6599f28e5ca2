#pragma once
// Registers every Kafka API handler Eddy serves. Each handler lives in its own file in this
// directory and exposes one register_<api>() function; all_handlers.cc calls them in api key
// order.

#include "broker/broker_context.h"
#include "broker/net/handler_registry.h"

namespace eddy::broker {

void register_all_handlers(HandlerRegistry& registry, const BrokerContext& context);

// One per handler file (context outlives the registry's use of it).
void register_metadata(HandlerRegistry& registry, const BrokerContext& context);
void register_sasl_handshake(HandlerRegistry& registry, const BrokerContext& context);
void register_api_versions(HandlerRegistry& registry, const BrokerContext& context);
void register_create_topics(HandlerRegistry& registry, const BrokerContext& context);
void register_delete_topics(HandlerRegistry& registry, const BrokerContext& context);
void register_describe_configs(HandlerRegistry& registry, const BrokerContext& context);
void register_alter_configs(HandlerRegistry& registry, const BrokerContext& context);
void register_describe_log_dirs(HandlerRegistry& registry, const BrokerContext& context);
void register_create_partitions(HandlerRegistry& registry, const BrokerContext& context);
void register_incremental_alter_configs(HandlerRegistry& registry, const BrokerContext& context);
void register_describe_cluster(HandlerRegistry& registry, const BrokerContext& context);
void register_broker_registration(HandlerRegistry& registry, const BrokerContext& context);
void register_broker_heartbeat(HandlerRegistry& registry, const BrokerContext& context);
void register_describe_quorum(HandlerRegistry& registry, const BrokerContext& context);
void register_alter_partition(HandlerRegistry& registry, const BrokerContext& context);
void register_elect_leaders(HandlerRegistry& registry, const BrokerContext& context);
void register_partition_reassignments(HandlerRegistry& registry, const BrokerContext& context);
void register_unregister_broker(HandlerRegistry& registry, const BrokerContext& context);
void register_allocate_producer_ids(HandlerRegistry& registry, const BrokerContext& context);

}  // namespace eddy::broker
