// CreateTopics (key 19): each topic is validated and committed on its own, so one bad topic
// gets its own error code and the others are still created. validate_only runs the same checks
// and commits nothing. A name given twice is INVALID_REQUEST for every copy (Kafka's rule); so is
// a reserved name (__consumer_offsets, __cluster_metadata, ...: only the broker creates those).
// max.partitions and controller.mutation.rate apply (topic_creation_limits.h): strict from v6,
// as in Kafka, permissive before.
#include "protocol/generated/create_topics.h"

#include <string>
#include <vector>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/config_entries.h"
#include "broker/handlers/handler_util.h"
#include "broker/handlers/topic_creation_limits.h"
#include "broker/replica/replica_manager.h"
#include "metadata/topic_name.h"

namespace eddy::broker {

namespace {

using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;

// Kafka answers THROTTLING_QUOTA_EXCEEDED from CreateTopics v6 on (KIP-599).
constexpr int16_t kFirstStrictQuotaVersion = 6;

// "partition 3 is offline on broker 1: <reason>" for the first of `topic`'s partitions this
// broker leads but could not open, and how many more there are; empty when none.
std::string offline_partitions_of(const BrokerContext& ctx, const metadata::TopicImage& topic) {
  if (ctx.replicas == nullptr) return {};
  auto offline = ctx.replicas->offline_partitions();
  std::string first;
  size_t count = 0;
  for (const auto& p : topic.partitions) {
    if (p.leader != ctx.node_id) continue;
    auto it = offline.find({topic.name, p.partition});
    if (it == offline.end()) continue;
    if (count++ == 0) {
      first = "partition " + std::to_string(p.partition) + " is offline on broker " +
              std::to_string(ctx.node_id) + ": " + it->second.reason;
    }
  }
  if (count > 1) first += " (and " + std::to_string(count - 1) + " more partitions)";
  return first;
}

CreateTopicsResponse::CreatableTopicResult create_one(const BrokerContext& ctx,
                                                      const CreateTopicsRequest::CreatableTopic& t,
                                                      bool validate_only, QuotaMode mode,
                                                      int32_t* throttle_ms, bool from_broker) {
  CreateTopicsResponse::CreatableTopicResult out;
  out.name = t.name;
  // A broker of the cluster creates the internal topics it needs (__consumer_offsets) through
  // the active controller; __cluster_metadata is never a topic.
  const bool broker_creates_internal = from_broker && metadata::is_internal_topic(t.name);
  if (metadata::is_reserved_topic_name(t.name) && !broker_creates_internal) {
    // Kafka's answer for __cluster_metadata (ControllerApis), for every reserved name.
    out.error_code = error_code(protocol::ErrorCode::kInvalidRequest);
    out.error_message = "Creation of internal topic " + t.name + " is prohibited.";
    return out;
  }
  metadata::CreateTopicSpec spec;
  spec.name = t.name;
  spec.num_partitions = t.num_partitions;
  spec.replication_factor = t.replication_factor;
  for (const auto& a : t.assignments) spec.assignments[a.partition_index] = a.broker_ids;
  if (spec.assignments.size() != t.assignments.size()) {
    out.error_code = error_code(protocol::ErrorCode::kInvalidReplicaAssignment);
    out.error_message = "a partition appears twice in the replica assignment";
    return out;
  }
  for (const auto& c : t.configs) {
    if (!c.value) {
      out.error_code = error_code(protocol::ErrorCode::kInvalidConfig);
      out.error_message = "null value for config '" + c.name + "'";
      return out;
    }
    spec.configs[c.name] = *c.value;
  }
  metadata::ControllerResult r = ctx.metadata->commit(
      with_creation_limits(
          ctx,
          [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* batch) {
            return ctx.controller->create_topic(image, spec, batch);
          },
          mode, validate_only, throttle_ms),
      validate_only);
  if (!r.ok()) {
    out.error_code = error_code(r.code);
    out.error_message = r.message;
    return out;
  }
  auto image = ctx.metadata->image();
  if (validate_only) {
    const auto& d = ctx.controller->defaults();
    out.num_partitions = spec.assignments.empty()
                             ? (t.num_partitions == -1 ? d.num_partitions : t.num_partitions)
                             : static_cast<int32_t>(spec.assignments.size());
    out.replication_factor =
        spec.assignments.empty()
            ? (t.replication_factor == -1 ? d.default_replication_factor : t.replication_factor)
            : static_cast<int16_t>(spec.assignments.begin()->second.size());
    return out;
  }
  const metadata::TopicImage* created = image->topic(t.name);
  if (created == nullptr) return out;  // deleted again in between; the create itself succeeded
  // The commit applied the topic here: a partition this broker leads whose log could not be
  // opened (out of file descriptors, a storage error) is offline, and the create says so.
  if (std::string offline = offline_partitions_of(ctx, *created); !offline.empty()) {
    out.error_code = error_code(protocol::ErrorCode::kKafkaStorageError);
    out.error_message = std::move(offline);
    return out;
  }
  out.topic_id = created->id;
  out.num_partitions = static_cast<int32_t>(created->partitions.size());
  out.replication_factor = created->partitions.empty()
                               ? 0
                               : static_cast<int16_t>(created->partitions[0].replicas.size());
  std::vector<CreateTopicsResponse::CreatableTopicConfigs> configs;
  for (const auto& e : topic_config_entries(ctx, *image, *created, {})) {
    CreateTopicsResponse::CreatableTopicConfigs c;
    c.name = e.name;
    c.value = e.value;
    c.read_only = e.read_only;
    c.config_source = static_cast<int8_t>(e.source);
    configs.push_back(std::move(c));
  }
  out.configs = std::move(configs);
  return out;
}

}  // namespace

void register_create_topics(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_controller_handler<CreateTopicsRequest>(
      registry, context, protocol::ApiKey::kCreateTopics,
      [ctx](const CreateTopicsRequest& req, int16_t version, Responder& r, bool from_broker) {
        CreateTopicsResponse resp;
        QuotaMode mode =
            version >= kFirstStrictQuotaVersion ? QuotaMode::kStrict : QuotaMode::kPermissive;
        resp.topics = answer_each_topic_once<CreateTopicsResponse::CreatableTopicResult>(
            req.topics, "Create topics request from client contains multiple entries",
            [&](const auto& t) {
              return create_one(*ctx, t, req.validate_only, mode, &resp.throttle_time_ms,
                                from_broker);
            });
        r.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
