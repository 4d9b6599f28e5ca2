// DeleteGroups (key 42): removes empty groups and their committed offsets (tombstones in
// __consumer_offsets), answered once the tombstones are durable.

#include "protocol/generated/delete_groups.h"

#include <memory>

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_delete_groups(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(protocol::ApiKey::kDeleteGroups),
               [ctx](Request request, Responder responder) {
                 auto req = decode_request<protocol::DeleteGroupsRequest>(request);
                 if (!req) {
                   responder.respond(Response::close());
                   return;
                 }
                 int16_t version = request.api_version();
                 auto shared = std::make_shared<Responder>(std::move(responder));
                 auto respond = [shared, version](std::vector<group::DeleteGroupResult> results) {
                   protocol::DeleteGroupsResponse resp;
                   for (group::DeleteGroupResult& r : results) {
                     protocol::DeleteGroupsResponse::DeletableGroupResult dr;
                     dr.group_id = std::move(r.group_id);
                     dr.error_code = protocol::to_int(r.error_code);
                     resp.results.push_back(std::move(dr));
                   }
                   shared->respond(encode_response(resp, version));
                 };
                 group::GroupCoordinator* coordinator = group_coordinator(*ctx);
                 if (coordinator == nullptr) {
                   std::vector<group::DeleteGroupResult> results;
                   for (std::string& id : req->groups_names) {
                     results.push_back({std::move(id), group::err::kCoordinatorNotAvailable});
                   }
                   respond(std::move(results));
                   return;
                 }
                 coordinator->delete_groups(req->groups_names, respond);
               });
}

}  // namespace eddy::broker
