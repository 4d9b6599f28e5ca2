// DescribeGroups (key 15): state, protocol and members of each group; an unknown group is
// reported as Dead, as Kafka does.

#include "protocol/generated/describe_groups.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"
#include "protocol/acl.h"

namespace eddy::broker {

namespace {

using protocol::DescribeGroupsRequest;
using protocol::DescribeGroupsResponse;

DescribeGroupsResponse::DescribedGroup to_wire(const std::string& id, group::DescribedGroup d) {
  DescribeGroupsResponse::DescribedGroup dg;
  dg.group_id = id;
  dg.error_code = protocol::to_int(d.error_code);
  dg.group_state = std::move(d.state);
  dg.protocol_type = std::move(d.protocol_type);
  dg.protocol_data = std::move(d.protocol);
  for (group::DescribedMember& m : d.members) {
    DescribeGroupsResponse::DescribedGroupMember dm;
    dm.member_id = std::move(m.member_id);
    dm.group_instance_id = std::move(m.group_instance_id);
    dm.client_id = std::move(m.client_id);
    dm.client_host = std::move(m.client_host);
    dm.member_metadata = std::move(m.metadata);
    dm.member_assignment = std::move(m.assignment);
    dg.members.push_back(std::move(dm));
  }
  return dg;
}

}  // namespace

void register_describe_groups(HandlerRegistry& registry, const BrokerContext& context) {
  add_group_handler<DescribeGroupsRequest>(
      registry, context, protocol::ApiKey::kDescribeGroups,
      [](const DescribeGroupsRequest& req, int16_t) {
        DescribeGroupsResponse resp;
        for (const std::string& id : req.groups) {
          DescribeGroupsResponse::DescribedGroup dg;
          dg.group_id = id;
          dg.error_code = protocol::to_int(group::err::kCoordinatorNotAvailable);
          resp.groups.push_back(std::move(dg));
        }
        return resp;
      },
      [](group::GroupCoordinator& coordinator, GroupCall<DescribeGroupsRequest>& call) {
        DescribeGroupsResponse resp;
        for (const std::string& id : call.message.groups) {
          resp.groups.push_back(to_wire(id, coordinator.describe_group(id)));
          // Kafka lists them for each group described without error (protocol/acl.h).
          if (resp.groups.back().error_code == 0) {
            resp.groups.back().authorized_operations = protocol::authorized_operations(
                call.message.include_authorized_operations, protocol::AclResourceType::kGroup);
          }
        }
        call.reply(resp);
      });
}

}  // namespace eddy::broker
