// OffsetFetch (key 9): a group's committed offsets. v0-7 ask for one group, v8+ for several; a
// null topic list (v2+) means every partition the group committed.

#include "protocol/generated/offset_fetch.h"

#include "broker/handlers/group_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::OffsetFetchRequest;
using protocol::OffsetFetchResponse;

// One group's answer, as (topic, partitions) in the order the coordinator returned them
// (request order, or topic order for "all").
template <typename Topic, typename Partition>
std::vector<Topic> group_by_topic(const group::OffsetFetchResult& r, group::ErrorCode error) {
  std::vector<Topic> topics;
  for (const group::FetchedOffset& f : r.partitions) {
    if (topics.empty() || topics.back().name != f.tp.topic) {
      Topic t;
      t.name = f.tp.topic;
      topics.push_back(std::move(t));
    }
    Partition p;
    p.partition_index = f.tp.partition;
    p.committed_offset = f.offset;
    p.committed_leader_epoch = f.leader_epoch;
    p.metadata = f.metadata;
    p.error_code = protocol::to_int(error != group::err::kNone ? error : f.error_code);
    topics.back().partitions.push_back(std::move(p));
  }
  return topics;
}

template <typename Topic>
std::optional<std::vector<group::TopicPartition>> wanted(
    const std::optional<std::vector<Topic>>& topics) {
  if (!topics) return std::nullopt;
  std::vector<group::TopicPartition> out;
  for (const Topic& t : *topics) {
    for (int32_t p : t.partition_indexes) out.push_back(group::TopicPartition{t.name, p});
  }
  return out;
}

group::OffsetFetchResult fetch(group::GroupCoordinator* coordinator, const std::string& group_id,
                               const std::optional<std::vector<group::TopicPartition>>& tps) {
  if (coordinator != nullptr) return coordinator->fetch_offsets(group_id, tps);
  group::OffsetFetchResult r;
  r.error_code = group::err::kCoordinatorNotAvailable;
  return r;
}

OffsetFetchResponse answer(group::GroupCoordinator* coordinator, const OffsetFetchRequest& req,
                           int16_t version) {
  OffsetFetchResponse resp;
  if (version >= 8) {
    for (const auto& g : req.groups) {
      group::OffsetFetchResult r = fetch(coordinator, g.group_id, wanted(g.topics));
      OffsetFetchResponse::OffsetFetchResponseGroup rg;
      rg.group_id = g.group_id;
      rg.error_code = protocol::to_int(r.error_code);
      if (r.error_code == group::err::kNone) {
        rg.topics = group_by_topic<OffsetFetchResponse::OffsetFetchResponseTopics,
                                   OffsetFetchResponse::OffsetFetchResponsePartitions>(
            r, group::err::kNone);
      }
      resp.groups.push_back(std::move(rg));
    }
    return resp;
  }
  // v0 and v1 have no null topic list and no top-level error: a group-level error is reported on
  // every partition asked for.
  auto tps = wanted(req.topics);
  group::OffsetFetchResult r = fetch(coordinator, req.group_id, tps);
  group::ErrorCode partition_error = group::err::kNone;
  if (r.error_code != group::err::kNone) {
    if (version >= 2) {
      resp.error_code = protocol::to_int(r.error_code);
      return resp;
    }
    partition_error = r.error_code;
    r.partitions.clear();
    for (const group::TopicPartition& tp : tps.value_or(std::vector<group::TopicPartition>{})) {
      r.partitions.push_back(group::FetchedOffset{tp, -1, -1, "", partition_error});
    }
  }
  resp.topics =
      group_by_topic<OffsetFetchResponse::OffsetFetchResponseTopic,
                     OffsetFetchResponse::OffsetFetchResponsePartition>(r, partition_error);
  return resp;
}

}  // namespace

void register_offset_fetch(HandlerRegistry& registry, const BrokerContext& context) {
  add_group_handler<OffsetFetchRequest>(
      registry, context, protocol::ApiKey::kOffsetFetch,
      [](const OffsetFetchRequest& req, int16_t version) { return answer(nullptr, req, version); },
      [](group::GroupCoordinator& coordinator, GroupCall<OffsetFetchRequest>& call) {
        call.reply(answer(&coordinator, call.message, call.version));
      });
}

}  // namespace eddy::broker
