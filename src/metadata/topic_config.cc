#include "metadata/topic_config.h"

#include "metadata/replication_throttle_config.h"

namespace eddy::metadata {
namespace {

constexpr std::string_view kLongMaxText = "9223372036854775807";

// Kafka's floor for segment.bytes and log.segment.bytes (LogConfig, since 4.0). The log itself
// needs a batch header (61 bytes) per segment and caps a batch at segment.bytes; far below a
// megabyte every few records roll a segment (three files each), which is how a client that could
// set it made every new topic unusable.
constexpr int64_t kMinSegmentBytes = 1 << 20;
// One offset index entry (8 bytes): the log refuses a smaller index, which could never hold one.
// Kafka's floor is 4, an index that is always full.
constexpr int64_t kMinSegmentIndexBytes = 8;

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
       "log.flush.interval.ms",
       "1000"},
      // No broker key is the default of the throttled-replica lists ("" below).
      {throttled_replicas_def(kFollowerThrottledReplicas,
                              "Replicas (partition:broker,... or '*') whose follower fetches "
                              "follower.replication.throttled.rate limits."),
       ""},
      {{"index.interval.bytes", T::kInt, "4096", "Bytes of log between two offset index entries.",
        0},
       "log.index.interval.bytes"},
      {throttled_replicas_def(
           kLeaderThrottledReplicas,
           "Replicas (partition:broker,... or '*') whose leader limits what it "
           "sends to out-of-sync followers to leader.replication.throttled.rate."),
       ""},
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
        "on with log.flush.policy=sync, off with interval.",
        0},
       "log.preallocate"},
      {{"retention.bytes", T::kLong, "-1",
        "Per-partition size above which old segments are deleted; -1 = no limit.", -1},
       "log.retention.bytes"},
      {{"retention.ms", T::kLong, "604800000",
        "Age after which old segments are deleted; -1 = forever.", -1},
       "log.retention.ms"},
      {{"segment.bytes", T::kInt, "1073741824", "Size at which a new segment is rolled.",
        kMinSegmentBytes},
       "log.segment.bytes"},
      {{"segment.index.bytes", T::kInt, "10485760", "Maximum size of a segment's offset index.",
        kMinSegmentIndexBytes},
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

std::vector<ConfigDef> make_broker_synonym_defs() {
  std::vector<ConfigDef> out;
  for (const TopicConfigDef& t : topic_config_defs()) {
    if (t.broker_synonym.empty()) continue;
    ConfigDef d = t.def;
    d.name = t.broker_synonym;
    if (t.broker_default) d.default_value = t.broker_default;
    out.push_back(std::move(d));
  }
  return out;
}

bool valid(const ConfigDef& def, const std::string& value) {
  return validate_config_value(def, value).is_ok();
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

const std::vector<ConfigDef>& broker_synonym_config_defs() {
  static const std::vector<ConfigDef> defs = make_broker_synonym_defs();
  return defs;
}

const ConfigDef* find_broker_synonym_config(std::string_view name) {
  return find_config_def(broker_synonym_config_defs(), name);
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
  if (auto it = overrides.find(std::string(def.def.name));
      it != overrides.end() && valid(def.def, it->second)) {
    return {it->second, ConfigSource::kDynamicTopic};
  }
  if (broker && !def.broker_synonym.empty()) {
    if (auto v = broker(def.broker_synonym); v && v->value && valid(def.def, *v->value)) return *v;
  }
  ResolvedValue out;
  if (def.def.default_value) out.value = std::string(*def.def.default_value);
  return out;
}

TopicConfig resolve_topic_config(const std::map<std::string, std::string>& overrides,
                                 const BrokerValueLookup& broker) {
  // Every value resolved here passed its key's validation (or is the key's default), so parsing
  // cannot fail.
  auto get = [&](std::string_view name) {
    return resolve_topic_value(*find_topic_config(name), overrides, broker).value.value_or("");
  };
  auto get_long = [&](std::string_view name) {
    auto v = parse_config_long(get(name));
    return v ? *v : 0;
  };
  auto get_bool = [&](std::string_view name) {
    auto v = parse_config_bool(get(name));
    return v && *v;
  };
  TopicConfig c;
  c.retention_ms = get_long("retention.ms");
  c.retention_bytes = get_long("retention.bytes");
  c.segment_bytes = get_long("segment.bytes");
  c.segment_ms = get_long("segment.ms");
  c.segment_index_bytes = get_long("segment.index.bytes");
  c.index_interval_bytes = get_long("index.interval.bytes");
  c.max_message_bytes = get_long("max.message.bytes");
  c.min_insync_replicas = get_long("min.insync.replicas");
  c.flush_messages = get_long("flush.messages");
  c.flush_ms = get_long("flush.ms");
  c.delete_retention_ms = get_long("delete.retention.ms");
  c.min_compaction_lag_ms = get_long("min.compaction.lag.ms");
  c.max_compaction_lag_ms = get_long("max.compaction.lag.ms");
  auto ratio = parse_config_double(get("min.cleanable.dirty.ratio"));
  c.min_cleanable_dirty_ratio = ratio ? *ratio : 0;
  c.cleanup_delete = false;
  c.cleanup_compact = false;
  for (const auto& p : split_config_list(get("cleanup.policy"))) {
    if (p == "delete") c.cleanup_delete = true;
    if (p == "compact") c.cleanup_compact = true;
  }
  c.log_append_time = get("message.timestamp.type") == "LogAppendTime";
  c.preallocate = get_bool("preallocate");
  c.unclean_leader_election = get_bool("unclean.leader.election.enable");
  c.compression_type = get("compression.type");
  return c;
}

}  // namespace eddy::metadata
