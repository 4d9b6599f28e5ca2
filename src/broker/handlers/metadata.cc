// Metadata (key 3): brokers, cluster id, controller and the requested topics' partitions.
//
// A topic that does not exist is created first when auto.create.topics.enable is on, the
// request allows it (allow_auto_topic_creation, v4+; always for older versions), the name is
// valid and not reserved and the creation limits allow it (auto_create_topics.h); the answer
// waits for the commit so the client sees the new topic at once. A name auto-creation did not
// create is answered with the error auto-creation gave it (LEADER_NOT_AVAILABLE: ask again
// later). v0 with an empty topic list and v1+ with a null list mean "all topics".
#include "protocol/generated/metadata.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/auto_create_topics.h"
#include "broker/handlers/handler_util.h"
#include "broker/handlers/listed_brokers.h"
#include "broker/replica/replica_manager.h"
#include "metadata/topic_name.h"
#include "protocol/acl.h"

namespace eddy::broker {

namespace {

using protocol::ErrorCode;
using protocol::MetadataRequest;
using protocol::MetadataResponse;

// `offline`: this node's offline replicas (ReplicaManager::offline_partitions). The replica is
// listed in offline_replicas, as Kafka lists a replica in an offline log dir, so that clients and
// `eddyctl cluster health` see it. A partition this node leads but could not open also answers
// KAFKA_STORAGE_ERROR: nothing of it is served. One with damaged offsets keeps error NONE: the
// rest of it is served (docs/broker.md, "Offline replicas").
MetadataResponse::MetadataResponseTopic describe_topic(
    const BrokerContext& ctx, const metadata::TopicImage& t,
    const std::map<TopicPartition, OfflineReplica>& offline) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = t.name;
  out.topic_id = t.id;
  out.is_internal = metadata::is_internal_topic(t.name);
  for (const auto& p : t.partitions) {
    MetadataResponse::MetadataResponsePartition mp;
    mp.partition_index = p.partition;
    mp.leader_id = p.leader;
    mp.leader_epoch = p.leader_epoch;
    mp.replica_nodes = p.replicas;
    mp.isr_nodes = p.isr;
    if (p.leader < 0) mp.error_code = error_code(ErrorCode::kLeaderNotAvailable);
    if (auto it = offline.find({t.name, p.partition}); it != offline.end()) {
      mp.offline_replicas.push_back(ctx.node_id);
      if (it->second.cause == OfflineReplica::Cause::kLogUnavailable && p.leader == ctx.node_id) {
        mp.error_code = error_code(ErrorCode::kKafkaStorageError);
      }
    }
    out.partitions.push_back(std::move(mp));
  }
  return out;
}

MetadataResponse::MetadataResponseTopic topic_error(std::optional<std::string> name, Uuid id,
                                                    ErrorCode code) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = std::move(name);
  out.topic_id = id;
  out.error_code = error_code(code);
  return out;
}

// Authorized operations when asked for (v8+; the cluster's only to v10), as Kafka without an
// authorizer answers them: every topic in the answer, unknown ones included.
Response encode(MetadataResponse& resp, const MetadataRequest& req, int16_t version) {
  for (auto& t : resp.topics) {
    t.topic_authorized_operations = protocol::authorized_operations(
        req.include_topic_authorized_operations, protocol::AclResourceType::kTopic);
  }
  resp.cluster_authorized_operations = protocol::authorized_operations(
      req.include_cluster_authorized_operations, protocol::AclResourceType::kCluster);
  return encode_response(resp, version);
}

Response build(const BrokerContext& ctx, const MetadataRequest& req, int16_t version,
               const AutoCreateRefusals& refused) {
  auto image = ctx.metadata->image();
  MetadataResponse resp;
  resp.brokers = wire_brokers(*image, &MetadataResponse::MetadataResponseBroker::node_id);
  std::erase_if(resp.brokers, [&](const MetadataResponse::MetadataResponseBroker& b) {
    return !listed_broker(ctx, *image, b.node_id);
  });
  resp.cluster_id = ctx.cluster_id;
  resp.controller_id = client_controller_id(ctx, *image);
  const auto offline = ctx.replicas != nullptr ? ctx.replicas->offline_partitions()
                                               : std::map<TopicPartition, OfflineReplica>{};
  auto describe = [&](const metadata::TopicImage& t) { return describe_topic(ctx, t, offline); };
  bool all = !req.topics || (version == 0 && req.topics->empty());
  if (all) {
    for (const auto& [name, t] : image->topics()) resp.topics.push_back(describe(*t));
    return encode(resp, req, version);
  }
  for (const auto& rt : *req.topics) {
    if (!rt.name) {
      const metadata::TopicImage* t = nullptr;
      if (!rt.topic_id.is_zero()) t = image->topic_by_id(rt.topic_id);
      resp.topics.push_back(t ? describe(*t)
                              : topic_error(std::nullopt, rt.topic_id, ErrorCode::kUnknownTopicId));
      continue;
    }
    if (!metadata::validate_topic_name(*rt.name)) {
      resp.topics.push_back(topic_error(rt.name, {}, ErrorCode::kInvalidTopicException));
      continue;
    }
    const metadata::TopicImage* t = image->topic(*rt.name);
    if (t != nullptr) {
      resp.topics.push_back(describe(*t));
      continue;
    }
    auto why = refused.find(*rt.name);
    resp.topics.push_back(topic_error(
        rt.name, {}, why != refused.end() ? why->second : ErrorCode::kUnknownTopicOrPartition));
  }
  return encode(resp, req, version);
}

// The names auto-creation may consider: none for "all topics" (a null list), nor for v4+
// requests that disallow it (allow_auto_topic_creation); topics named by id are never created.
std::vector<std::string> auto_create_candidates(const MetadataRequest& req, int16_t version) {
  std::vector<std::string> out;
  if (!req.topics || (version >= 4 && !req.allow_auto_topic_creation)) return out;
  for (const auto& rt : *req.topics) {
    if (rt.name) out.push_back(*rt.name);
  }
  return out;
}

}  // namespace

void register_metadata(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(protocol::ApiKey::kMetadata), [ctx](Request request, Responder responder) {
    auto req = decode_or_close<MetadataRequest>(request, responder);
    if (!req) return;
    int16_t version = request.api_version();
    std::vector<std::string> candidates = auto_create_candidates(*req, version);
    auto shared_req = std::make_shared<MetadataRequest>(std::move(*req));
    auto shared_responder = std::make_shared<Responder>(std::move(responder));
    // The answer waits for any creation so the client sees the new topic at once.
    auto_create_topics(*ctx, candidates,
                       [ctx, shared_req, shared_responder, version](const AutoCreateRefusals& r) {
                         shared_responder->respond(build(*ctx, *shared_req, version, r));
                       });
  });
}

}  // namespace eddy::broker
