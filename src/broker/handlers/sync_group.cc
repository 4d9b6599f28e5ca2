// SyncGroup (key 14): the leader hands in the assignment; every member waits for its share.

#include "protocol/generated/sync_group.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::SyncGroupRequest;
using protocol::SyncGroupResponse;

SyncGroupResponse to_response(group::SyncGroupResult r) {
  SyncGroupResponse resp;
  resp.error_code = protocol::to_int(r.error_code);
  resp.protocol_type = std::move(r.protocol_type);
  resp.protocol_name = std::move(r.protocol_name);
  resp.assignment = std::move(r.assignment);
  return resp;
}

}  // namespace

void register_sync_group(HandlerRegistry& registry, const BrokerContext& context) {
  add_group_handler<SyncGroupRequest>(
      registry, context, protocol::ApiKey::kSyncGroup,
      [](const SyncGroupRequest&, int16_t) {
        group::SyncGroupResult r;
        r.error_code = group::err::kCoordinatorNotAvailable;
        return to_response(std::move(r));
      },
      [](group::GroupCoordinator& coordinator, GroupCall<SyncGroupRequest>& call) {
        SyncGroupRequest& req = call.message;
        group::SyncGroupParams p;
        p.group_id = std::move(req.group_id);
        p.generation_id = req.generation_id;
        p.member_id = std::move(req.member_id);
        p.group_instance_id = std::move(req.group_instance_id);
        p.protocol_type = std::move(req.protocol_type);
        p.protocol_name = std::move(req.protocol_name);
        for (auto& a : req.assignments) {
          p.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
        }
        coordinator.sync_group(std::move(p), [reply = call.reply](group::SyncGroupResult r) {
          reply(to_response(std::move(r)));
        });
      });
}

}  // namespace eddy::broker
