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
#include "broker/producer_id_manager.h"

namespace eddy::broker {

namespace {

using protocol::ErrorCode;
using protocol::InitProducerIdRequest;
using protocol::InitProducerIdResponse;

// The answer that needs no new id, or nullopt when the producer needs a fresh one.
std::optional<InitProducerIdResponse> answer_without_new_id(const InitProducerIdRequest& req) {
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
  return std::nullopt;
}

InitProducerIdResponse fresh_id(int64_t id) {
  InitProducerIdResponse resp;
  resp.producer_id = id;
  resp.producer_epoch = 0;
  return resp;
}

}  // namespace

// Fresh ids come from the block in hand (ProducerIdManager), on the network thread; when it is
// used up, the controller thread fetches the next block from the active controller first. When
// no block can be had (no controller, this broker not registered yet) the answer is
// COORDINATOR_NOT_AVAILABLE, which producers retry.
void register_init_producer_id(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(
      api_spec(protocol::ApiKey::kInitProducerId), [ctx](Request request, Responder responder) {
        auto req = decode_or_close<InitProducerIdRequest>(request, responder);
        if (!req) return;
        const int16_t version = request.api_version();
        if (auto resp = answer_without_new_id(*req)) {
          return responder.respond(encode_response(*resp, version));
        }
        if (auto id = ctx->producer_ids->try_next()) {
          return responder.respond(encode_response(fresh_id(*id), version));
        }
        run_on_controller(*ctx, request.frame.size(), std::move(responder),
                          [ctx, version](Responder& r) {
                            std::optional<int64_t> id;
                            if (ctx->producer_ids->refill()) id = ctx->producer_ids->try_next();
                            InitProducerIdResponse resp;
                            if (id) {
                              resp = fresh_id(*id);
                            } else {
                              resp.error_code = error_code(ErrorCode::kCoordinatorNotAvailable);
                              resp.producer_id = -1;
                              resp.producer_epoch = -1;
                            }
                            r.respond(encode_response(resp, version));
                          });
      });
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
