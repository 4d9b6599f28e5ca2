// AlterPartition (key 56): a partition leader's ISR change, sent to the active controller
// (KRaft's broker-to-controller API; clients never send it). It runs on the controller thread
// against ClusterControl::alter_partition, the controller's one decision for it
// (docs/controller.md). Only a broker of this cluster may send it: anything else is answered
// CLUSTER_AUTHORIZATION_FAILED (Kafka's CLUSTER_ACTION check) on the node it reached, before any
// forwarding, since a node forwards with its own broker principal and the controller would then
// trust a client's ISR change. A node that is not the active controller answers a broker
// NOT_CONTROLLER, and the leader asks again where the metadata says the controller is.
#include "protocol/generated/alter_partition.h"

#include "broker/alter_partition_manager.h"
#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "controller/quorum_controller.h"

namespace eddy::broker {
namespace {

// AlterPartition's key in the API table (protocol/api.cc).
constexpr auto kAlterPartitionKey = static_cast<protocol::ApiKey>(56);

}  // namespace

void register_alter_partition(HandlerRegistry& registry, const BrokerContext& context) {
  using protocol::AlterPartitionRequest;
  using protocol::AlterPartitionResponse;
  const BrokerContext* ctx = &context;
  add_broker_to_controller_handler<AlterPartitionRequest, AlterPartitionResponse>(
      registry, context, kAlterPartitionKey,
      [ctx](const AlterPartitionRequest& req, int16_t version, Responder& r) {
        if (ctx->quorum == nullptr) {
          AlterPartitionResponse resp;
          resp.error_code = error_code(protocol::ErrorCode::kNotController);
          return r.respond(encode_response(resp, version));
        }
        metadata::AlterPartitionReply reply = ctx->quorum->alter_partition(from_wire(req, version));
        r.respond(encode_response(to_wire(reply), version));
      });
}

}  // namespace eddy::broker
