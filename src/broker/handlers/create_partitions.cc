// CreatePartitions (key 37): grows a topic to `count` partitions, with an optional replica
// assignment for the new ones. Each topic is its own commit; a topic named twice is
// INVALID_REQUEST.
#include "protocol/generated/create_partitions.h"

#include <vector>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::CreatePartitionsRequest;
using protocol::CreatePartitionsResponse;

CreatePartitionsResponse::CreatePartitionsTopicResult grow(
    const BrokerContext& ctx, const CreatePartitionsRequest::CreatePartitionsTopic& t,
    bool validate_only) {
  CreatePartitionsResponse::CreatePartitionsTopicResult out;
  out.name = t.name;
  std::vector<std::vector<int32_t>> assignments;
  if (t.assignments) {
    for (const auto& a : *t.assignments) assignments.push_back(a.broker_ids);
  }
  metadata::ControllerResult r = ctx.metadata->commit(
      [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* batch) {
        return ctx.controller->create_partitions(image, t.name, t.count, assignments, batch);
      },
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
        resp.results =
            answer_each_topic_once<CreatePartitionsResponse::CreatePartitionsTopicResult>(
                req.topics, "Duplicate topic in request.",
                [&](const auto& t) { return grow(*ctx, t, req.validate_only); });
        r.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
