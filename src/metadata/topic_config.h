#pragma once
// Topic-level configs under Kafka's names, each with the broker key that supplies its default
// (Kafka's "synonym"): a topic's effective retention.ms is its own override if set, else the
// broker's log.retention.ms, else the built-in default. DescribeConfigs reports the same chain.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "metadata/config_def.h"

namespace eddy::metadata {

struct TopicConfigDef {
  ConfigDef def;
  std::string_view broker_synonym;  // empty: none (the key's own default applies)
  // The broker key's own default where it differs from the topic key's (log.flush.interval.ms
  // bounds unsynced data under the interval flush policy; flush.ms defaults to never).
  std::optional<std::string_view> broker_default = std::nullopt;
};

const std::vector<TopicConfigDef>& topic_config_defs();
const TopicConfigDef* find_topic_config(std::string_view name);

// The broker keys that supply the topic keys' defaults (log.segment.bytes for segment.bytes), as
// ConfigDefs of their own: the topic key's type, bounds and allowed values under the broker's
// name. They are the one definition of those keys: the broker's config table, its static file and
// AlterConfigs on a BROKER resource all validate with them, so a value a topic would refuse is
// refused for its broker default too.
const std::vector<ConfigDef>& broker_synonym_config_defs();
const ConfigDef* find_broker_synonym_config(std::string_view name);

// Validates a set of topic overrides (CreateTopics configs, AlterConfigs): every key known, every
// value valid. The first problem wins; its message names the key.
Status validate_topic_configs(const std::map<std::string, std::string>& overrides);

// Effective typed values for one topic, what the partition logs are configured with.
struct TopicConfig {
  int64_t retention_ms = 0;
  int64_t retention_bytes = 0;
  int64_t segment_bytes = 0;
  int64_t segment_ms = 0;
  int64_t segment_index_bytes = 0;
  int64_t index_interval_bytes = 0;
  int64_t max_message_bytes = 0;
  int64_t min_insync_replicas = 0;
  int64_t flush_messages = 0;
  int64_t flush_ms = 0;
  int64_t delete_retention_ms = 0;
  int64_t min_compaction_lag_ms = 0;
  int64_t max_compaction_lag_ms = 0;
  double min_cleanable_dirty_ratio = 0;
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  bool log_append_time = false;  // message.timestamp.type=LogAppendTime
  bool preallocate = false;
  bool unclean_leader_election = false;
  std::string compression_type;
};

// Where a config value comes from, in Kafka's DescribeConfigs source numbering.
enum class ConfigSource : int8_t {
  kDynamicTopic = 1,
  kDynamicBroker = 2,
  kDynamicDefaultBroker = 3,
  kStaticBroker = 4,
  kDefault = 5,
  kGroup = 8,  // a GROUP resource's own override (Kafka's GROUP_CONFIG)
};

struct ResolvedValue {
  std::optional<std::string> value;
  ConfigSource source = ConfigSource::kDefault;
};

// Looks up a broker-level key; nullopt when the broker has no explicit value for it.
using BrokerValueLookup = std::function<std::optional<ResolvedValue>(std::string_view)>;

// The value of one topic key: override, else broker synonym, else default. A stored value its
// key's definition refuses (written before a bound was tightened) is passed over, so it can never
// reach a partition log.
ResolvedValue resolve_topic_value(const TopicConfigDef& def,
                                  const std::map<std::string, std::string>& overrides,
                                  const BrokerValueLookup& broker);

TopicConfig resolve_topic_config(const std::map<std::string, std::string>& overrides,
                                 const BrokerValueLookup& broker);

}  // namespace eddy::metadata
