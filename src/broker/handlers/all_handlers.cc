#include "broker/handlers/all_handlers.h"

#include "broker/handlers/data_handlers.h"
#include "broker/handlers/group_handlers.h"

namespace eddy::broker {

void register_all_handlers(HandlerRegistry& registry, const BrokerContext& context) {
  register_data_handlers(registry, context);
  register_group_handlers(registry, context);
  register_metadata(registry, context);
  register_sasl_handshake(registry, context);
  register_api_versions(registry, context);
  register_create_topics(registry, context);
  register_delete_topics(registry, context);
  register_describe_configs(registry, context);
  register_alter_configs(registry, context);
  register_describe_log_dirs(registry, context);
  register_create_partitions(registry, context);
  register_elect_leaders(registry, context);
  register_partition_reassignments(registry, context);
  register_incremental_alter_configs(registry, context);
  register_describe_cluster(registry, context);
  register_broker_registration(registry, context);
  register_broker_heartbeat(registry, context);
  register_unregister_broker(registry, context);
  register_allocate_producer_ids(registry, context);
  register_describe_quorum(registry, context);
  register_alter_partition(registry, context);
}

}  // namespace eddy::broker
