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
  using protocol::ListGroupsRequest;
  using protocol::ListGroupsResponse;
  add_group_handler<ListGroupsRequest>(
      registry, context, protocol::ApiKey::kListGroups,
      top_level_coordinator_not_available<ListGroupsResponse>(),
      [](group::GroupCoordinator& coordinator, GroupCall<ListGroupsRequest>& call) {
        const ListGroupsRequest& req = call.message;
        bool classic_wanted =
            req.types_filter.empty() ||
            std::any_of(req.types_filter.begin(), req.types_filter.end(),
                        [](const std::string& t) { return iequals(t, "classic"); });
        auto [error, groups] = coordinator.list_groups(req.states_filter);
        ListGroupsResponse resp;
        resp.error_code = protocol::to_int(error);
        if (classic_wanted) {
          for (group::ListedGroup& g : groups) {
            ListGroupsResponse::ListedGroup lg;
            lg.group_id = std::move(g.group_id);
            lg.protocol_type = std::move(g.protocol_type);
            lg.group_state = std::move(g.state);
            lg.group_type = "classic";
            resp.groups.push_back(std::move(lg));
          }
        }
        call.reply(resp);
      });
}

}  // namespace eddy::broker
