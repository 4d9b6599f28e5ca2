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
  registry.add(api_spec(protocol::ApiKey::kAlterConfigs), [ctx](Request request,
                                                                Responder responder) {
    auto req = decode_request<protocol::AlterConfigsRequest>(request);
    if (!req) {
      responder.respond(Response::close());
      return;
    }
    int16_t version = request.api_version();
    run_on_controller(
        *ctx, std::move(responder), [ctx, req = std::move(*req), version](Responder& r) {
          std::map<std::pair<int8_t, std::string>, int> counts;
          for (const auto& res : req.resources) ++counts[{res.resource_type, res.resource_name}];
          protocol::AlterConfigsResponse resp;
          for (const auto& res : req.resources) {
            protocol::AlterConfigsResponse::AlterConfigsResourceResponse out;
            out.resource_type = res.resource_type;
            out.resource_name = res.resource_name;
            std::vector<metadata::ConfigChange> changes;
            bool null_value = false;
            for (const auto& c : res.configs) {
              if (!c.value) null_value = true;
              changes.push_back({c.name, metadata::ConfigChange::Op::kSet, c.value.value_or("")});
            }
            AlterOutcome o;
            if (counts[{res.resource_type, res.resource_name}] > 1) {
              o = {error_code(protocol::ErrorCode::kInvalidRequest),
                   "Duplicate resource in request"};
            } else if (null_value) {
              o = {error_code(protocol::ErrorCode::kInvalidRequest), "Null value not supported"};
            } else {
              o = alter_resource(*ctx, res.resource_type, res.resource_name, changes,
                                 /*replace_all=*/true, req.validate_only);
            }
            out.error_code = o.error_code;
            out.error_message = o.error_message;
            resp.responses.push_back(std::move(out));
          }
          r.respond(encode_response(resp, version));
        });
  });
}

}  // namespace eddy::broker
