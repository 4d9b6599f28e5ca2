// JoinGroup (key 11): a member joins or rejoins a classic group and waits until the rebalance
// completes; the answer comes from the coordinator, possibly much later, on another thread.

#include "protocol/generated/join_group.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::JoinGroupRequest;
using protocol::JoinGroupResponse;

JoinGroupResponse to_response(group::JoinGroupResult r, int16_t version) {
  JoinGroupResponse resp;
  resp.error_code = protocol::to_int(r.error_code);
  resp.generation_id = r.generation_id;
  resp.protocol_type = std::move(r.protocol_type);
  resp.protocol_name = std::move(r.protocol_name);
  // Before v7 the protocol name is not nullable.
  if (version < 7 && !resp.protocol_name) resp.protocol_name = "";
  resp.leader = std::move(r.leader);
  resp.skip_assignment = r.skip_assignment;
  resp.member_id = std::move(r.member_id);
  for (group::JoinGroupMember& m : r.members) {
    JoinGroupResponse::JoinGroupResponseMember rm;
    rm.member_id = std::move(m.member_id);
    rm.group_instance_id = std::move(m.group_instance_id);
    rm.metadata = std::move(m.metadata);
    resp.members.push_back(std::move(rm));
  }
  return resp;
}

}  // namespace

void register_join_group(HandlerRegistry& registry, const BrokerContext& context) {
  add_group_handler<JoinGroupRequest>(
      registry, context, protocol::ApiKey::kJoinGroup,
      [](const JoinGroupRequest& req, int16_t version) {
        group::JoinGroupResult r;
        r.error_code = group::err::kCoordinatorNotAvailable;
        r.member_id = req.member_id;
        return to_response(std::move(r), version);
      },
      [](group::GroupCoordinator& coordinator, GroupCall<JoinGroupRequest>& call) {
        JoinGroupRequest& req = call.message;
        int16_t version = call.version;
        group::JoinGroupParams p;
        p.group_id = std::move(req.group_id);
        p.session_timeout_ms = req.session_timeout_ms;
        // v0 has no rebalance timeout: Kafka uses the session timeout.
        p.rebalance_timeout_ms = version >= 1 ? req.rebalance_timeout_ms : req.session_timeout_ms;
        p.member_id = std::move(req.member_id);
        p.group_instance_id = std::move(req.group_instance_id);
        p.protocol_type = std::move(req.protocol_type);
        for (auto& proto : req.protocols) {
          p.protocols.push_back(
              group::JoinProtocol{std::move(proto.name), std::move(proto.metadata)});
        }
        p.client_id = call.request->header.client_id.value_or("");
        p.client_host = group_client_host(*call.request);
        p.require_known_member_id = version >= 4;
        p.supports_skip_assignment = version >= 9;
        p.reason = req.reason.value_or("");  // v8+ (KIP-800)
        coordinator.join_group(std::move(p),
                               [reply = call.reply, version](group::JoinGroupResult r) {
                                 reply(to_response(std::move(r), version));
                               });
      });
}

}  // namespace eddy::broker
