// SyncGroup (key 14): the leader hands in the assignment; every member waits for its share.

#include "protocol/generated/sync_group.h"

#include <memory>

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
  const BrokerContext* ctx = &context;
  registry.add(api_spec(protocol::ApiKey::kSyncGroup), [ctx](Request request, Responder responder) {
    auto req = decode_request<SyncGroupRequest>(request);
    if (!req) {
      responder.respond(Response::close());
      return;
    }
    int16_t version = request.api_version();
    group::GroupCoordinator* coordinator = group_coordinator(*ctx);
    if (coordinator == nullptr) {
      group::SyncGroupResult r;
      r.error_code = group::err::kCoordinatorNotAvailable;
      responder.respond(encode_response(to_response(std::move(r)), version));
      return;
    }
    group::SyncGroupParams p;
    p.group_id = std::move(req->group_id);
    p.generation_id = req->generation_id;
    p.member_id = std::move(req->member_id);
    p.group_instance_id = std::move(req->group_instance_id);
    p.protocol_type = std::move(req->protocol_type);
    p.protocol_name = std::move(req->protocol_name);
    for (auto& a : req->assignments) {
      p.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
    }
    auto shared = std::make_shared<Responder>(std::move(responder));
    coordinator->sync_group(std::move(p), [shared, version](group::SyncGroupResult r) {
      shared->respond(encode_response(to_response(std::move(r)), version));
    });
  });
}

}  // namespace eddy::broker
