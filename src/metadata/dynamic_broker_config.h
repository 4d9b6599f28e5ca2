#pragma once
// Broker keys that IncrementalAlterConfigs may change at run time (per broker, or as the cluster
// default) without being a topic config's default: Kafka's BrokerReconfigurable sets, here the
// log cleaner's (LogCleaner.ReconfigurableConfigs) and the replication throttle rates. The topic
// defaults (log.retention.ms, ...) are dynamic too; they are defined with the topic keys
// (metadata/topic_config.h). These ConfigDefs are the keys' one definition: the broker's config
// table, its static file and AlterConfigs on a BROKER resource validate with them.

#include <string_view>
#include <vector>

#include "metadata/config_def.h"

namespace eddy::metadata {

const std::vector<ConfigDef>& dynamic_broker_only_config_defs();
const ConfigDef* find_dynamic_broker_only_config(std::string_view name);

}  // namespace eddy::metadata
