// CreatePartitions (key 37): grows a topic to `count` partitions, with an optional replica
// assignment for the new ones. Each topic is its own commit; a topic named twice is
// INVALID_REQUEST. max.partitions and controller.mutation.rate apply (topic_creation_limits.h):
// strict from v3, as in Kafka, permissive before.
#include "protocol/generated/create_partitions.h"

#include <vector>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "broker/handlers/topic_creation_limits.h"

namespace eddy::broker {

namespace {

using protocol::CreatePartitionsRequest;
using protocol::CreatePartitionsResponse;

// Kafka answers THROTTLING_QUOTA_EXCEEDED from CreatePartitions v3 on (KIP-599).
constexpr int16_t kFirstStrictQuotaVersion = 3;

CreatePartitionsResponse::CreatePartitionsTopicResult grow(
    const BrokerContext& ctx, const CreatePartitionsRequest::CreatePartitionsTopic& t,
    bool validate_only, QuotaMode mode, int32_t* throttle_ms) {
  CreatePartitionsResponse::CreatePartitionsTopicResult out;
  out.name = t.name;
  std::vector<std::vector<int32_t>> assignments;
  if (t.assignments) {
    for (const auto& a : *t.assignments) assignments.push_back(a.broker_ids);
  }
  metadata::ControllerResult r = ctx.metadata->commit(
      with_creation_limits(
          ctx,
          [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* batch) {
            return ctx.controller->create_partitions(image, t.name, t.count, assignments, batch);
          },
          mode, validate_only, throttle_ms),
      validate_only);
  if (!r.ok()) {
    out.error_code = error_code(r.code);
    out.error_message = r.message;
  }
  return out;
}

}  // namespace

void register_create_partitions(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_controller_handler<CreatePartitionsRequest>(
      registry, context, protocol::ApiKey::kCreatePartitions,
      [ctx](const CreatePartitionsRequest& req, int16_t version, Responder& r) {
        CreatePartitionsResponse resp;
        QuotaMode mode =
            version >= kFirstStrictQuotaVersion ? QuotaMode::kStrict : QuotaMode::kPermissive;
        resp.results =
            answer_each_topic_once<CreatePartitionsResponse::CreatePartitionsTopicResult>(
                req.topics, "Duplicate topic in request.", [&](const auto& t) {
                  return grow(*ctx, t, req.validate_only, mode, &resp.throttle_time_ms);
                });
        r.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
