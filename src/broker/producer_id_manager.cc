#include "broker/producer_id_manager.h"

#include "broker/broker_context.h"
#include "broker/controller_channel.h"
#include "client/kafka_error.h"
#include "metadata/cluster_control.h"
#include "protocol/generated/allocate_producer_ids.h"

namespace eddy::broker {

std::optional<int64_t> ProducerIdManager::try_next() {
  std::lock_guard lock(mu_);
  if (next_ >= end_) return std::nullopt;
  return next_++;
}

Status ProducerIdManager::refill() {
  {
    std::lock_guard lock(mu_);
    if (next_ < end_) return Status::ok();
  }
  // Only the controller thread refills, so no two fetches overlap; the lock is not held across
  // the fetch, so try_next() on the network threads never waits for the controller.
  EDDY_ASSIGN_OR_RETURN(int64_t first, fetch_());
  std::lock_guard lock(mu_);
  next_ = first;
  end_ = first + metadata::kProducerIdBlockSize;
  return Status::ok();
}

ProducerIdManager::FetchBlock fetch_from_controller(const BrokerContext* ctx,
                                                    std::function<int64_t()> broker_epoch) {
  return [ctx, broker_epoch = std::move(broker_epoch)]() -> Result<int64_t> {
    const int32_t self = ctx->node_id;
    const int64_t epoch = broker_epoch();
    if (ctx->controller_channel == nullptr || ctx->metadata->is_active_controller()) {
      int64_t first = -1;
      metadata::ControllerResult r = ctx->metadata->commit(
          [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
            return ctx->cluster_control->allocate_producer_ids(image, self, epoch, &first, out);
          });
      if (!r.ok()) return unavailable("allocating producer ids: " + r.message);
      return first;
    }
    EDDY_ASSIGN_OR_RETURN(client::Connection * conn, ctx->controller_channel->connection());
    protocol::AllocateProducerIdsRequest req;
    req.broker_id = self;
    req.broker_epoch = epoch;
    auto resp = conn->call<protocol::AllocateProducerIdsResponse>(req);
    if (!resp.is_ok()) {
      ctx->controller_channel->reset();
      return resp.status();
    }
    if (resp->error_code != 0) {
      return client::kafka_error(resp->error_code, "allocating producer ids");
    }
    return resp->producer_id_start;
  };
}

}  // namespace eddy::broker
