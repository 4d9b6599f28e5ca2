// FindCoordinator (key 10): which broker coordinates a group: the leader of the group's
// __consumer_offsets partition. v4+ asks for several keys at once.
//
// Transactions do not exist yet. A transaction key is answered
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED with a message saying so: it is the one answer every
// client treats as fatal at once (librdkafka retries any other error, INVALID_REQUEST and
// UNSUPPORTED_VERSION included, until init_transactions() times out), so an application fails
// fast with the reason instead of hanging (docs/compatibility.md).

#include "protocol/generated/find_coordinator.h"

#include <vector>

#include "broker/group/group_service.h"
#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::ErrorCode;
using protocol::FindCoordinatorRequest;
using protocol::FindCoordinatorResponse;

constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

FindCoordinatorResponse::Coordinator find(const BrokerContext& ctx, const std::string& key,
                                          int8_t key_type) {
  FindCoordinatorResponse::Coordinator c;
  c.key = key;
  c.node_id = -1;
  c.error_message = std::nullopt;
  auto fail = [&c](ErrorCode e, const char* message) {
    c.error_code = error_code(e);
    c.error_message = message;
    return c;
  };
  if (key_type == kTransactionKey) {
    return fail(ErrorCode::kTransactionalIdAuthorizationFailed,
                "Eddy has no transaction coordinator: transactions are not supported yet");
  }
  if (key_type != kGroupKey) return fail(ErrorCode::kInvalidRequest, "unknown coordinator type");
  if (ctx.groups == nullptr) {
    return fail(ErrorCode::kCoordinatorNotAvailable, "the group coordinator is not running");
  }
  group::GroupService::Coordinator found = ctx.groups->find_coordinator(key);
  if (found.error != ErrorCode::kNone) {
    return fail(found.error, "the group coordinator is not available yet");
  }
  auto image = ctx.metadata->image();
  const auto& brokers = image->brokers();
  auto b = brokers.find(found.node_id);
  if (b != brokers.end() && !b->second.endpoints.empty()) {
    c.host = b->second.endpoints.front().host;
    c.port = b->second.endpoints.front().port;
  } else if (found.node_id == ctx.node_id && !ctx.config->advertised_listeners().empty()) {
    // advertised_listeners() returns a copy: keep the element, not a reference into it.
    const ListenerSpec l = ctx.config->advertised_listeners().front();
    c.host = l.host;
    c.port = l.port;
  } else {
    return fail(ErrorCode::kCoordinatorNotAvailable, "the coordinator's address is unknown");
  }
  c.node_id = found.node_id;
  c.error_code = 0;
  return c;
}

FindCoordinatorResponse answer(const BrokerContext& ctx, const FindCoordinatorRequest& req,
                               int16_t version) {
  FindCoordinatorResponse resp;
  if (version >= 4) {
    // Bounded by the request's size: every key took at least two bytes of it.
    for (const std::string& key : req.coordinator_keys) {
      resp.coordinators.push_back(find(ctx, key, req.key_type));
    }
    return resp;
  }
  FindCoordinatorResponse::Coordinator c = find(ctx, req.key, req.key_type);
  resp.error_code = c.error_code;
  resp.error_message = c.error_message;
  resp.node_id = c.node_id;
  resp.host = c.host;
  resp.port = c.port;
  return resp;
}

}  // namespace

void register_find_coordinator(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  // find() itself tells a missing coordinator apart from a transaction or unknown key type.
  add_group_handler<FindCoordinatorRequest>(
      registry, context, protocol::ApiKey::kFindCoordinator,
      [ctx](const FindCoordinatorRequest& req, int16_t version) {
        return answer(*ctx, req, version);
      },
      [ctx](group::GroupCoordinator&, GroupCall<FindCoordinatorRequest>& call) {
        call.reply(answer(*ctx, call.message, call.version));
      });
}

}  // namespace eddy::broker
