// OffsetDelete (key 47): removes committed offsets of topics the group no longer consumes.

#include "protocol/generated/offset_delete.h"

#include <memory>

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_offset_delete(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(protocol::ApiKey::kOffsetDelete), [ctx](Request request,
                                                                Responder responder) {
    auto req = decode_request<protocol::OffsetDeleteRequest>(request);
    if (!req) {
      responder.respond(Response::close());
      return;
    }
    int16_t version = request.api_version();
    group::GroupCoordinator* coordinator = group_coordinator(*ctx);
    if (coordinator == nullptr) {
      protocol::OffsetDeleteResponse resp;
      resp.error_code = protocol::to_int(group::err::kCoordinatorNotAvailable);
      responder.respond(encode_response(resp, version));
      return;
    }
    std::vector<group::TopicPartition> tps;
    for (const auto& t : req->topics) {
      for (const auto& p : t.partitions)
        tps.push_back(group::TopicPartition{t.name, p.partition_index});
    }
    auto shared = std::make_shared<Responder>(std::move(responder));
    coordinator->delete_offsets(req->group_id, tps, [shared, version](group::OffsetDeleteResult r) {
      protocol::OffsetDeleteResponse resp;
      resp.error_code = protocol::to_int(r.error_code);
      for (const group::PartitionError& pe : r.partitions) {
        if (resp.topics.empty() || resp.topics.back().name != pe.tp.topic) {
          protocol::OffsetDeleteResponse::OffsetDeleteResponseTopic t;
          t.name = pe.tp.topic;
          resp.topics.push_back(std::move(t));
        }
        protocol::OffsetDeleteResponse::OffsetDeleteResponsePartition rp;
        rp.partition_index = pe.tp.partition;
        rp.error_code = protocol::to_int(pe.error_code);
        resp.topics.back().partitions.push_back(std::move(rp));
      }
      shared->respond(encode_response(resp, version));
    });
  });
}

}  // namespace eddy::broker
