// DeleteRecords (key 21): moves each partition's log start offset forward (Kafka's
// AdminClient.deleteRecords). Offset -1 means the high watermark; an offset above the HW is
// OFFSET_OUT_OF_RANGE. The answer's low_watermark is the new log start offset. Segments wholly
// below it are deleted by the log at once.
#include "protocol/generated/delete_records.h"

#include "broker/handlers/data_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/replica/replica_manager.h"

namespace eddy::broker {

namespace {

using protocol::DeleteRecordsRequest;
using protocol::DeleteRecordsResponse;

DeleteRecordsResponse answer(const BrokerContext& ctx, const DeleteRecordsRequest& req) {
  DeleteRecordsResponse resp;
  for (const auto& t : req.topics) {
    DeleteRecordsResponse::DeleteRecordsTopicResult tr;
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      DeleteRecordsResult r =
          ctx.replicas->delete_records(TopicPartition{t.name, p.partition_index}, p.offset);
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
  add_immediate_handler<DeleteRecordsRequest>(
      registry, api_spec(protocol::ApiKey::kDeleteRecords),
      [ctx](const DeleteRecordsRequest& req, int16_t) { return answer(*ctx, req); });
}

}  // namespace eddy::broker
