#include "broker/handlers/alter_configs_common.h"

#include "broker/config/broker_config.h"
#include "broker/config/kafka_compat.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

AlterOutcome alter_resource(const BrokerContext& ctx, int8_t resource_type,
                            const std::string& resource_name,
                            const std::vector<metadata::ConfigChange>& changes, bool replace_all,
                            bool validate_only) {
  metadata::ControllerResult r;
  if (resource_type == metadata::kTopicResource) {
    r = ctx.metadata->commit(
        [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* batch) {
          return ctx.controller->alter_topic_configs(image, resource_name, changes, replace_all,
                                                     batch);
        },
        validate_only);
  } else if (resource_type == metadata::kBrokerResource) {
    // A key of the broker's static table that no dynamic level knows is read-only: Kafka's
    // answer (INVALID_REQUEST, "Cannot update these configs dynamically"), naming the remedy,
    // rather than the controller's "unknown config key".
    std::string read_only;
    for (const auto& ch : changes) {
      // A Kafka key Eddy ignores in its config file (num.network.threads, ...) is refused with
      // the reason the file's warning gives, not as an unknown key.
      auto ignored = ignored_kafka_keys().find(ch.name);
      if (ignored != ignored_kafka_keys().end()) {
        return {error_code(protocol::ErrorCode::kInvalidRequest),
                ch.name + " is a Kafka broker config that does not apply to Eddy (" +
                    std::string(ignored->second) + ")"};
      }
      if (find_broker_config(ch.name) != nullptr &&
          metadata::dynamic_broker_config(ch.name) == nullptr) {
        read_only += (read_only.empty() ? "" : ", ") + ch.name;
      }
    }
    if (!read_only.empty()) {
      return {error_code(protocol::ErrorCode::kInvalidRequest),
              "Cannot update these configs dynamically: Set(" + read_only +
                  "): read-only broker config, restart required (set it in the config file)"};
    }
    r = ctx.metadata->commit(
        [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* batch) {
          return ctx.controller->alter_broker_configs(image, resource_name, changes, replace_all,
                                                      batch);
        },
        validate_only);
  } else if (resource_type == metadata::kGroupResource) {
    r = ctx.metadata->commit(
        [&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* batch) {
          return ctx.controller->alter_group_configs(image, resource_name, changes, replace_all,
                                                     batch);
        },
        validate_only);
  } else {
    return {error_code(protocol::ErrorCode::kInvalidRequest),
            "unsupported resource type " + std::to_string(resource_type)};
  }
  if (r.ok()) return {};
  return {error_code(r.code), r.message};
}

}  // namespace eddy::broker
