#pragma once
// The group coordinator's Kafka APIs: FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit, OffsetFetch, OffsetDelete, ListGroups, DescribeGroups, DeleteGroups.
// Each file translates between the generated messages and group::GroupCoordinator's own types;
// the coordinator (src/broker/group) holds every rule.

#include <string>

#include "broker/broker_context.h"
#include "broker/group/group_coordinator.h"
#include "broker/net/handler_registry.h"
#include "broker/net/request.h"

namespace eddy::broker {

void register_find_coordinator(HandlerRegistry& registry, const BrokerContext& context);
void register_join_group(HandlerRegistry& registry, const BrokerContext& context);
void register_sync_group(HandlerRegistry& registry, const BrokerContext& context);
void register_heartbeat(HandlerRegistry& registry, const BrokerContext& context);
void register_leave_group(HandlerRegistry& registry, const BrokerContext& context);
void register_offset_commit(HandlerRegistry& registry, const BrokerContext& context);
void register_offset_fetch(HandlerRegistry& registry, const BrokerContext& context);
void register_offset_delete(HandlerRegistry& registry, const BrokerContext& context);
void register_list_groups(HandlerRegistry& registry, const BrokerContext& context);
void register_describe_groups(HandlerRegistry& registry, const BrokerContext& context);
void register_delete_groups(HandlerRegistry& registry, const BrokerContext& context);
// All eleven.
void register_group_handlers(HandlerRegistry& registry, const BrokerContext& context);

// The coordinator, or null when the broker runs without one (answer COORDINATOR_NOT_AVAILABLE).
group::GroupCoordinator* group_coordinator(const BrokerContext& context);

// Kafka's client host for DescribeGroups: "/" and the peer's address without the port.
std::string group_client_host(const Request& request);

}  // namespace eddy::broker
