// ListOffsets (key 2): earliest (-2), latest (-1), max timestamp (-3) and by-timestamp offsets.
//
// "Latest" is the high watermark (read_uncommitted) or the last stable offset (read_committed;
// equal without transactions): what a consumer can actually read, never the log end offset.
// A timestamp lookup answers the first record whose timestamp is at or after it, below the HW;
// none is offset -1, timestamp -1. v0's old_style_offsets carries the one offset found.
//
// Versions 1-10, Kafka 4's range (v0's multi-offset answer is not served).
#include "protocol/generated/list_offsets.h"

#include <algorithm>

#include "broker/handlers/data_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/replica/replica_manager.h"

namespace eddy::broker {

namespace {

using protocol::ListOffsetsRequest;
using protocol::ListOffsetsResponse;

constexpr int16_t kMinListOffsetsVersion = 1;

ListOffsetsResponse answer(const BrokerContext& ctx, const ListOffsetsRequest& req) {
  const IsolationLevel isolation =
      req.isolation_level == 1 ? IsolationLevel::kReadCommitted : IsolationLevel::kReadUncommitted;
  ListOffsetsResponse resp;
  for (const auto& t : req.topics) {
    ListOffsetsResponse::ListOffsetsTopicResponse tr;
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      ListOffsetResult r =
          ctx.replicas->list_offset(TopicPartition{t.name, p.partition_index}, p.timestamp,
                                    isolation, LeaderEpoch(p.current_leader_epoch));
      ListOffsetsResponse::ListOffsetsPartitionResponse pr;
      pr.partition_index = p.partition_index;
      pr.error_code = r.error;
      pr.timestamp = r.timestamp_ms;
      pr.offset = r.offset.value();
      pr.leader_epoch = r.leader_epoch.value();
      tr.partitions.push_back(pr);
    }
    resp.topics.push_back(std::move(tr));
  }
  return resp;
}

}  // namespace

void register_list_offsets(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  ApiSpec spec = api_spec(protocol::ApiKey::kListOffsets);
  spec.min_version = std::max(spec.min_version, kMinListOffsetsVersion);
  add_immediate_handler<ListOffsetsRequest>(
      registry, spec, [ctx](const ListOffsetsRequest& req, int16_t) { return answer(*ctx, req); });
}

}  // namespace eddy::broker
