// UnregisterBroker (key 64): an operator removes a broker's registration, as Kafka's
// `kafka-cluster unregister`. The broker leaves every ISR and leadership first
// (ClusterControl::unregister_broker); an unknown id is BROKER_ID_NOT_REGISTERED. A node that is
// not the active controller forwards it there. A broker that is still running registers again
// at its next heartbeat (answered BROKER_ID_NOT_REGISTERED), as a new, fenced registration.
#include "protocol/generated/unregister_broker.h"

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "controller/quorum_controller.h"

namespace eddy::broker {

void register_unregister_broker(HandlerRegistry& registry, const BrokerContext& context) {
  using protocol::UnregisterBrokerRequest;
  using protocol::UnregisterBrokerResponse;
  const BrokerContext* ctx = &context;
  add_controller_handler<UnregisterBrokerRequest>(
      registry, context, protocol::ApiKey::kUnregisterBroker,
      [ctx](const UnregisterBrokerRequest& req, int16_t version, Responder& responder) {
        metadata::ControllerResult r;
        if (ctx->quorum != nullptr) {
          r = ctx->quorum->unregister_broker(req.broker_id);
        } else {
          // A single node keeps no broker sessions.
          metadata::BrokerHeartbeatManager no_sessions(0);
          r = ctx->metadata->commit([&](const metadata::MetadataImage& image,
                                        metadata::pb::MetadataBatch* out) {
            return ctx->cluster_control->unregister_broker(image, no_sessions, req.broker_id, out);
          });
        }
        UnregisterBrokerResponse resp;
        resp.error_code = error_code(r.code);
        if (!r.ok()) resp.error_message = r.message;
        responder.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
