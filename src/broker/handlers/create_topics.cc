// CreateTopics (key 19): each topic is validated and planned on its own, so one bad topic gets
// its own error code and the others are still created; the records of every topic planned
// without error are committed as one batch (one metadata commit for the request, as Kafka's
// controller does), each topic planned against the image plus the topics before it in the
// request. validate_only runs the same checks and commits nothing. A name given twice is
// INVALID_REQUEST for every copy (Kafka's rule); so is a reserved name (__consumer_offsets,
// __cluster_metadata, ...: only the broker creates those). max.partitions and
// controller.mutation.rate apply (topic_creation_limits.h): strict from v6, as in Kafka, permissive
// before.
#include "protocol/generated/create_topics.h"

#include <map>
#include <optional>
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

using CreatableTopic = CreateTopicsRequest::CreatableTopic;
using CreatableTopicResult = CreateTopicsResponse::CreatableTopicResult;

// The controller's spec for `t`, or nullopt with `out` holding the error that refuses it before
// any planning.
std::optional<metadata::CreateTopicSpec> spec_of(const CreatableTopic& t, bool from_broker,
                                                 CreatableTopicResult& out) {
  // A broker of the cluster creates the internal topics it needs (__consumer_offsets) through
  // the active controller; __cluster_metadata is never a topic.
  const bool broker_creates_internal = from_broker && metadata::is_internal_topic(t.name);
  if (metadata::is_reserved_topic_name(t.name) && !broker_creates_internal) {
    // Kafka's answer for __cluster_metadata (ControllerApis), for every reserved name.
    out.error_code = error_code(protocol::ErrorCode::kInvalidRequest);
    out.error_message = "Creation of internal topic " + t.name + " is prohibited.";
    return std::nullopt;
  }
  metadata::CreateTopicSpec spec;
  spec.name = t.name;
  spec.num_partitions = t.num_partitions;
  spec.replication_factor = t.replication_factor;
  for (const auto& a : t.assignments) spec.assignments[a.partition_index] = a.broker_ids;
  if (spec.assignments.size() != t.assignments.size()) {
    out.error_code = error_code(protocol::ErrorCode::kInvalidReplicaAssignment);
    out.error_message = "a partition appears twice in the replica assignment";
    return std::nullopt;
  }
  for (const auto& c : t.configs) {
    if (!c.value) {
      out.error_code = error_code(protocol::ErrorCode::kInvalidConfig);
      out.error_message = "null value for config '" + c.name + "'";
      return std::nullopt;
    }
    spec.configs[c.name] = *c.value;
  }
  return spec;
}

// The answer for a topic whose plan succeeded and whose batch committed (or, validate_only,
// would have).
void describe_created(const BrokerContext& ctx, const CreatableTopic& t,
                      const metadata::CreateTopicSpec& spec, bool validate_only,
                      const metadata::MetadataImage& image, CreatableTopicResult& out) {
  if (validate_only) {
    const auto& d = ctx.controller->defaults();
    out.num_partitions = spec.assignments.empty()
                             ? (t.num_partitions == -1 ? d.num_partitions : t.num_partitions)
                             : static_cast<int32_t>(spec.assignments.size());
    out.replication_factor =
        spec.assignments.empty()
            ? (t.replication_factor == -1 ? d.default_replication_factor : t.replication_factor)
            : static_cast<int16_t>(spec.assignments.begin()->second.size());
    return;
  }
  const metadata::TopicImage* created = image.topic(t.name);
  if (created == nullptr) return;  // deleted again in between; the create itself succeeded
  // The commit applied the topic here: a partition this broker leads whose log could not be
  // opened (out of file descriptors, a storage error) is offline, and the create says so.
  if (std::string offline = offline_partitions_of(ctx, *created); !offline.empty()) {
    out.error_code = error_code(protocol::ErrorCode::kKafkaStorageError);
    out.error_message = std::move(offline);
    return;
  }
  out.topic_id = created->id;
  out.num_partitions = static_cast<int32_t>(created->partitions.size());
  out.replication_factor = created->partitions.empty()
                               ? 0
                               : static_cast<int16_t>(created->partitions[0].replicas.size());
  std::vector<CreateTopicsResponse::CreatableTopicConfigs> configs;
  for (const auto& e : topic_config_entries(ctx, image, *created, {})) {
    CreateTopicsResponse::CreatableTopicConfigs c;
    c.name = e.name;
    c.value = e.value;
    c.read_only = e.read_only;
    c.config_source = static_cast<int8_t>(e.source);
    configs.push_back(std::move(c));
  }
  out.configs = std::move(configs);
}

// One topic of the request that passed spec_of(), and its plan's result.
struct PlannedTopic {
  const CreatableTopic* request;
  metadata::CreateTopicSpec spec;
  metadata::ControllerResult result;
};

// One commit carries at most this many records (Kafka's controller bounds a user operation at
// 10,000) or bytes, whichever comes first, so a request of very many topics is a few commits of
// bounded size (a Raft entry and a metadata log batch have hard limits) rather than one that
// could never commit. A single topic is never split: one of 100,000 partitions stays one batch.
constexpr int kMaxRecordsPerCommit = 10000;
constexpr size_t kMaxBytesPerCommit = 8u << 20;

// Plans topics[first, ...) against the committed image plus the topics planned before it (a
// scratch copy the plan applies each success to, so names, placement, max.partitions and the
// mutation quota see them), up to the bounds above, and commits the successes' records as one
// batch. Returns the index after the last topic it planned. Each topic's own refusal is in its
// result; a failed commit (NOT_CONTROLLER, a quorum that did not answer) becomes the result of
// every topic it carried.
size_t plan_and_commit_from(const BrokerContext& ctx, std::vector<PlannedTopic>& topics,
                            size_t first, bool validate_only, QuotaMode mode,
                            int32_t* throttle_ms) {
  size_t end = first;
  metadata::ControllerResult committed = ctx.metadata->commit(
      [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* batch) {
        metadata::MetadataImage scratch = image;
        size_t bytes = 0;
        for (end = first; end < topics.size(); ++end) {
          if (end > first &&
              (batch->records_size() >= kMaxRecordsPerCommit || bytes >= kMaxBytesPerCommit)) {
            break;
          }
          PlannedTopic& t = topics[end];
          const metadata::CreateTopicSpec& spec = t.spec;
          metadata::pb::MetadataBatch one;
          t.result = with_creation_limits(
              ctx,
              [&](const metadata::MetadataImage& im, metadata::pb::MetadataBatch* out) {
                return ctx.controller->create_topic(im, spec, out);
              },
              mode, validate_only, throttle_ms)(scratch, &one);
          if (!t.result.ok()) continue;
          if (Status st = scratch.apply_batch(one); !st.is_ok()) {
            t.result = metadata::ControllerResult::error(protocol::ErrorCode::kUnknownServerError,
                                                         st.message());
            continue;
          }
          bytes += one.ByteSizeLong();
          for (auto& record : *one.mutable_records()) *batch->add_records() = std::move(record);
        }
        return metadata::ControllerResult{};
      },
      validate_only);
  // A commit refused before its plan ran (not the active controller) planned nothing.
  if (end == first) end = topics.size();
  if (!committed.ok()) {
    for (size_t i = first; i < end; ++i) {
      if (topics[i].result.ok()) topics[i].result = committed;
    }
  }
  return end;
}

void plan_and_commit(const BrokerContext& ctx, std::vector<PlannedTopic>& topics,
                     bool validate_only, QuotaMode mode, int32_t* throttle_ms) {
  for (size_t i = 0; i < topics.size();) {
    i = plan_and_commit_from(ctx, topics, i, validate_only, mode, throttle_ms);
  }
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
        std::vector<PlannedTopic> planned;
        resp.topics = answer_each_topic_once<CreatableTopicResult>(
            req.topics, "Create topics request from client contains multiple entries",
            [&](const CreatableTopic& t) {
              CreatableTopicResult out;
              out.name = t.name;
              if (auto spec = spec_of(t, from_broker, out)) {
                planned.push_back({&t, std::move(*spec), {}});
              }
              return out;
            });
        plan_and_commit(*ctx, planned, req.validate_only, mode, &resp.throttle_time_ms);
        // Names are unique among the planned topics (a repeated name is answered above).
        std::map<std::string, const PlannedTopic*> by_name;
        for (const PlannedTopic& t : planned) by_name[t.request->name] = &t;
        auto image = ctx->metadata->image();
        for (CreatableTopicResult& out : resp.topics) {
          auto it = by_name.find(out.name);
          if (out.error_code != 0 || it == by_name.end()) continue;
          const PlannedTopic& t = *it->second;
          if (!t.result.ok()) {
            out.error_code = error_code(t.result.code);
            out.error_message = t.result.message;
            continue;
          }
          describe_created(*ctx, *t.request, t.spec, req.validate_only, *image, out);
        }
        r.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
