#include "metadata/topic_config.h"

#include <limits>

namespace eddy::metadata {
namespace {

constexpr int64_t kLongMax = std::numeric_limits<int64_t>::max();
constexpr std::string_view kLongMaxText = "9223372036854775807";

std::vector<TopicConfigDef> make_defs() {
  using T = ConfigType;
  return {
      {{"cleanup.policy",
        T::kList,
        "delete",
        "Delete old segments by time/size, compact by key, or both.",
        0,
        0,
        {"delete", "compact"}},
       "log.cleanup.policy"},
      {{"compression.type",
        T::kString,
        "producer",
        "Codec of stored batches; 'producer' keeps the producer's codec.",
        0,
        0,
        {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
       "compression.type"},
      {{"delete.retention.ms", T::kLong, "86400000",
        "How long delete tombstones are kept in compacted topics.", 0},
       "log.cleaner.delete.retention.ms"},
      {{"file.delete.delay.ms", T::kLong, "60000",
        "Delay before a deleted segment's files are removed.", 0},
       "log.segment.delete.delay.ms"},
      {{"flush.messages", T::kLong, kLongMaxText,
        "Force an fsync after this many messages (interval flush policy).", 1},
       "log.flush.interval.messages"},
      {{"flush.ms", T::kLong, kLongMaxText,
        "Force an fsync after this many milliseconds (interval flush policy).", 0},
       "log.flush.interval.ms"},
      {{"index.interval.bytes", T::kInt, "4096", "Bytes of log between two offset index entries.",
        0},
       "log.index.interval.bytes"},
      {{"max.compaction.lag.ms", T::kLong, kLongMaxText,
        "Longest time a record stays ineligible for compaction.", 1},
       "log.cleaner.max.compaction.lag.ms"},
      {{"max.message.bytes", T::kInt, "1048588", "Largest record batch the topic accepts.", 0},
       "message.max.bytes"},
      {{"message.timestamp.type",
        T::kString,
        "CreateTime",
        "Keep the producer's timestamp or stamp the broker's append time.",
        0,
        0,
        {"CreateTime", "LogAppendTime"}},
       "log.message.timestamp.type"},
      {{"min.cleanable.dirty.ratio", T::kDouble, "0.5",
        "Dirty fraction of the log that triggers compaction.", 0, 1},
       "log.cleaner.min.cleanable.ratio"},
      {{"min.compaction.lag.ms", T::kLong, "0", "Shortest time a record stays uncompacted.", 0},
       "log.cleaner.min.compaction.lag.ms"},
      {{"min.insync.replicas", T::kInt, "1", "In-sync replicas an acks=all write needs.", 1},
       "min.insync.replicas"},
      {{"preallocate", T::kBoolean, "false",
        "Keep a zero-filled tail ahead of the active segment's end so fsyncs overwrite. Unset: "
        "on with flush.policy=sync, off with interval.",
        0},
       "log.preallocate"},
      {{"retention.bytes", T::kLong, "-1",
        "Per-partition size above which old segments are deleted; -1 = no limit."},
       "log.retention.bytes"},
      {{"retention.ms", T::kLong, "604800000",
        "Age after which old segments are deleted; -1 = forever.", -1},
       "log.retention.ms"},
      {{"segment.bytes", T::kInt, "1073741824", "Size at which a new segment is rolled.", 14},
       "log.segment.bytes"},
      {{"segment.index.bytes", T::kInt, "10485760", "Maximum size of a segment's offset index.", 4},
       "log.index.size.max.bytes"},
      {{"segment.jitter.ms", T::kLong, "0", "Random jitter subtracted from segment.ms.", 0},
       "log.roll.jitter.ms"},
      {{"segment.ms", T::kLong, "604800000", "Age at which a new segment is rolled.", 1},
       "log.roll.ms"},
      {{"unclean.leader.election.enable", T::kBoolean, "false",
        "Allow an out-of-sync replica to become leader (loses data).", 0},
       "unclean.leader.election.enable"},
  };
}

int64_t as_long(const ResolvedValue& v, int64_t fallback) {
  if (!v.value) return fallback;
  auto r = parse_config_long(*v.value);
  return r ? *r : fallback;
}

}  // namespace

const std::vector<TopicConfigDef>& topic_config_defs() {
  static const std::vector<TopicConfigDef> defs = make_defs();
  return defs;
}

const TopicConfigDef* find_topic_config(std::string_view name) {
  for (const auto& d : topic_config_defs()) {
    if (d.def.name == name) return &d;
  }
  return nullptr;
}

Status validate_topic_configs(const std::map<std::string, std::string>& overrides) {
  for (const auto& [name, value] : overrides) {
    const TopicConfigDef* def = find_topic_config(name);
    if (def == nullptr) return invalid_argument("unknown topic config key '" + name + "'");
    EDDY_RETURN_IF_ERROR(validate_config_value(def->def, value));
  }
  return Status::ok();
}

ResolvedValue resolve_topic_value(const TopicConfigDef& def,
                                  const std::map<std::string, std::string>& overrides,
                                  const BrokerValueLookup& broker) {
  if (auto it = overrides.find(std::string(def.def.name)); it != overrides.end()) {
    return {it->second, ConfigSource::kDynamicTopic};
  }
  if (broker) {
    if (auto v = broker(def.broker_synonym)) return *v;
  }
  ResolvedValue out;
  if (def.def.default_value) out.value = std::string(*def.def.default_value);
  return out;
}

TopicConfig resolve_topic_config(const std::map<std::string, std::string>& overrides,
                                 const BrokerValueLookup& broker) {
  auto get = [&](std::string_view name) {
    return resolve_topic_value(*find_topic_config(name), overrides, broker);
  };
  TopicConfig c;
  c.retention_ms = as_long(get("retention.ms"), 604800000);
  c.retention_bytes = as_long(get("retention.bytes"), -1);
  c.segment_bytes = as_long(get("segment.bytes"), 1073741824);
  c.segment_ms = as_long(get("segment.ms"), 604800000);
  c.segment_index_bytes = as_long(get("segment.index.bytes"), 10485760);
  c.index_interval_bytes = as_long(get("index.interval.bytes"), 4096);
  c.max_message_bytes = as_long(get("max.message.bytes"), 1048588);
  c.min_insync_replicas = as_long(get("min.insync.replicas"), 1);
  c.flush_messages = as_long(get("flush.messages"), kLongMax);
  c.flush_ms = as_long(get("flush.ms"), kLongMax);
  c.delete_retention_ms = as_long(get("delete.retention.ms"), 86400000);
  c.min_compaction_lag_ms = as_long(get("min.compaction.lag.ms"), 0);
  c.max_compaction_lag_ms = as_long(get("max.compaction.lag.ms"), kLongMax);
  auto ratio = get("min.cleanable.dirty.ratio");
  auto parsed_ratio = parse_config_double(ratio.value.value_or("0.5"));
  c.min_cleanable_dirty_ratio = parsed_ratio ? *parsed_ratio : 0.5;
  auto policy = split_config_list(get("cleanup.policy").value.value_or("delete"));
  c.cleanup_delete = false;
  c.cleanup_compact = false;
  for (const auto& p : policy) {
    if (p == "delete") c.cleanup_delete = true;
    if (p == "compact") c.cleanup_compact = true;
  }
  c.log_append_time = get("message.timestamp.type").value.value_or("") == "LogAppendTime";
  auto pre = parse_config_bool(get("preallocate").value.value_or("false"));
  c.preallocate = pre && *pre;
  auto unclean = parse_config_bool(get("unclean.leader.election.enable").value.value_or("false"));
  c.unclean_leader_election = unclean && *unclean;
  c.compression_type = get("compression.type").value.value_or("producer");
  return c;
}

}  // namespace eddy::metadata
