#pragma once
// The effective configs of a topic, a group or this broker as DescribeConfigs (and CreateTopics
// v5+) report them: value, where it comes from, and the chain of synonyms a client shows as "why".

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/broker_context.h"
#include "metadata/config_def.h"

namespace eddy::broker {

struct ConfigSynonym {
  std::string name;
  std::optional<std::string> value;
  metadata::ConfigSource source;
};

struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;
  metadata::ConfigSource source = metadata::ConfigSource::kDefault;
  bool read_only = false;
  metadata::ConfigType type = metadata::ConfigType::kString;
  std::string documentation;
  std::vector<ConfigSynonym> synonyms;  // strongest first, the entry's own source included
};

// `keys` empty means every key. per_broker: this node's resource ("1"), every key with its
// effective value; otherwise the cluster-wide resource (""), which, as in Kafka, lists only the
// keys set as dynamic cluster defaults (source DYNAMIC_DEFAULT_BROKER_CONFIG), so
// `kafka-configs --entity-default` sees those and nothing else.
std::vector<ConfigEntry> topic_config_entries(const BrokerContext& ctx,
                                              const metadata::MetadataImage& image,
                                              const metadata::TopicImage& topic,
                                              const std::set<std::string>& keys);
// A group's configs (any group id: one without overrides shows the defaults). Each key without an
// override takes its broker synonym's value (group.consumer.session.timeout.ms for
// consumer.session.timeout.ms), as in Kafka; internal keys are listed only where overridden.
std::vector<ConfigEntry> group_config_entries(const BrokerContext& ctx,
                                              const metadata::MetadataImage& image,
                                              const std::string& group,
                                              const std::set<std::string>& keys);
std::vector<ConfigEntry> broker_config_entries(const BrokerContext& ctx,
                                               const metadata::MetadataImage& image,
                                               const std::set<std::string>& keys, bool per_broker);

}  // namespace eddy::broker
