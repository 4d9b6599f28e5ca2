// AlterConfigs (key 33): replaces a resource's whole set of overrides (keys not named go back
// to their defaults). A resource named twice is INVALID_REQUEST.
#include "protocol/generated/alter_configs.h"

#include <map>
#include <utility>

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
        std::map<std::pair<int8_t, std::string>, int> counts;
        for (const auto& res : req.resources) ++counts[{res.resource_type, res.resource_name}];
        protocol::AlterConfigsResponse resp;
        for (const auto& res : req.resources) {
          std::vector<metadata::ConfigChange> changes;
          bool null_value = false;
          for (const auto& c : res.configs) {
            null_value = null_value || !c.value;
            changes.push_back({c.name, metadata::ConfigChange::Op::kSet, c.value.value_or("")});
          }
          AlterOutcome o;
          if (counts[{res.resource_type, res.resource_name}] > 1) {
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
