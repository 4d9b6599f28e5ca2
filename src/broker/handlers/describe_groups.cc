// DescribeGroups (key 15): state, protocol and members of each group; an unknown group is
// reported as Dead, as Kafka does.

#include "protocol/generated/describe_groups.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_describe_groups(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(protocol::ApiKey::kDescribeGroups),
               [ctx](Request request, Responder responder) {
                 auto req = decode_request<protocol::DescribeGroupsRequest>(request);
                 if (!req) {
                   responder.respond(Response::close());
                   return;
                 }
                 int16_t version = request.api_version();
                 protocol::DescribeGroupsResponse resp;
                 group::GroupCoordinator* coordinator = group_coordinator(*ctx);
                 for (const std::string& id : req->groups) {
                   protocol::DescribeGroupsResponse::DescribedGroup dg;
                   dg.group_id = id;
                   if (coordinator == nullptr) {
                     dg.error_code = protocol::to_int(group::err::kCoordinatorNotAvailable);
                     resp.groups.push_back(std::move(dg));
                     continue;
                   }
                   group::DescribedGroup d = coordinator->describe_group(id);
                   dg.error_code = protocol::to_int(d.error_code);
                   dg.group_state = std::move(d.state);
                   dg.protocol_type = std::move(d.protocol_type);
                   dg.protocol_data = std::move(d.protocol);
                   for (group::DescribedMember& m : d.members) {
                     protocol::DescribeGroupsResponse::DescribedGroupMember dm;
                     dm.member_id = std::move(m.member_id);
                     dm.group_instance_id = std::move(m.group_instance_id);
                     dm.client_id = std::move(m.client_id);
                     dm.client_host = std::move(m.client_host);
                     dm.member_metadata = std::move(m.metadata);
                     dm.member_assignment = std::move(m.assignment);
                     dg.members.push_back(std::move(dm));
                   }
                   resp.groups.push_back(std::move(dg));
                 }
                 responder.respond(encode_response(resp, version));
               });
}

}  // namespace eddy::broker
