// ElectLeaders (key 43): preferred (type 0) or unclean (type 1) leader elections, planned by the
// controller's election decision (ClusterControl::elect_leaders, docs/controller.md) and
// committed as one batch. A cluster node that is not the active controller forwards it there. A
// null partition list means every partition; those already led as wanted are then left out of
// the answer (every topic is still listed, possibly with no partition), while a partition named
// explicitly answers ELECTION_NOT_NEEDED (as Kafka's ReplicationControlManager.electLeaders). v0
// has no election type: preferred.
#include "protocol/generated/elect_leaders.h"

#include <map>
#include <utility>
#include <vector>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::ElectLeadersRequest;
using protocol::ElectLeadersResponse;

// The wire's election types (Kafka's ElectionType).
constexpr int8_t kPreferredType = 0;
constexpr int8_t kUncleanType = 1;

ElectLeadersResponse elect(const BrokerContext& ctx, const ElectLeadersRequest& req) {
  ElectLeadersResponse resp;
  if (req.election_type != kPreferredType && req.election_type != kUncleanType) {
    resp.error_code = error_code(protocol::ErrorCode::kInvalidRequest);
    return resp;
  }
  const metadata::Election election = req.election_type == kUncleanType
                                          ? metadata::Election::kUnclean
                                          : metadata::Election::kPreferred;
  std::vector<std::pair<std::string, int32_t>> wanted;
  if (req.topic_partitions) {
    for (const auto& t : *req.topic_partitions) {
      for (int32_t p : t.partitions) wanted.emplace_back(t.topic, p);
    }
    // An empty (not null) list elects nothing.
    if (wanted.empty()) return resp;
  }
  std::vector<metadata::ElectionResult> results;
  std::vector<std::string> every_topic;  // for a null list: Kafka answers each topic
  metadata::ControllerResult r = ctx.metadata->commit(
      [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
        results = ctx.cluster_control->elect_leaders(image, election, wanted, out);
        every_topic.clear();
        if (!req.topic_partitions) {
          for (const auto& [name, topic] : image.topics()) every_topic.push_back(name);
        }
        return metadata::ControllerResult{};
      });
  if (!r.ok()) {
    // Nothing was elected (not the controller any more, or the commit failed): every partition
    // answers the commit's error, so the client retries them.
    for (auto& res : results) {
      if (res.error == protocol::ErrorCode::kNone) {
        res.error = r.code;
        res.message = r.message;
      }
    }
  }
  // Grouped by topic in the order the topics first appear.
  std::map<std::string, size_t> index;
  for (const auto& res : results) {
    auto [it, fresh] = index.try_emplace(res.topic, resp.replica_election_results.size());
    if (fresh) resp.replica_election_results.emplace_back().topic = res.topic;
    ElectLeadersResponse::PartitionResult pr;
    pr.partition_id = res.partition;
    pr.error_code = error_code(res.error);
    if (res.error == protocol::ErrorCode::kNone) {
      pr.error_message = std::nullopt;
    } else if (!res.message.empty()) {
      pr.error_message = res.message;
    }
    resp.replica_election_results[it->second].partition_result.push_back(std::move(pr));
  }
  // A null list answers every topic, those with nothing elected with no partitions, as Kafka's
  // ReplicationControlManager.electLeaders does.
  for (const auto& name : every_topic) {
    if (index.try_emplace(name, resp.replica_election_results.size()).second) {
      resp.replica_election_results.emplace_back().topic = name;
    }
  }
  return resp;
}

}  // namespace

void register_elect_leaders(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_controller_handler<ElectLeadersRequest>(
      registry, context, protocol::ApiKey::kElectLeaders,
      [ctx](const ElectLeadersRequest& req, int16_t version, Responder& r) {
        r.respond(encode_response(elect(*ctx, req), version));
      });
}

}  // namespace eddy::broker
