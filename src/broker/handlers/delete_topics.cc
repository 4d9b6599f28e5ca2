// DeleteTopics (key 20): by name (v0-5, and v6 entries with a name) or by topic id (v6). Each
// topic is its own commit; its partitions' logs are removed as the commit is applied.
//
// No client deletes an internal or reserved topic (__consumer_offsets: every group's offsets and
// state). Kafka leaves that to ACLs (DELETE on the topic; kafka-topics.sh refuses internal topics
// on the client side) and answers a client without them TOPIC_AUTHORIZATION_FAILED; eddyd has no
// ACLs, so it answers every client as Kafka answers one that may not delete the topic.
#include "protocol/generated/delete_topics.h"

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"
#include "metadata/topic_name.h"

namespace eddy::broker {

namespace {

using protocol::DeleteTopicsRequest;
using protocol::DeleteTopicsResponse;

DeleteTopicsResponse::DeletableTopicResult delete_one(const BrokerContext& ctx,
                                                      const std::optional<std::string>& name,
                                                      const Uuid& id) {
  DeleteTopicsResponse::DeletableTopicResult out;
  out.name = name;
  out.topic_id = id;
  std::string topic;
  if (name) {
    topic = *name;
    if (!metadata::validate_topic_name(topic)) {
      out.error_code = error_code(protocol::ErrorCode::kUnknownTopicOrPartition);
      out.error_message = "invalid topic name";
      return out;
    }
  } else {
    // Held while `t` is read: a newer image may replace it meanwhile.
    const auto image = ctx.metadata->image();
    const metadata::TopicImage* t = image->topic_by_id(id);
    if (id.is_zero() || t == nullptr) {
      out.error_code = error_code(protocol::ErrorCode::kUnknownTopicId);
      out.error_message = "unknown topic id";
      return out;
    }
    topic = t->name;
    out.name = topic;
  }
  if (metadata::is_reserved_topic_name(topic)) {
    out.error_code = error_code(protocol::ErrorCode::kTopicAuthorizationFailed);
    out.error_message = "Deletion of internal topic " + topic + " is prohibited.";
    return out;
  }
  if (const auto image = ctx.metadata->image(); const auto* t = image->topic(topic)) {
    out.topic_id = t->id;
  }
  metadata::ControllerResult r = ctx.metadata->commit(
      [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* batch) {
        return ctx.controller->delete_topic(image, topic, batch);
      });
  if (!r.ok()) {
    out.error_code = error_code(r.code);
    out.error_message = r.message;
  }
  return out;
}

}  // namespace

void register_delete_topics(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_controller_handler<DeleteTopicsRequest>(
      registry, context, protocol::ApiKey::kDeleteTopics,
      [ctx](const DeleteTopicsRequest& req, int16_t version, Responder& r) {
        DeleteTopicsResponse resp;
        for (const auto& name : req.topic_names) {
          resp.responses.push_back(delete_one(*ctx, name, {}));
        }
        for (const auto& t : req.topics) {
          resp.responses.push_back(delete_one(*ctx, t.name, t.topic_id));
        }
        r.respond(encode_response(resp, version));
      });
}

}  // namespace eddy::broker
