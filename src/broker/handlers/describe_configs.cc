// DescribeConfigs (key 32): TOPIC (2), BROKER (4) and GROUP (32) resources. Every topic or group
// key is listed with its effective value and source (override, broker synonym or built-in
// default); with include_synonyms, the whole chain. BROKER resources must name this node (every
// broker key) or be "" (only the keys set as cluster-wide dynamic defaults). A GROUP resource is
// any non-empty group id, as in Kafka (a group that does not exist shows the defaults).
#include "protocol/generated/describe_configs.h"

#include <set>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/config_entries.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::DescribeConfigsRequest;
using protocol::DescribeConfigsResponse;

DescribeConfigsResponse::DescribeConfigsResult describe(
    const BrokerContext& ctx, const metadata::MetadataImage& image,
    const DescribeConfigsRequest::DescribeConfigsResource& res, const DescribeConfigsRequest& req,
    int16_t version) {
  DescribeConfigsResponse::DescribeConfigsResult out;
  out.resource_type = res.resource_type;
  out.resource_name = res.resource_name;
  std::set<std::string> keys;
  if (res.configuration_keys)
    keys.insert(res.configuration_keys->begin(), res.configuration_keys->end());
  std::vector<ConfigEntry> entries;
  if (res.resource_type == metadata::kTopicResource) {
    const metadata::TopicImage* t = image.topic(res.resource_name);
    if (t == nullptr) {
      out.error_code = error_code(protocol::ErrorCode::kUnknownTopicOrPartition);
      out.error_message = "Topic '" + res.resource_name + "' does not exist.";
      return out;
    }
    entries = topic_config_entries(ctx, image, *t, keys);
  } else if (res.resource_type == metadata::kBrokerResource) {
    if (!res.resource_name.empty() && res.resource_name != std::to_string(ctx.node_id)) {
      out.error_code = error_code(protocol::ErrorCode::kInvalidRequest);
      out.error_message = "unexpected broker id, expected " + std::to_string(ctx.node_id);
      return out;
    }
    entries = broker_config_entries(ctx, image, keys, !res.resource_name.empty());
  } else if (res.resource_type == metadata::kGroupResource) {
    if (res.resource_name.empty()) {
      out.error_code = error_code(protocol::ErrorCode::kInvalidRequest);
      out.error_message = "Group name must not be empty";
      return out;
    }
    entries = group_config_entries(ctx, image, res.resource_name, keys);
  } else {
    out.error_code = error_code(protocol::ErrorCode::kInvalidRequest);
    out.error_message = "unsupported resource type " + std::to_string(res.resource_type);
    return out;
  }
  for (const auto& e : entries) {
    DescribeConfigsResponse::DescribeConfigsResourceResult c;
    c.name = e.name;
    c.value = e.value;
    c.read_only = e.read_only;
    c.is_default = e.source == metadata::ConfigSource::kDefault;
    c.config_source = static_cast<int8_t>(e.source);
    c.is_sensitive = false;
    c.config_type = static_cast<int8_t>(e.type);
    if (req.include_documentation) c.documentation = e.documentation;
    if (req.include_synonyms && version >= 1) {
      for (const auto& s : e.synonyms) {
        c.synonyms.push_back({s.name, s.value, static_cast<int8_t>(s.source), {}});
      }
    }
    out.configs.push_back(std::move(c));
  }
  return out;
}

}  // namespace

void register_describe_configs(HandlerRegistry& registry, const BrokerContext& context) {
  const BrokerContext* ctx = &context;
  add_immediate_handler<DescribeConfigsRequest>(
      registry, api_spec(protocol::ApiKey::kDescribeConfigs),
      [ctx](const DescribeConfigsRequest& req, int16_t version) {
        auto image = ctx->metadata->image();
        DescribeConfigsResponse resp;
        for (const auto& res : req.resources) {
          resp.results.push_back(describe(*ctx, *image, res, req, version));
        }
        return resp;
      });
}

}  // namespace eddy::broker
