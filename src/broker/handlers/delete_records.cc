// DeleteRecords (key 21): moves each partition's log start offset forward (Kafka's
// AdminClient.deleteRecords). Offset -1 means the high watermark; an offset above the HW is
// OFFSET_OUT_OF_RANGE. The answer waits (up to the request's timeout_ms, then REQUEST_TIMED_OUT)
// until every live replica has moved its log start, and carries the low watermark: the minimum
// log start over them (ReplicaManager::delete_records). Segments wholly below the leader's new
// log start are deleted by the log at once.
#include "protocol/generated/delete_records.h"

#include <memory>

#include "broker/handlers/data_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/replica/replica_manager.h"

namespace eddy::broker {

namespace {

using protocol::DeleteRecordsRequest;
using protocol::DeleteRecordsResponse;

// The results in request order, back into the request's topics.
DeleteRecordsResponse build_response(const DeleteRecordsRequest& req,
                                     const std::vector<DeleteRecordsResult>& results) {
  DeleteRecordsResponse resp;
  size_t i = 0;
  for (const auto& t : req.topics) {
    DeleteRecordsResponse::DeleteRecordsTopicResult tr;
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      const DeleteRecordsResult& r = results.at(i++);
      DeleteRecordsResponse::DeleteRecordsPartitionResult pr;
      pr.partition_index = p.partition_index;
      pr.error_code = r.error;
      pr.low_watermark = r.low_watermark.value();
      tr.partitions.push_back(pr);
    }
    resp.topics.push_back(std::move(tr));
  }
  return resp;
}

}  // namespace

void register_delete_records(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(
      api_spec(protocol::ApiKey::kDeleteRecords), [ctx](Request request, Responder responder) {
        auto req = decode_or_close<DeleteRecordsRequest>(request, responder);
        if (!req) return;
        const int16_t version = request.api_version();
        std::vector<DeleteRecordsInput> inputs;
        for (const auto& t : req->topics) {
          for (const auto& p : t.partitions) {
            inputs.push_back({TopicPartition{t.name, p.partition_index}, p.offset});
          }
        }
        const int32_t timeout_ms = req->timeout_ms;
        // The callback may run on another thread (a follower's fetch, the purgatory reaper).
        auto shared = std::make_shared<std::pair<DeleteRecordsRequest, Responder>>(
            std::move(*req), std::move(responder));
        ctx->replicas->delete_records(
            std::move(inputs), timeout_ms, [shared, version](std::vector<DeleteRecordsResult> r) {
              shared->second.respond(encode_response(build_response(shared->first, r), version));
            });
      });
}

}  // namespace eddy::broker
