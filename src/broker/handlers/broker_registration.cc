// BrokerRegistration (key 62): a broker of the cluster registers with the active controller
// (KRaft's broker-to-controller API; Eddy's brokers send it, clients never do). A node that is
// not the active controller answers NOT_CONTROLLER and the broker asks again where the metadata
// says the controller is. The broker epoch is the metadata offset of the registration.
#include "protocol/generated/broker_registration.h"

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_broker_registration(HandlerRegistry& registry, const BrokerContext& context) {
  using protocol::BrokerRegistrationRequest;
  using protocol::BrokerRegistrationResponse;
  const BrokerContext* ctx = &context;
  add_controller_handler<BrokerRegistrationRequest>(
      registry, context, protocol::ApiKey::kBrokerRegistration,
      [ctx](const BrokerRegistrationRequest& req, int16_t version, Responder& responder) {
        BrokerRegistrationResponse resp;
        if (req.cluster_id != ctx->cluster_id) {
          resp.error_code = error_code(protocol::ErrorCode::kInconsistentClusterId);
          return responder.respond(encode_response(resp, version));
        }
        metadata::BrokerRegistration reg;
        reg.id = req.broker_id;
        reg.incarnation.bytes = req.incarnation_id.bytes;
        for (const auto& l : req.listeners) {
          reg.endpoints.push_back({l.name, l.host, l.port, l.security_protocol});
        }
        reg.rack = req.rack;
        metadata::ControllerResult r = ctx->metadata->commit(
            [&](const metadata::MetadataImage&, metadata::pb::MetadataBatch* out) {
              return ctx->controller->register_broker(reg, out);
            });
        resp.error_code = error_code(r.code);
        if (r.ok()) resp.broker_epoch = ctx->metadata->image()->last_offset();
        responder.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
