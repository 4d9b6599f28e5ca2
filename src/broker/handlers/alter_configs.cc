// AlterConfigs (key 33): replaces a resource's whole set of overrides (keys not named go back
// to their defaults). A resource named twice is INVALID_REQUEST.
#include "protocol/generated/alter_configs.h"

#include <utility>
#include <vector>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/alter_configs_common.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_alter_configs(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  using protocol::AlterConfigsRequest;
  add_controller_handler<AlterConfigsRequest>(
      registry, context, protocol::ApiKey::kAlterConfigs,
      [ctx](const AlterConfigsRequest& req, int16_t version, Responder& r) {
        std::vector<bool> repeated = repeated_entries(req.resources, [](const auto& res) {
          return std::pair(res.resource_type, res.resource_name);
        });
        protocol::AlterConfigsResponse resp;
        for (size_t i = 0; i < req.resources.size(); ++i) {
          const auto& res = req.resources[i];
          std::vector<metadata::ConfigChange> changes;
          bool null_value = false;
          for (const auto& c : res.configs) {
            null_value = null_value || !c.value;
            changes.push_back({c.name, metadata::ConfigChange::Op::kSet, c.value.value_or("")});
          }
          AlterOutcome o;
          if (repeated[i]) {
            o = {error_code(protocol::ErrorCode::kInvalidRequest), "Duplicate resource in request"};
          } else if (null_value) {
            o = {error_code(protocol::ErrorCode::kInvalidRequest), "Null value not supported"};
          } else {
            o = alter_resource(*ctx, res.resource_type, res.resource_name, changes,
                               /*replace_all=*/true, req.validate_only);
          }
          resp.responses.push_back(
              {o.error_code, o.error_message, res.resource_type, res.resource_name, {}});
        }
        r.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
