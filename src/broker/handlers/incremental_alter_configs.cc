// IncrementalAlterConfigs (key 44): SET (0), DELETE (1), APPEND (2) and SUBTRACT (3) per key;
// keys not named keep their overrides. An unknown operation is INVALID_REQUEST; a resource named
// twice is INVALID_REQUEST.
#include "protocol/generated/incremental_alter_configs.h"

#include <utility>
#include <vector>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/alter_configs_common.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_incremental_alter_configs(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  using protocol::IncrementalAlterConfigsRequest;
  add_controller_handler<IncrementalAlterConfigsRequest>(
      registry, context, protocol::ApiKey::kIncrementalAlterConfigs,
      [ctx](const IncrementalAlterConfigsRequest& req, int16_t version, Responder& r) {
        std::vector<bool> repeated = repeated_entries(req.resources, [](const auto& res) {
          return std::pair(res.resource_type, res.resource_name);
        });
        protocol::IncrementalAlterConfigsResponse resp;
        for (size_t i = 0; i < req.resources.size(); ++i) {
          const auto& res = req.resources[i];
          std::vector<metadata::ConfigChange> changes;
          AlterOutcome o;
          for (const auto& c : res.configs) {
            if (c.config_operation < 0 || c.config_operation > 3) {
              o = {error_code(protocol::ErrorCode::kInvalidRequest),
                   "unknown config operation " + std::to_string(c.config_operation)};
              break;
            }
            if (c.config_operation != 1 && !c.value) {
              o = {error_code(protocol::ErrorCode::kInvalidRequest),
                   "null value for config '" + c.name + "'"};
              break;
            }
            changes.push_back({c.name, static_cast<metadata::ConfigChange::Op>(c.config_operation),
                               c.value.value_or("")});
          }
          if (o.error_code == 0 && repeated[i]) {
            o = {error_code(protocol::ErrorCode::kInvalidRequest), "Duplicate resource in request"};
          }
          if (o.error_code == 0) {
            o = alter_resource(*ctx, res.resource_type, res.resource_name, changes,
                               /*replace_all=*/false, req.validate_only);
          }
          resp.responses.push_back(
              {o.error_code, o.error_message, res.resource_type, res.resource_name, {}});
        }
        r.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
