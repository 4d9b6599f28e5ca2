#include "broker/handlers/group_handlers.h"

#include "broker/group/group_service.h"

namespace eddy::broker {

void register_group_handlers(HandlerRegistry& registry, const BrokerContext& context) {
  register_offset_commit(registry, context);
  register_offset_fetch(registry, context);
  register_find_coordinator(registry, context);
  register_join_group(registry, context);
  register_heartbeat(registry, context);
  register_leave_group(registry, context);
  register_sync_group(registry, context);
  register_describe_groups(registry, context);
  register_list_groups(registry, context);
  register_delete_groups(registry, context);
  register_offset_delete(registry, context);
}

group::GroupCoordinator* group_coordinator(const BrokerContext& context) {
  return context.groups == nullptr ? nullptr : &context.groups->coordinator();
}

std::string group_client_host(const Request& request) {
  const std::string& peer = request.peer;
  size_t colon = peer.rfind(':');
  std::string host = colon == std::string::npos ? peer : peer.substr(0, colon);
  // An IPv6 peer comes as "[::1]:port".
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return "/" + host;
}

}  // namespace eddy::broker
