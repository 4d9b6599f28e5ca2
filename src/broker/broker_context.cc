#include "broker/broker_context.h"

#include "broker/controller_channel.h"
#include "broker/forwarding_manager.h"
#include "broker/replica/replica_types.h"
#include "log/log_config.h"

namespace eddy::broker {

using metadata::ConfigSource;
using metadata::ResolvedValue;

void BrokerContext::commit(metadata::MetadataService::Plan plan, bool validate_only,
                           std::function<void(metadata::ControllerResult)> done) const {
  auto shared_done = std::make_shared<std::function<void(metadata::ControllerResult)>>(done);
  ControllerTask task;
  task.run = [store = metadata, plan = std::move(plan), validate_only, shared_done] {
    (*shared_done)(store->commit(plan, validate_only));
  };
  task.drop = [shared_done] {
    (*shared_done)(metadata::ControllerResult::error(protocol::ErrorCode::kUnknownServerError,
                                                     "controller queue is full or stopping"));
  };
  controller_queue->submit(std::move(task));
}

void BrokerContext::create_topic(metadata::CreateTopicSpec spec,
                                 std::function<void(metadata::ControllerResult)> done) const {
  auto shared_done = std::make_shared<std::function<void(metadata::ControllerResult)>>(done);
  if (forwarding != nullptr && !metadata->is_active_controller()) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(controller_channel->timeout_ms());
    forward_create_topics(
        *forwarding, {spec}, deadline,
        [this, spec, shared_done](std::optional<std::vector<metadata::ControllerResult>> r) {
          if (r) return (*shared_done)(r->front());
          create_topic_here(spec,
                            shared_done);  // this node became the controller, or none answered
        });
    return;
  }
  create_topic_here(std::move(spec), shared_done);
}

void BrokerContext::create_topic_here(
    metadata::CreateTopicSpec spec,
    std::shared_ptr<std::function<void(metadata::ControllerResult)>> done) const {
  ControllerTask task;
  task.run = [this, spec = std::move(spec), done] {
    if (controller_channel != nullptr && !metadata->is_active_controller()) {
      return (*done)(metadata::ControllerResult::error(protocol::ErrorCode::kNotController,
                                                       "no active controller answered"));
    }
    (*done)(metadata->commit(
        [this, &spec](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* out) {
          if (image.topic(spec.name) != nullptr) return metadata::ControllerResult{};
          return controller->create_topic(image, spec, out);
        }));
  };
  task.drop = [done] {
    (*done)(metadata::ControllerResult::error(protocol::ErrorCode::kUnknownServerError,
                                              "controller queue is full or stopping"));
  };
  controller_queue->submit(std::move(task));
}

metadata::BrokerValueLookup BrokerContext::broker_lookup(
    const metadata::MetadataImage& image) const {
  const auto* per_node = image.broker_configs(std::to_string(node_id));
  const auto* cluster = image.broker_configs("");
  const BrokerConfig* cfg = config;
  // Copies: the lookup may outlive this call (DescribeConfigs resolves many keys with it).
  auto node_values = per_node ? *per_node : std::map<std::string, std::string>{};
  auto cluster_values = cluster ? *cluster : std::map<std::string, std::string>{};
  return [node_values, cluster_values, cfg](std::string_view key) -> std::optional<ResolvedValue> {
    std::string k(key);
    if (auto it = node_values.find(k); it != node_values.end()) {
      return ResolvedValue{it->second, ConfigSource::kDynamicBroker};
    }
    if (auto it = cluster_values.find(k); it != cluster_values.end()) {
      return ResolvedValue{it->second, ConfigSource::kDynamicDefaultBroker};
    }
    if (cfg->is_explicit(key)) return ResolvedValue{cfg->value(key), ConfigSource::kStaticBroker};
    return std::nullopt;
  };
}

std::optional<std::string> BrokerContext::policy_default(std::string_view topic_key) const {
  auto policy = log::parse_flush_policy(config->get_string("log.flush.policy"));
  bool sync = !policy || *policy == log::FlushPolicy::kSync;
  if (topic_key == "preallocate") {
    log::LogConfig c;
    c.flush_policy = sync ? log::FlushPolicy::kSync : log::FlushPolicy::kInterval;
    return c.preallocate_enabled() ? "true" : "false";
  }
  if (topic_key == "flush.ms") {
    if (sync) return "0";
    return std::string(metadata::find_topic_config("flush.ms")->broker_default.value_or("0"));
  }
  return std::nullopt;
}

PartitionSettings BrokerContext::partition_settings(const metadata::MetadataImage& image,
                                                    const metadata::TopicImage& topic) const {
  metadata::TopicConfig t = metadata::resolve_topic_config(topic.configs, broker_lookup(image));
  PartitionSettings s;
  s.topic_id = topic.id;
  log::LogConfig& c = s.log_config;
  c.segment_bytes = t.segment_bytes;
  c.segment_ms = t.segment_ms;
  c.segment_index_bytes = t.segment_index_bytes;
  c.retention_ms = t.retention_ms;
  c.retention_bytes = t.retention_bytes;
  c.index_interval_bytes = t.index_interval_bytes;
  c.max_message_bytes = t.max_message_bytes;
  c.message_timestamp_type = t.log_append_time ? records::TimestampType::kLogAppendTime
                                               : records::TimestampType::kCreateTime;
  auto policy = log::parse_flush_policy(config->get_string("log.flush.policy"));
  c.flush_policy = policy ? *policy : log::FlushPolicy::kSync;
  // flush.ms and preallocate set nowhere (topic, dynamic broker, static file): the defaults that
  // follow the flush policy, the same values DescribeConfigs reports.
  auto set_nowhere = [&](std::string_view key) {
    return metadata::resolve_topic_value(*metadata::find_topic_config(key), topic.configs,
                                         broker_lookup(image))
               .source == ConfigSource::kDefault;
  };
  c.flush_ms = t.flush_ms;
  if (set_nowhere("flush.ms")) {
    auto ms = metadata::parse_config_long(*policy_default("flush.ms"));
    c.flush_ms = ms ? *ms : 0;
  }
  // The log's own default for an unset preallocate is the same policy rule (docs/storage.md,
  // "Preallocation").
  if (!set_nowhere("preallocate")) c.preallocate = t.preallocate;
  c.cleanup_compact = t.cleanup_compact;
  c.cleanup_delete = t.cleanup_delete;
  c.min_cleanable_dirty_ratio = t.min_cleanable_dirty_ratio;
  c.delete_retention_ms = t.delete_retention_ms;
  c.min_compaction_lag_ms = t.min_compaction_lag_ms;
  c.max_compaction_lag_ms = t.max_compaction_lag_ms;
  s.min_insync_replicas = static_cast<int32_t>(t.min_insync_replicas);
  s.compacted = t.cleanup_compact;
  return s;
}

}  // namespace eddy::broker
