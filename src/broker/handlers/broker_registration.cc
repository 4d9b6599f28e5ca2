// BrokerRegistration (key 62) and BrokerHeartbeat (key 63): KRaft's broker-to-controller APIs.
// Eddy's brokers send them to the active controller (clients never do); they run on the
// controller thread against the quorum controller's cluster decisions (docs/controller.md). A
// heartbeat is served only from a registered broker's principal (add_broker_to_controller_handler:
// a client cannot fence or shut down a broker); a node that is not the active controller answers
// NOT_CONTROLLER and the broker asks again where the metadata says the controller is. A
// registration comes from a broker not yet in the metadata, so anyone may send one, as anyone
// who reaches a Kafka controller listener may (docs/hostile-inputs.md). A single node has no
// quorum and answers NOT_CONTROLLER: its broker registers itself.
#include "protocol/generated/broker_registration.h"

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "controller/quorum_controller.h"
#include "protocol/generated/broker_heartbeat.h"

namespace eddy::broker {

void register_broker_registration(HandlerRegistry& registry, const BrokerContext& context) {
  using protocol::BrokerRegistrationRequest;
  using protocol::BrokerRegistrationResponse;
  const BrokerContext* ctx = &context;
  add_controller_handler<BrokerRegistrationRequest>(
      registry, context, protocol::ApiKey::kBrokerRegistration,
      [ctx](const BrokerRegistrationRequest& req, int16_t version, Responder& responder) {
        BrokerRegistrationResponse resp;
        if (ctx->quorum == nullptr) {
          resp.error_code = error_code(protocol::ErrorCode::kNotController);
          return responder.respond(encode_response(resp, version));
        }
        metadata::BrokerRegistrationRequest r;
        r.broker_id = req.broker_id;
        r.cluster_id = req.cluster_id;
        r.incarnation = req.incarnation_id;
        for (const auto& l : req.listeners) {
          r.endpoints.push_back({l.name, l.host, l.port, l.security_protocol});
        }
        r.rack = req.rack;
        metadata::BrokerRegistrationReply reply = ctx->quorum->register_broker(r);
        resp.error_code = error_code(reply.result.code);
        resp.broker_epoch = reply.result.ok() ? reply.broker_epoch : -1;
        responder.respond(encode_response(resp, version));
      });
}

void register_broker_heartbeat(HandlerRegistry& registry, const BrokerContext& context) {
  using protocol::BrokerHeartbeatRequest;
  using protocol::BrokerHeartbeatResponse;
  const BrokerContext* ctx = &context;
  add_broker_to_controller_handler<BrokerHeartbeatRequest, BrokerHeartbeatResponse>(
      registry, context, protocol::ApiKey::kBrokerHeartbeat,
      [ctx](const BrokerHeartbeatRequest& req, int16_t version, Responder& responder) {
        BrokerHeartbeatResponse resp;
        if (ctx->quorum == nullptr) {
          resp.error_code = error_code(protocol::ErrorCode::kNotController);
          return responder.respond(encode_response(resp, version));
        }
        metadata::BrokerHeartbeatRequest r;
        r.broker_id = req.broker_id;
        r.broker_epoch = req.broker_epoch;
        r.current_metadata_offset = req.current_metadata_offset;
        r.want_fence = req.want_fence;
        r.want_shut_down = req.want_shut_down;
        metadata::BrokerHeartbeatReply reply = ctx->quorum->heartbeat(r);
        resp.error_code = error_code(reply.result.code);
        resp.is_caught_up = reply.is_caught_up;
        resp.is_fenced = reply.is_fenced;
        resp.should_shut_down = reply.should_shut_down;
        responder.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
