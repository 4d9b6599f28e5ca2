#pragma once
// IncrementalAlterConfigs of one resource, as eddyctl's commands send it (cluster config,
// partition reassign --throttle), with Kafka's resource types and operations.

#include <cstdint>
#include <string>
#include <vector>

#include "client/connection.h"
#include "common/status.h"
#include "protocol/generated/incremental_alter_configs.h"

namespace eddy::cli {

inline constexpr int8_t kTopicResource = 2;
inline constexpr int8_t kBrokerResource = 4;
inline constexpr int8_t kOpSet = 0;
inline constexpr int8_t kOpDelete = 1;

using ConfigChange = protocol::IncrementalAlterConfigsRequest::AlterableConfig;

// One IncrementalAlterConfigs of resource (`type`, `name`) over `conn`: the resource's outcome
// (a resource's changes apply all or nothing), its error naming `what`.
Status alter_resource_configs(client::Connection& conn, int8_t type, const std::string& name,
                              std::vector<ConfigChange> changes, bool validate_only,
                              const std::string& what);

}  // namespace eddy::cli
