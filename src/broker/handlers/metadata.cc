// Metadata (key 3): brokers, cluster id, controller and the requested topics' partitions.
//
// A topic that does not exist is created first when auto.create.topics.enable is on, the
// request allows it (allow_auto_topic_creation, v4+; always for older versions) and the name is
// valid and not internal; the answer waits for the commit so the client sees the new topic at
// once. v0 with an empty topic list and v1+ with a null list mean "all topics".
#include "protocol/generated/metadata.h"

#include <memory>
#include <set>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "metadata/topic_name.h"

namespace eddy::broker {

namespace {

using protocol::ErrorCode;
using protocol::MetadataRequest;
using protocol::MetadataResponse;

protocol::Uuid to_wire(const metadata::Uuid& id) {
  protocol::Uuid u;
  u.bytes = id.bytes;
  return u;
}

MetadataResponse::MetadataResponseTopic describe_topic(const metadata::TopicImage& t) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = t.name;
  out.topic_id = to_wire(t.id);
  out.is_internal = metadata::is_internal_topic(t.name);
  for (const auto& p : t.partitions) {
    MetadataResponse::MetadataResponsePartition mp;
    mp.partition_index = p.partition;
    mp.leader_id = p.leader;
    mp.leader_epoch = p.leader_epoch;
    mp.replica_nodes = p.replicas;
    mp.isr_nodes = p.isr;
    if (p.leader < 0) mp.error_code = error_code(ErrorCode::kLeaderNotAvailable);
    out.partitions.push_back(std::move(mp));
  }
  return out;
}

MetadataResponse::MetadataResponseTopic topic_error(std::optional<std::string> name,
                                                    protocol::Uuid id, ErrorCode code) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = std::move(name);
  out.topic_id = id;
  out.error_code = error_code(code);
  return out;
}

Response build(const BrokerContext& ctx, const MetadataRequest& req, int16_t version) {
  auto image = ctx.metadata->image();
  MetadataResponse resp;
  for (const auto& [id, b] : image->brokers()) {
    if (b.endpoints.empty()) continue;
    MetadataResponse::MetadataResponseBroker mb;
    mb.node_id = b.id;
    mb.host = b.endpoints.front().host;
    mb.port = b.endpoints.front().port;
    mb.rack = b.rack;
    resp.brokers.push_back(std::move(mb));
  }
  resp.cluster_id = ctx.cluster_id;
  resp.controller_id = ctx.node_id;
  bool all = !req.topics || (version == 0 && req.topics->empty());
  if (all) {
    for (const auto& [name, t] : image->topics()) resp.topics.push_back(describe_topic(*t));
    return encode_response(resp, version);
  }
  for (const auto& rt : *req.topics) {
    if (!rt.name) {
      const metadata::TopicImage* t = nullptr;
      metadata::Uuid id;
      id.bytes = rt.topic_id.bytes;
      if (!rt.topic_id.is_zero()) t = image->topic_by_id(id);
      resp.topics.push_back(t ? describe_topic(*t)
                              : topic_error(std::nullopt, rt.topic_id, ErrorCode::kUnknownTopicId));
      continue;
    }
    if (!metadata::validate_topic_name(*rt.name)) {
      resp.topics.push_back(topic_error(rt.name, {}, ErrorCode::kInvalidTopicException));
      continue;
    }
    const metadata::TopicImage* t = image->topic(*rt.name);
    resp.topics.push_back(t ? describe_topic(*t)
                            : topic_error(rt.name, {}, ErrorCode::kUnknownTopicOrPartition));
  }
  return encode_response(resp, version);
}

// Names the request asks for that do not exist and may be auto-created.
std::set<std::string> topics_to_create(const BrokerContext& ctx, const MetadataRequest& req,
                                       int16_t version) {
  std::set<std::string> out;
  if (!req.topics || !ctx.config->get_bool("auto.create.topics.enable")) return out;
  if (version >= 4 && !req.allow_auto_topic_creation) return out;
  auto image = ctx.metadata->image();
  for (const auto& rt : *req.topics) {
    if (!rt.name || image->topic(*rt.name) != nullptr) continue;
    if (!metadata::validate_topic_name(*rt.name) || metadata::is_internal_topic(*rt.name)) {
      continue;
    }
    out.insert(*rt.name);
  }
  return out;
}

}  // namespace

void register_metadata(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(protocol::ApiKey::kMetadata), [ctx](Request request, Responder responder) {
    auto req = decode_request<MetadataRequest>(request);
    if (!req) {
      responder.respond(Response::close());
      return;
    }
    int16_t version = request.api_version();
    std::set<std::string> create = topics_to_create(*ctx, *req, version);
    if (create.empty()) {
      responder.respond(build(*ctx, *req, version));
      return;
    }
    auto shared_req = std::make_shared<MetadataRequest>(std::move(*req));
    auto shared_responder = std::make_shared<Responder>(std::move(responder));
    ctx->commit(
        [ctx, create](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
          for (const auto& name : create) {
            metadata::CreateTopicSpec spec;
            spec.name = name;
            // A failure (a concurrent create won) leaves that topic to the answer's lookup.
            (void)ctx->controller->create_topic(image, spec, out);
          }
          return metadata::ControllerResult{};
        },
        /*validate_only=*/false,
        [ctx, shared_req, shared_responder, version](const metadata::ControllerResult&) {
          shared_responder->respond(build(*ctx, *shared_req, version));
        });
  });
}

}  // namespace eddy::broker
