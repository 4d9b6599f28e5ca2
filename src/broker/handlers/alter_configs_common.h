#pragma once
// The part AlterConfigs and IncrementalAlterConfigs share: apply one resource's changes through
// the controller (TOPIC resources, this broker's dynamic log.* defaults and GROUP resources), with
// the error code and message a client sees.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker_context.h"
#include "metadata/controller.h"

namespace eddy::broker {

struct AlterOutcome {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
};

// replace_all: AlterConfigs semantics (overrides not named are removed).
AlterOutcome alter_resource(const BrokerContext& ctx, int8_t resource_type,
                            const std::string& resource_name,
                            const std::vector<metadata::ConfigChange>& changes, bool replace_all,
                            bool validate_only);

}  // namespace eddy::broker
