// AllocateProducerIds (key 67): a broker of the cluster asks the active controller for the next
// block of producer ids (ClusterControl::allocate_producer_ids: kProducerIdBlockSize ids from the
// image's next producer id, which a ProducerIdsRecord moves forward), so that no two brokers ever
// hand out the same id. The broker epoch must be the registered one (STALE_BROKER_EPOCH). A node
// that is not the active controller forwards it there.
#include "protocol/generated/allocate_producer_ids.h"

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_allocate_producer_ids(HandlerRegistry& registry, const BrokerContext& context) {
  using protocol::AllocateProducerIdsRequest;
  using protocol::AllocateProducerIdsResponse;
  const BrokerContext* ctx = &context;
  add_broker_to_controller_handler<AllocateProducerIdsRequest, AllocateProducerIdsResponse>(
      registry, context, protocol::ApiKey::kAllocateProducerIds,
      [ctx](const AllocateProducerIdsRequest& req, int16_t version, Responder& responder) {
        int64_t first = -1;
        metadata::ControllerResult r = ctx->metadata->commit(
            [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
              return ctx->cluster_control->allocate_producer_ids(image, req.broker_id,
                                                                 req.broker_epoch, &first, out);
            });
        AllocateProducerIdsResponse resp;
        resp.error_code = error_code(r.code);
        if (r.ok()) {
          resp.producer_id_start = first;
          resp.producer_id_len = static_cast<int32_t>(metadata::kProducerIdBlockSize);
        }
        responder.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
