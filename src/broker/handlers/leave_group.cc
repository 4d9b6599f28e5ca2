// LeaveGroup (key 13): members leave at once instead of waiting out their session. v3+ names
// several members (static ones by group.instance.id) and answers each.

#include "protocol/generated/leave_group.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_leave_group(HandlerRegistry& registry, const BrokerContext& context) {
  using protocol::LeaveGroupRequest;
  using protocol::LeaveGroupResponse;
  add_group_handler<LeaveGroupRequest>(
      registry, context, protocol::ApiKey::kLeaveGroup,
      top_level_coordinator_not_available<LeaveGroupResponse>(),
      [](group::GroupCoordinator& coordinator, GroupCall<LeaveGroupRequest>& call) {
        LeaveGroupRequest& req = call.message;
        int16_t version = call.version;
        std::vector<group::LeaveMember> members;
        if (version < 3) {
          members.push_back(group::LeaveMember{std::move(req.member_id), std::nullopt});
        } else {
          for (auto& m : req.members) {
            members.push_back(group::LeaveMember{std::move(m.member_id),
                                                 std::move(m.group_instance_id),
                                                 m.reason.value_or("")});  // v5+ (KIP-800)
          }
        }
        group::LeaveGroupResult r = coordinator.leave_group(req.group_id, members);
        LeaveGroupResponse resp;
        resp.error_code = protocol::to_int(r.error_code);
        if (version < 3) {
          // One member: its own error is the answer.
          if (r.error_code == group::err::kNone && !r.members.empty()) {
            resp.error_code = protocol::to_int(r.members.front().error_code);
          }
        } else {
          for (group::LeaveMemberResult& m : r.members) {
            LeaveGroupResponse::MemberResponse mr;
            mr.member_id = std::move(m.member_id);
            mr.group_instance_id = std::move(m.group_instance_id);
            mr.error_code = protocol::to_int(m.error_code);
            resp.members.push_back(std::move(mr));
          }
        }
        call.reply(resp);
      });
}

}  // namespace eddy::broker
