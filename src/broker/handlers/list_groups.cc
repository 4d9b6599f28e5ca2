// ListGroups (key 16): the groups this broker coordinates, optionally filtered by state (v4+)
// and type (v5+; every group here is a "classic" one).

#include "protocol/generated/list_groups.h"

#include <algorithm>
#include <cctype>

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

void register_list_groups(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(protocol::ApiKey::kListGroups), [ctx](Request request,
                                                              Responder responder) {
    auto req = decode_request<protocol::ListGroupsRequest>(request);
    if (!req) {
      responder.respond(Response::close());
      return;
    }
    int16_t version = request.api_version();
    protocol::ListGroupsResponse resp;
    group::GroupCoordinator* coordinator = group_coordinator(*ctx);
    if (coordinator == nullptr) {
      resp.error_code = protocol::to_int(group::err::kCoordinatorNotAvailable);
      responder.respond(encode_response(resp, version));
      return;
    }
    bool classic_wanted = req->types_filter.empty() ||
                          std::any_of(req->types_filter.begin(), req->types_filter.end(),
                                      [](const std::string& t) { return iequals(t, "classic"); });
    auto [error, groups] = coordinator->list_groups(req->states_filter);
    resp.error_code = protocol::to_int(error);
    if (classic_wanted) {
      for (group::ListedGroup& g : groups) {
        protocol::ListGroupsResponse::ListedGroup lg;
        lg.group_id = std::move(g.group_id);
        lg.protocol_type = std::move(g.protocol_type);
        lg.group_state = std::move(g.state);
        lg.group_type = "classic";
        resp.groups.push_back(std::move(lg));
      }
    }
    responder.respond(encode_response(resp, version));
  });
}

}  // namespace eddy::broker
