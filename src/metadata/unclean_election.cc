#include "metadata/unclean_election.h"

#include <string>

#include "metadata/config_def.h"
#include "metadata/topic_config.h"

namespace eddy::metadata {

bool unclean_election_enabled(const MetadataImage& image, const TopicImage& topic,
                              bool static_default) {
  static const TopicConfigDef* def = find_topic_config("unclean.leader.election.enable");
  const ResolvedValue v = resolve_topic_value(
      *def, topic.configs, [&](std::string_view key) -> std::optional<ResolvedValue> {
        if (const auto* dynamic = image.broker_configs("")) {
          if (auto it = dynamic->find(std::string(key)); it != dynamic->end()) {
            return ResolvedValue{it->second, ConfigSource::kDynamicDefaultBroker};
          }
        }
        return ResolvedValue{static_default ? "true" : "false", ConfigSource::kStaticBroker};
      });
  const Result<bool> enabled = parse_config_bool(v.value.value_or(""));
  return enabled.is_ok() && *enabled;
}

}  // namespace eddy::metadata
