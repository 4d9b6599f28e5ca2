// Heartbeat (key 12): keeps a member's session alive and tells it when to rejoin.

#include "protocol/generated/heartbeat.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_heartbeat(HandlerRegistry& registry, const BrokerContext& context) {
  using protocol::HeartbeatRequest;
  using protocol::HeartbeatResponse;
  add_group_handler<HeartbeatRequest>(
      registry, context, protocol::ApiKey::kHeartbeat,
      top_level_coordinator_not_available<HeartbeatResponse>(),
      [](group::GroupCoordinator& coordinator, GroupCall<HeartbeatRequest>& call) {
        HeartbeatRequest& req = call.message;
        HeartbeatResponse resp;
        resp.error_code = protocol::to_int(coordinator.heartbeat(
            group::HeartbeatParams{std::move(req.group_id), req.generation_id,
                                   std::move(req.member_id), std::move(req.group_instance_id)}));
        call.reply(resp);
      });
}

}  // namespace eddy::broker
