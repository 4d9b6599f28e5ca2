// InitProducerId (key 22): hands out producer ids for idempotent producers.
//
// Without a transactional id a producer gets a fresh id at epoch 0. KIP-360 (v3+): a producer
// that sends its current id and epoch gets the same id at the next epoch, so it can reset its
// sequences without losing its identity; at the last epoch it gets a fresh id. Eddy has no
// transaction coordinator, so a transactional id is refused with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, a fatal error that tells the application transactions
// are not available here instead of a retriable one that would retry forever.
#include "protocol/generated/init_producer_id.h"

#include <limits>

#include "broker/handlers/data_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/replica/replica_manager.h"

namespace eddy::broker {

namespace {

using protocol::ErrorCode;
using protocol::InitProducerIdRequest;
using protocol::InitProducerIdResponse;

InitProducerIdResponse answer(const BrokerContext& ctx, const InitProducerIdRequest& req) {
  InitProducerIdResponse resp;
  if (req.transactional_id && !req.transactional_id->empty()) {
    resp.error_code = error_code(ErrorCode::kTransactionalIdAuthorizationFailed);
    resp.producer_id = -1;
    resp.producer_epoch = -1;
    return resp;
  }
  if (req.producer_id >= 0 && req.producer_epoch >= 0 &&
      req.producer_epoch < std::numeric_limits<int16_t>::max() - 1) {
    resp.producer_id = req.producer_id;
    resp.producer_epoch = static_cast<int16_t>(req.producer_epoch + 1);
    return resp;
  }
  resp.producer_id = ctx.replicas->allocate_producer_id();
  resp.producer_epoch = 0;
  return resp;
}

}  // namespace

void register_init_producer_id(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_immediate_handler<InitProducerIdRequest>(
      registry, api_spec(protocol::ApiKey::kInitProducerId),
      [ctx](const InitProducerIdRequest& req, int16_t) { return answer(*ctx, req); });
}

void register_data_handlers(HandlerRegistry& registry, const BrokerContext& context) {
  register_produce(registry, context);
  register_fetch(registry, context);
  register_list_offsets(registry, context);
  register_delete_records(registry, context);
  register_init_producer_id(registry, context);
  register_offset_for_leader_epoch(registry, context);
}

}  // namespace eddy::broker
