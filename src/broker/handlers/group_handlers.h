#pragma once
// The group coordinator's Kafka APIs: FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit, OffsetFetch, OffsetDelete, ListGroups, DescribeGroups, DeleteGroups.
// Each file translates between the generated messages and group::GroupCoordinator's own types;
// the coordinator (src/broker/group) holds every rule.

#include <memory>
#include <string>

#include "broker/broker_context.h"
#include "broker/group/group_coordinator.h"
#include "broker/handlers/handler_util.h"
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

// Answers one group request, encoded at the request's version. Copyable, because the
// coordinator's completion callbacks are; the copies share one Responder, so only the first call
// answers, and dropping the last copy unanswered closes the connection (as any Responder does).
class GroupReply {
 public:
  GroupReply(int16_t version, Responder responder)
      : version_(version), responder_(std::make_shared<Responder>(std::move(responder))) {}

  template <typename Message>
  void operator()(const Message& response) const {
    responder_->respond(encode_response(response, version_));
  }

 private:
  int16_t version_;
  std::shared_ptr<Responder> responder_;
};

// One decoded group request as its handler sees it.
template <typename Message>
struct GroupCall {
  Message message;
  int16_t version = 0;
  const Request* request = nullptr;  // header and peer; valid only while `serve` runs
  GroupReply reply;
};

// `unavailable` for an API whose response carries one top-level error code.
template <typename Response>
auto top_level_coordinator_not_available() {
  return [](const auto& /*request*/, int16_t /*version*/) {
    Response resp;
    resp.error_code = protocol::to_int(group::err::kCoordinatorNotAvailable);
    return resp;
  };
}

// Registers the handler of a group API. The body is decoded into Message (a malformed body closes
// the connection, as Kafka does). With no coordinator running, the answer is
// unavailable(message, version): the API's response with COORDINATOR_NOT_AVAILABLE wherever that
// API reports errors. Otherwise serve(coordinator, call) runs on the network thread and answers
// through call.reply, at once or from the coordinator's callback. A coordinator still loading its
// __consumer_offsets partition answers COORDINATOR_LOAD_IN_PROGRESS itself.
template <typename Message, typename Unavailable, typename Serve>
void add_group_handler(HandlerRegistry& registry, const BrokerContext& context,
                       protocol::ApiKey key, Unavailable unavailable, Serve serve) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(key), [ctx, unavailable, serve](Request request, Responder responder) {
    auto message = decode_or_close<Message>(request, responder);
    if (!message) return;
    int16_t version = request.api_version();
    GroupCall<Message> call{std::move(*message), version, &request,
                            GroupReply(version, std::move(responder))};
    group::GroupCoordinator* coordinator = group_coordinator(*ctx);
    if (coordinator == nullptr) {
      call.reply(unavailable(call.message, version));
      return;
    }
    serve(*coordinator, call);
  });
}

}  // namespace eddy::broker
