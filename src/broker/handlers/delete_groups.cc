// DeleteGroups (key 42): removes empty groups and their committed offsets (tombstones in
// __consumer_offsets), answered once the tombstones are durable.

#include "protocol/generated/delete_groups.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::DeleteGroupsRequest;
using protocol::DeleteGroupsResponse;

DeleteGroupsResponse to_wire(std::vector<group::DeleteGroupResult> results) {
  DeleteGroupsResponse resp;
  for (group::DeleteGroupResult& r : results) {
    DeleteGroupsResponse::DeletableGroupResult dr;
    dr.group_id = std::move(r.group_id);
    dr.error_code = protocol::to_int(r.error_code);
    resp.results.push_back(std::move(dr));
  }
  return resp;
}

}  // namespace

void register_delete_groups(HandlerRegistry& registry, const BrokerContext& context) {
  add_group_handler<DeleteGroupsRequest>(
      registry, context, protocol::ApiKey::kDeleteGroups,
      [](const DeleteGroupsRequest& req, int16_t) {
        std::vector<group::DeleteGroupResult> results;
        for (const std::string& id : req.groups_names) {
          results.push_back({id, group::err::kCoordinatorNotAvailable});
        }
        return to_wire(std::move(results));
      },
      [](group::GroupCoordinator& coordinator, GroupCall<DeleteGroupsRequest>& call) {
        coordinator.delete_groups(call.message.groups_names,
                                  [reply = call.reply](std::vector<group::DeleteGroupResult> r) {
                                    reply(to_wire(std::move(r)));
                                  });
      });
}

}  // namespace eddy::broker
