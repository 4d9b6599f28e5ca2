// Heartbeat (key 12): keeps a member's session alive and tells it when to rejoin.

#include "protocol/generated/heartbeat.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_heartbeat(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(protocol::ApiKey::kHeartbeat), [ctx](Request request, Responder responder) {
    auto req = decode_request<protocol::HeartbeatRequest>(request);
    if (!req) {
      responder.respond(Response::close());
      return;
    }
    protocol::HeartbeatResponse resp;
    group::GroupCoordinator* coordinator = group_coordinator(*ctx);
    group::ErrorCode e = coordinator == nullptr
                             ? group::err::kCoordinatorNotAvailable
                             : coordinator->heartbeat(group::HeartbeatParams{
                                   std::move(req->group_id), req->generation_id,
                                   std::move(req->member_id), std::move(req->group_instance_id)});
    resp.error_code = protocol::to_int(e);
    responder.respond(encode_response(resp, request.api_version()));
  });
}

}  // namespace eddy::broker
