// OffsetForLeaderEpoch (key 23): the end offset of a leader epoch from the partition's
// leader-epoch cache, for followers truncating by epoch (KIP-101) and consumers detecting log
// truncation (KIP-320). An epoch older than every known one answers (-1, -1); the current
// leader epoch in the request fences stale callers (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).
//
// Versions 2-4, Kafka 4's range.
#include "protocol/generated/offset_for_leader_epoch.h"

#include <algorithm>

#include "broker/handlers/data_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/replica/replica_manager.h"

namespace eddy::broker {

namespace {

using protocol::OffsetForLeaderEpochRequest;
using protocol::OffsetForLeaderEpochResponse;

constexpr int16_t kMinOffsetForLeaderEpochVersion = 2;

OffsetForLeaderEpochResponse answer(const BrokerContext& ctx,
                                    const OffsetForLeaderEpochRequest& req) {
  OffsetForLeaderEpochResponse resp;
  for (const auto& t : req.topics) {
    OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult tr;
    tr.topic = t.topic;
    for (const auto& p : t.partitions) {
      OffsetForLeaderEpochResult r = ctx.replicas->offset_for_leader_epoch(
          TopicPartition{t.topic, p.partition}, LeaderEpoch(p.current_leader_epoch),
          LeaderEpoch(p.leader_epoch));
      OffsetForLeaderEpochResponse::EpochEndOffset pr;
      pr.partition = p.partition;
      pr.error_code = r.error;
      pr.leader_epoch = r.leader_epoch.value();
      pr.end_offset = r.end_offset.value();
      tr.partitions.push_back(pr);
    }
    resp.topics.push_back(std::move(tr));
  }
  return resp;
}

}  // namespace

void register_offset_for_leader_epoch(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  ApiSpec spec = api_spec(protocol::ApiKey::kOffsetForLeaderEpoch);
  spec.min_version = std::max(spec.min_version, kMinOffsetForLeaderEpochVersion);
  add_immediate_handler<OffsetForLeaderEpochRequest>(
      registry, spec,
      [ctx](const OffsetForLeaderEpochRequest& req, int16_t) { return answer(*ctx, req); });
}

}  // namespace eddy::broker
