#include "metadata/group_config.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace eddy::metadata {
namespace {

using T = ConfigType;

Status bad(std::string message) { return invalid_argument(std::move(message)); }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Kafka's ShareGroupAutoOffsetResetStrategy.Validator: earliest, latest, or
// by_duration:<ISO 8601 duration> (PnDTnHnMn.nS, not negative), case aside.
Status check_auto_offset_reset(const ConfigDef& def, std::string_view value) {
  std::string v = lower(value);
  if (v == "earliest" || v == "latest") return Status::ok();
  constexpr std::string_view kByDuration = "by_duration:";
  if (v.starts_with(kByDuration)) {
    std::string_view d = std::string_view(v).substr(kByDuration.size());
    bool ok = d.size() > 1 && d[0] == 'p' && std::all_of(d.begin() + 1, d.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
                       std::string_view("dthms").find(c) != std::string_view::npos;
              });
    if (ok) return Status::ok();
    return bad("Invalid value " + std::string(value) + " for configuration " +
               std::string(def.name) + ": Invalid duration in " + std::string(value));
  }
  return bad("Invalid value " + std::string(value) + " for configuration " + std::string(def.name) +
             ": Invalid value `" + std::string(value) + "` for " + std::string(def.name) +
             ". Valid values are earliest, latest and by_duration.");
}

// A list of distinct tag keys (Kafka's ValidList.anyNonDuplicateValues(true, false)).
Status check_rack_aware_tags(const ConfigDef& def, std::string_view value) {
  std::set<std::string> seen;
  for (const auto& tag : split_config_list(value)) {
    if (tag.empty()) {
      return bad("Invalid value " + std::string(value) + " for configuration " +
                 std::string(def.name) + ": an empty tag key");
    }
    if (!seen.insert(tag).second) {
      return bad(std::string(def.name) + " must not contain duplicate tag keys.");
    }
  }
  return Status::ok();
}

}  // namespace

const std::vector<GroupConfigDef>& group_config_defs() {
  // Kafka 4.4.0's GroupConfig, in its order. Ranges are GroupConfig's own (atLeast); the broker's
  // min/max keys narrow them in validate_group_configs.
  static const std::vector<GroupConfigDef> defs = {
      {{"consumer.session.timeout.ms", T::kInt, "45000",
        "The timeout to detect client failures when using the consumer group protocol.", 1},
       "group.consumer.session.timeout.ms"},
      {{"consumer.heartbeat.interval.ms", T::kInt, "5000",
        "The heartbeat interval given to the members of a consumer group.", 1},
       "group.consumer.heartbeat.interval.ms"},
      {{"consumer.assignment.interval.ms", T::kInt, "1000",
        "The interval between assignment updates for a consumer group.", 0},
       "group.consumer.assignment.interval.ms"},
      {{"consumer.assignor.offload.enable", T::kBoolean, "true",
        "Whether to offload consumer group assignment to a group coordinator background thread."},
       "group.consumer.assignor.offload.enable",
       true},
      {{"share.session.timeout.ms", T::kInt, "45000",
        "The timeout to detect client failures when using the share group protocol.", 1},
       "group.share.session.timeout.ms"},
      {{"share.heartbeat.interval.ms", T::kInt, "5000",
        "The heartbeat interval given to the members of a share group.", 1},
       "group.share.heartbeat.interval.ms"},
      {{"share.record.lock.duration.ms", T::kInt, "30000",
        "The record acquisition lock duration in milliseconds for share groups.", 1000},
       "group.share.record.lock.duration.ms"},
      {{"share.delivery.count.limit", T::kInt, "5",
        "The maximum number of delivery attempts for a record delivered to a share group.", 2},
       "group.share.delivery.count.limit"},
      {{"share.partition.max.record.locks", T::kInt, "2000",
        "Share-group record lock limit per share-partition.", 100},
       "group.share.partition.max.record.locks"},
      {{"share.auto.offset.reset",
        T::kString,
        "latest",
        "The strategy to initialize the share-partition start offset: earliest, latest, or "
        "by_duration:<ISO 8601 duration> (the offset that duration before now).",
        std::numeric_limits<int64_t>::min(),
        std::numeric_limits<int64_t>::max(),
        {},
        &check_auto_offset_reset},
       ""},
      {{"share.isolation.level",
        T::kString,
        "read_uncommitted",
        "Controls how to read records written transactionally. If set to \"read_committed\", "
        "the share group will only deliver transactional records which have been committed. If "
        "set to \"read_uncommitted\", the share group will return all messages, even "
        "transactional messages which have been aborted. Non-transactional records will be "
        "returned unconditionally in either mode.",
        std::numeric_limits<int64_t>::min(),
        std::numeric_limits<int64_t>::max(),
        {"read_committed", "read_uncommitted"}},
       ""},
      {{"share.renew.acknowledge.enable", T::kBoolean, "true",
        "Whether the renew acknowledge type is enabled for the share group."},
       ""},
      {{"share.assignment.interval.ms", T::kInt, "1000",
        "The interval between assignment updates for a share group.", 0},
       "group.share.assignment.interval.ms"},
      {{"share.assignor.offload.enable", T::kBoolean, "true",
        "Whether to offload share group assignment to a group coordinator background thread."},
       "group.share.assignor.offload.enable",
       true},
      {{"streams.session.timeout.ms", T::kInt, "45000",
        "The timeout to detect client failures when using the streams group protocol.", 1},
       "group.streams.session.timeout.ms"},
      {{"streams.heartbeat.interval.ms", T::kInt, "5000",
        "The heartbeat interval given to the members.", 1},
       "group.streams.heartbeat.interval.ms"},
      {{"streams.num.standby.replicas", T::kInt, "0",
        "The number of standby replicas for each task.", 0},
       "group.streams.num.standby.replicas"},
      {{"streams.initial.rebalance.delay.ms", T::kInt, "3000",
        "The amount of time the group coordinator will wait for more streams clients to join a "
        "new group before performing the first rebalance. A longer delay means potentially fewer "
        "rebalances.",
        0},
       "group.streams.initial.rebalance.delay.ms"},
      {{"streams.assignment.interval.ms", T::kInt, "1000",
        "The interval between assignment updates for a streams group.", 0},
       "group.streams.assignment.interval.ms"},
      {{"streams.rack.aware.assignment.tags",
        T::kList,
        "",
        "List of client tag keys used to distribute standby replicas across Kafka Streams "
        "instances.",
        std::numeric_limits<int64_t>::min(),
        std::numeric_limits<int64_t>::max(),
        {},
        &check_rack_aware_tags},
       "group.streams.rack.aware.assignment.tags"},
      {{"streams.assignor.offload.enable", T::kBoolean, "true",
        "Whether to offload streams group assignment to a group coordinator background thread."},
       "group.streams.assignor.offload.enable",
       true},
      {{"streams.task.offset.interval.ms", T::kInt, "60000",
        "The interval in which the warmup task changelog offsets on a client are updated on the "
        "broker. The offsets are sent with the next heartbeat after this time has passed.",
        1},
       "group.streams.task.offset.interval.ms",
       true},
      {{"streams.num.warmup.replicas", T::kInt, "2", "The maximum number of warmup task replicas.",
        0},
       "group.streams.num.warmup.replicas",
       true},
      {{"streams.acceptable.recovery.lag", T::kLong, "10000",
        "The maximum acceptable lag (number of offsets to catch up) for a client to be "
        "considered caught-up enough to receive an active task assignment.",
        0},
       "group.streams.acceptable.recovery.lag",
       true},
      // Unset, a group uses the first of the broker's group.streams.assignors: Kafka reports
      // that key as the synonym.
      {{"streams.assignor.name", T::kString, std::nullopt,
        "The task assignor to use for this streams group, selected by short name from the "
        "assignors registered via the broker configuration group.streams.assignors. When unset, "
        "the group defaults to the first assignor configured in the broker's "
        "group.streams.assignors setting."},
       "group.streams.assignors"},
      {{"errors.deadletterqueue.topic.name", T::kString, "",
        "The name of the topic to be used as the dead-letter queue (DLQ) topic for this share "
        "group. If blank (the default), the group does not have a DLQ topic."},
       ""},
      {{"errors.deadletterqueue.copy.record.enable", T::kBoolean, "false",
        "When writing onto the dead-letter queue topic, whether to copy the original record onto "
        "the DLQ topic, or just write a record containing the context information headers."},
       ""},
  };
  return defs;
}

const GroupConfigDef* find_group_config(std::string_view name) {
  for (const auto& d : group_config_defs()) {
    if (d.def.name == name) return &d;
  }
  return nullptr;
}

const std::vector<ConfigDef>& group_coordinator_config_defs() {
  // Kafka 4.4.0's GroupCoordinatorConfig and ShareGroupConfig keys that group configs name, with
  // Kafka's defaults. Eddy's classic groups use none of them.
  static const std::vector<ConfigDef> defs = [] {
    std::vector<ConfigDef> d = {
        {"group.consumer.min.session.timeout.ms", T::kInt, "45000",
         "The minimum allowed session timeout for registered consumers.", 1},
        {"group.consumer.max.session.timeout.ms", T::kInt, "60000",
         "The maximum allowed session timeout for registered consumers.", 1},
        {"group.consumer.min.heartbeat.interval.ms", T::kInt, "5000",
         "The minimum heartbeat interval for registered consumers.", 1},
        {"group.consumer.max.heartbeat.interval.ms", T::kInt, "15000",
         "The maximum heartbeat interval for registered consumers.", 1},
        {"group.consumer.min.assignment.interval.ms", T::kInt, "0",
         "The minimum interval between assignment updates for a consumer group.", 0},
        {"group.consumer.max.assignment.interval.ms", T::kInt, "15000",
         "The maximum interval between assignment updates for a consumer group.", 0},
        {"group.share.min.session.timeout.ms", T::kInt, "45000",
         "The minimum allowed session timeout for share group members.", 1},
        {"group.share.max.session.timeout.ms", T::kInt, "60000",
         "The maximum allowed session timeout for share group members.", 1},
        {"group.share.min.heartbeat.interval.ms", T::kInt, "5000",
         "The minimum heartbeat interval for share group members.", 1},
        {"group.share.max.heartbeat.interval.ms", T::kInt, "15000",
         "The maximum heartbeat interval for share group members.", 1},
        {"group.share.min.record.lock.duration.ms", T::kInt, "15000",
         "The minimum value of a group configuration for record acquisition lock duration in "
         "milliseconds.",
         1000},
        {"group.share.max.record.lock.duration.ms", T::kInt, "60000",
         "The maximum value of a group configuration for record acquisition lock duration in "
         "milliseconds.",
         1000},
        {"group.share.min.delivery.count.limit", T::kInt, "2",
         "The minimum value of a group configuration for the maximum number of delivery "
         "attempts for a record delivered to a share group.",
         2},
        {"group.share.max.delivery.count.limit", T::kInt, "10",
         "The maximum value of a group configuration for the maximum number of delivery "
         "attempts for a record delivered to a share group.",
         2},
        {"group.share.min.partition.max.record.locks", T::kInt, "100",
         "The minimum value of a group configuration for the record lock limit per "
         "share-partition.",
         100},
        {"group.share.max.partition.max.record.locks", T::kInt, "4000",
         "The maximum value of a group configuration for the record lock limit per "
         "share-partition.",
         100},
        {"group.share.min.assignment.interval.ms", T::kInt, "0",
         "The minimum interval between assignment updates for a share group.", 0},
        {"group.share.max.assignment.interval.ms", T::kInt, "15000",
         "The maximum interval between assignment updates for a share group.", 0},
        {"group.streams.min.session.timeout.ms", T::kInt, "45000",
         "The minimum allowed value for the group-level configuration of "
         "streams.session.timeout.ms",
         1},
        {"group.streams.max.session.timeout.ms", T::kInt, "60000",
         "The maximum allowed value for the group-level configuration of "
         "streams.session.timeout.ms",
         1},
        {"group.streams.min.heartbeat.interval.ms", T::kInt, "5000",
         "The minimum allowed value for the group-level configuration of "
         "streams.heartbeat.interval.ms",
         1},
        {"group.streams.max.heartbeat.interval.ms", T::kInt, "15000",
         "The maximum allowed value for the group-level configuration of "
         "streams.heartbeat.interval.ms",
         1},
        {"group.streams.max.standby.replicas", T::kInt, "2",
         "The maximum allowed value for the group-level configuration of "
         "streams.num.standby.replicas",
         0},
        {"group.streams.min.assignment.interval.ms", T::kInt, "0",
         "The minimum interval between assignment updates for a streams group.", 0},
        {"group.streams.max.assignment.interval.ms", T::kInt, "15000",
         "The maximum interval between assignment updates for a streams group.", 0},
        {"group.streams.min.task.offset.interval.ms", T::kInt, "15000",
         "The minimum allowed value for the group-level configuration of "
         "streams.task.offset.interval.ms",
         1},
        {"group.streams.max.warmup.replicas", T::kInt, "20",
         "The maximum allowed value for the group-level configuration of "
         "streams.num.warmup.replicas",
         0},
    };
    d.push_back({"group.streams.assignors", T::kList, "sticky",
                 "The server-side assignors as a list of either names for built-in assignors or "
                 "full class names for custom assignors. The first one in the list is considered "
                 "as the default assignor to be used in the case where the streams group does "
                 "not specify an assignor."});
    // The synonyms: the group key's definition under the broker's name.
    for (const GroupConfigDef& g : group_config_defs()) {
      if (g.broker_synonym.empty() || g.def.name == "streams.assignor.name") continue;
      ConfigDef s = g.def;
      s.name = g.broker_synonym;
      d.push_back(s);
    }
    return d;
  }();
  return defs;
}

Status validate_group_configs(const std::map<std::string, std::string>& overrides,
                              const GroupCoordinatorValue& broker) {
  for (const auto& [name, value] : overrides) {
    const GroupConfigDef* def = find_group_config(name);
    if (def == nullptr) return bad("Unknown group config name: " + name);
    EDDY_RETURN_IF_ERROR(validate_config_value(def->def, value));
  }
  // The broker keys' values passed their own validation at start-up.
  auto broker_int = [&](const std::string& key) { return parse_config_long(broker(key)).value(); };
  auto value_of = [&](const std::string& key) -> std::optional<int64_t> {
    auto it = overrides.find(key);
    if (it == overrides.end()) return std::nullopt;
    auto v = parse_config_long(it->second);
    return v ? std::optional<int64_t>(*v) : std::nullopt;
  };
  // (group key, broker minimum key or "", broker maximum key or ""), as GroupConfig.validateValues.
  struct Bound {
    const char* key;
    const char* min;
    const char* max;
  };
  static const Bound kBounds[] = {
      {"consumer.heartbeat.interval.ms", "group.consumer.min.heartbeat.interval.ms",
       "group.consumer.max.heartbeat.interval.ms"},
      {"consumer.session.timeout.ms", "group.consumer.min.session.timeout.ms",
       "group.consumer.max.session.timeout.ms"},
      {"consumer.assignment.interval.ms", "group.consumer.min.assignment.interval.ms",
       "group.consumer.max.assignment.interval.ms"},
      {"share.heartbeat.interval.ms", "group.share.min.heartbeat.interval.ms",
       "group.share.max.heartbeat.interval.ms"},
      {"share.session.timeout.ms", "group.share.min.session.timeout.ms",
       "group.share.max.session.timeout.ms"},
      {"share.record.lock.duration.ms", "group.share.min.record.lock.duration.ms",
       "group.share.max.record.lock.duration.ms"},
      {"share.delivery.count.limit", "group.share.min.delivery.count.limit",
       "group.share.max.delivery.count.limit"},
      {"share.partition.max.record.locks", "group.share.min.partition.max.record.locks",
       "group.share.max.partition.max.record.locks"},
      {"share.assignment.interval.ms", "group.share.min.assignment.interval.ms",
       "group.share.max.assignment.interval.ms"},
      {"streams.heartbeat.interval.ms", "group.streams.min.heartbeat.interval.ms",
       "group.streams.max.heartbeat.interval.ms"},
      {"streams.session.timeout.ms", "group.streams.min.session.timeout.ms",
       "group.streams.max.session.timeout.ms"},
      {"streams.num.standby.replicas", "", "group.streams.max.standby.replicas"},
      {"streams.assignment.interval.ms", "group.streams.min.assignment.interval.ms",
       "group.streams.max.assignment.interval.ms"},
      {"streams.task.offset.interval.ms", "group.streams.min.task.offset.interval.ms", ""},
      {"streams.num.warmup.replicas", "", "group.streams.max.warmup.replicas"},
  };
  for (const Bound& b : kBounds) {
    std::optional<int64_t> v = value_of(b.key);
    if (!v) continue;
    bool has_min = *b.min != '\0';
    bool has_max = *b.max != '\0';
    int64_t lo = has_min ? broker_int(b.min) : 0;
    int64_t hi = has_max ? broker_int(b.max) : 0;
    if (has_min && has_max && (*v < lo || *v > hi)) {
      return bad(std::string(b.key) + " must be in the range " + std::to_string(lo) + " to " +
                 std::to_string(hi) + " inclusive.");
    }
    if (!has_max && *v < lo) {
      return bad(std::string(b.key) + " must be greater than or equal to " + std::to_string(lo));
    }
    if (!has_min && *v > hi) {
      return bad(std::string(b.key) + " must be less than or equal to " + std::to_string(hi));
    }
  }
  for (const char* kind : {"consumer", "share", "streams"}) {
    std::string session_key = std::string(kind) + ".session.timeout.ms";
    std::string heartbeat_key = std::string(kind) + ".heartbeat.interval.ms";
    std::optional<int64_t> session = value_of(session_key);
    std::optional<int64_t> heartbeat = value_of(heartbeat_key);
    if (!session && !heartbeat) continue;
    int64_t s = session ? *session : broker_int("group." + session_key);
    int64_t h = heartbeat ? *heartbeat : broker_int("group." + heartbeat_key);
    if (s <= h) return bad(session_key + " must be greater than " + heartbeat_key);
  }
  if (auto a = overrides.find("streams.assignor.name"); a != overrides.end()) {
    std::vector<std::string> registered = split_config_list(broker("group.streams.assignors"));
    if (std::find(registered.begin(), registered.end(), a->second) == registered.end()) {
      std::string names;
      for (const auto& r : registered) names += (names.empty() ? "" : ", ") + r;
      return bad("streams.assignor.name '" + a->second +
                 "' is not a registered task assignor. Registered assignors are: [" + names + "].");
    }
  }
  const auto dlq = overrides.find("errors.deadletterqueue.topic.name");
  if (dlq != overrides.end() && dlq->second.starts_with("__")) {
    return bad("errors.deadletterqueue.topic.name: DLQ topic name must not start with '__'");
  }
  return Status::ok();
}

}  // namespace eddy::metadata
