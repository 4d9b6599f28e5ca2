#include "metadata/controller.h"

#include <algorithm>
#include <cassert>
#include <set>

#include "metadata/dynamic_broker_config.h"
#include "metadata/group_config.h"
#include "metadata/placement.h"
#include "metadata/topic_name.h"

namespace eddy::metadata {
namespace {

using E = protocol::ErrorCode;

// A new partition's ISR is its active replicas and its leader the first of them, as Kafka's
// buildPartitionRegistration: a fenced or shutting-down broker named in a manual assignment
// neither leads nor counts as in sync.
void add_partition_record(const MetadataImage& image, const Uuid& id, int32_t partition,
                          const std::vector<int32_t>& replicas, pb::MetadataBatch* out) {
  auto* p = out->add_records()->mutable_partition();
  p->set_topic_id(id.raw());
  p->set_partition_id(partition);
  for (int32_t r : replicas) {
    p->add_replicas(r);
    if (image.broker_active(r)) p->add_isr(r);
  }
  p->set_leader(p->isr().empty() ? kNoLeader : p->isr(0));
  p->set_leader_epoch(0);
  p->set_partition_epoch(0);
}

void add_config_record(int32_t type, const std::string& resource, const std::string& name,
                       const std::optional<std::string>& value, pb::MetadataBatch* out) {
  auto* c = out->add_records()->mutable_config();
  c->set_resource_type(type);
  c->set_resource_name(resource);
  c->set_name(name);
  if (value) c->set_value(*value);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ",";
    out += i;
  }
  return out;
}

// Applies `changes` to `current` (the resource's overrides), validating each value with
// `lookup`; the result is the full new set of overrides.
ControllerResult apply_changes(const std::map<std::string, std::string>& current,
                               const std::vector<ConfigChange>& changes, bool replace_all,
                               const std::function<const ConfigDef*(const std::string&)>& lookup,
                               std::map<std::string, std::string>* next) {
  *next = replace_all ? std::map<std::string, std::string>{} : current;
  std::set<std::string> seen;
  for (const auto& ch : changes) {
    if (!seen.insert(ch.name).second) {
      return ControllerResult::error(E::kInvalidRequest,
                                     "config key '" + ch.name + "' appears twice");
    }
    const ConfigDef* def = lookup(ch.name);
    // A key Eddy does not know can never be set, so deleting it changes nothing, as in Kafka,
    // which validates the resulting configs: kafka-reassign-partitions --verify deletes the
    // replication throttle keys of every broker and topic it touched.
    if (def == nullptr && ch.op == ConfigChange::Op::kDelete) continue;
    if (def == nullptr) {
      return ControllerResult::error(E::kInvalidConfig, "unknown config key '" + ch.name + "'");
    }
    switch (ch.op) {
      case ConfigChange::Op::kSet: {
        Status s = validate_config_value(*def, ch.value);
        if (!s) return ControllerResult::error(E::kInvalidConfig, s.message());
        (*next)[ch.name] = ch.value;
        break;
      }
      case ConfigChange::Op::kDelete:
        next->erase(ch.name);
        break;
      case ConfigChange::Op::kAppend:
      case ConfigChange::Op::kSubtract: {
        if (def->type != ConfigType::kList) {
          return ControllerResult::error(
              E::kInvalidConfig, "APPEND/SUBTRACT need a list config; '" + ch.name + "' is not");
        }
        auto it = next->find(ch.name);
        std::string base =
            it != next->end() ? it->second : std::string(def->default_value.value_or(""));
        auto items = split_config_list(base);
        for (const auto& v : split_config_list(ch.value)) {
          auto pos = std::find(items.begin(), items.end(), v);
          if (ch.op == ConfigChange::Op::kAppend && pos == items.end()) items.push_back(v);
          if (ch.op == ConfigChange::Op::kSubtract && pos != items.end()) items.erase(pos);
        }
        std::string value = join(items);
        Status s = validate_config_value(*def, value);
        if (!s) return ControllerResult::error(E::kInvalidConfig, s.message());
        (*next)[ch.name] = value;
        break;
      }
      default:
        return ControllerResult::error(E::kInvalidRequest, "unknown config operation");
    }
  }
  return {};
}

void emit_config_diff(int32_t type, const std::string& resource,
                      const std::map<std::string, std::string>& current,
                      const std::map<std::string, std::string>& next, pb::MetadataBatch* out) {
  for (const auto& [k, v] : next) {
    auto it = current.find(k);
    if (it == current.end() || it->second != v) add_config_record(type, resource, k, v, out);
  }
  for (const auto& [k, v] : current) {
    if (next.count(k) == 0) add_config_record(type, resource, k, std::nullopt, out);
  }
}

}  // namespace

const ConfigDef* dynamic_broker_config(const std::string& name) {
  if (const ConfigDef* d = find_broker_synonym_config(name)) return d;
  return find_dynamic_broker_only_config(name);
}

namespace {
ControllerResult check_assignment(const MetadataImage& image, const std::vector<int32_t>& replicas,
                                  size_t expected_rf) {
  std::set<int32_t> distinct(replicas.begin(), replicas.end());
  if (replicas.empty() || distinct.size() != replicas.size()) {
    return ControllerResult::error(E::kInvalidReplicaAssignment,
                                   "replica assignment is empty or has duplicate brokers");
  }
  if (expected_rf != 0 && replicas.size() != expected_rf) {
    return ControllerResult::error(E::kInvalidReplicaAssignment,
                                   "all partitions must have the same replication factor");
  }
  for (int32_t b : replicas) {
    if (image.brokers().count(b) == 0) {
      return ControllerResult::error(
          E::kInvalidReplicaAssignment,
          "replica assignment names unknown broker " + std::to_string(b));
    }
  }
  if (std::none_of(replicas.begin(), replicas.end(),
                   [&](int32_t b) { return image.broker_active(b); })) {
    return ControllerResult::error(
        E::kInvalidReplicationFactor,
        "Unable to start the topic-partition creation: all brokers specified in the manual "
        "partition assignment are fenced or in controlled shutdown.");
  }
  return {};
}
}  // namespace

ControllerResult Controller::create_topic(const MetadataImage& image, const CreateTopicSpec& spec,
                                          pb::MetadataBatch* out) const {
  if (Status s = validate_topic_name(spec.name); !s) {
    return ControllerResult::error(E::kInvalidTopicException, s.message());
  }
  if (image.topic(spec.name) != nullptr) {
    return ControllerResult::error(E::kTopicAlreadyExists,
                                   "Topic '" + spec.name + "' already exists.");
  }
  if (auto other = colliding_topic(image, spec.name)) {
    return ControllerResult::error(
        E::kInvalidTopicException,
        "Topic '" + spec.name + "' collides with existing topic: " + *other);
  }
  std::vector<std::vector<int32_t>> replicas;
  if (!spec.assignments.empty()) {
    if (spec.num_partitions != -1 || spec.replication_factor != -1) {
      return ControllerResult::error(
          E::kInvalidRequest,
          "both partition count or replication factor and replica assignment given");
    }
    int32_t expected = 0;
    for (const auto& [p, r] : spec.assignments) {
      if (p != expected++) {
        return ControllerResult::error(E::kInvalidReplicaAssignment,
                                       "partitions in the assignment must be 0..n-1");
      }
      ControllerResult c = check_assignment(image, r, replicas.empty() ? 0 : replicas[0].size());
      if (!c.ok()) return c;
      replicas.push_back(r);
    }
    if (static_cast<int64_t>(replicas.size()) > defaults_.max_partitions_per_topic) {
      return ControllerResult::error(E::kInvalidPartitions, "too many partitions");
    }
  } else {
    int32_t n = spec.num_partitions == -1 ? defaults_.num_partitions : spec.num_partitions;
    int16_t rf = spec.replication_factor == -1 ? defaults_.default_replication_factor
                                               : spec.replication_factor;
    if (n <= 0) {
      return ControllerResult::error(E::kInvalidPartitions,
                                     "Number of partitions must be larger than 0.");
    }
    if (n > defaults_.max_partitions_per_topic) {
      return ControllerResult::error(E::kInvalidPartitions,
                                     "Number of partitions " + std::to_string(n) +
                                         " exceeds the limit of " +
                                         std::to_string(defaults_.max_partitions_per_topic) + ".");
    }
    ControllerResult c = place_replicas(image, n, rf, &replicas);
    if (!c.ok()) return c;
  }
  if (Status s = validate_topic_configs(spec.configs); !s) {
    return ControllerResult::error(E::kInvalidConfig, s.message());
  }
  Uuid id = new_topic_id_();
  while (id.is_zero() || image.topic_by_id(id) != nullptr) id = new_topic_id_();
  auto* t = out->add_records()->mutable_topic();
  t->set_name(spec.name);
  t->set_topic_id(id.raw());
  for (size_t p = 0; p < replicas.size(); ++p) {
    add_partition_record(image, id, static_cast<int32_t>(p), replicas[p], out);
  }
  for (const auto& [k, v] : spec.configs) add_config_record(kTopicResource, spec.name, k, v, out);
  return {};
}

ControllerResult Controller::delete_topic(const MetadataImage& image, const std::string& name,
                                          pb::MetadataBatch* out) const {
  if (!defaults_.delete_topic_enable) {
    return ControllerResult::error(E::kTopicDeletionDisabled,
                                   "Topic deletion is disabled (delete.topic.enable=false).");
  }
  const TopicImage* t = image.topic(name);
  if (t == nullptr) {
    return ControllerResult::error(E::kUnknownTopicOrPartition,
                                   "This server does not host this topic-partition.");
  }
  out->add_records()->mutable_remove_topic()->set_topic_id(t->id.raw());
  return {};
}

ControllerResult Controller::create_partitions(const MetadataImage& image, const std::string& name,
                                               int32_t new_count,
                                               const std::vector<std::vector<int32_t>>& assignments,
                                               pb::MetadataBatch* out) const {
  const TopicImage* t = image.topic(name);
  if (t == nullptr) {
    return ControllerResult::error(E::kUnknownTopicOrPartition,
                                   "Topic '" + name + "' does not exist.");
  }
  auto current = static_cast<int32_t>(t->partitions.size());
  if (new_count <= current) {
    return ControllerResult::error(E::kInvalidPartitions,
                                   "Topic currently has " + std::to_string(current) +
                                       " partitions, which is higher than or equal to the "
                                       "requested " +
                                       std::to_string(new_count) + ".");
  }
  if (new_count > defaults_.max_partitions_per_topic) {
    return ControllerResult::error(E::kInvalidPartitions, "too many partitions");
  }
  size_t rf = t->partitions.empty() ? 1 : t->partitions[0].replicas.size();
  std::vector<std::vector<int32_t>> replicas;
  if (!assignments.empty()) {
    if (static_cast<int64_t>(assignments.size()) != new_count - current) {
      return ControllerResult::error(
          E::kInvalidReplicaAssignment,
          "Increasing the number of partitions by " + std::to_string(new_count - current) +
              " but " + std::to_string(assignments.size()) + " assignments provided.");
    }
    for (const auto& r : assignments) {
      ControllerResult c = check_assignment(image, r, rf);
      if (!c.ok()) return c;
      replicas.push_back(r);
    }
  } else {
    ControllerResult c =
        place_replicas(image, new_count - current, static_cast<int16_t>(rf), &replicas);
    if (!c.ok()) return c;
  }
  for (size_t i = 0; i < replicas.size(); ++i) {
    add_partition_record(image, t->id, current + static_cast<int32_t>(i), replicas[i], out);
  }
  return {};
}

ControllerResult Controller::alter_topic_configs(const MetadataImage& image,
                                                 const std::string& topic,
                                                 const std::vector<ConfigChange>& changes,
                                                 bool replace_all, pb::MetadataBatch* out) const {
  const TopicImage* t = image.topic(topic);
  if (t == nullptr) {
    return ControllerResult::error(E::kUnknownTopicOrPartition,
                                   "Topic '" + topic + "' does not exist.");
  }
  std::map<std::string, std::string> next;
  ControllerResult r = apply_changes(
      t->configs, changes, replace_all,
      [](const std::string& n) -> const ConfigDef* {
        const TopicConfigDef* d = find_topic_config(n);
        return d ? &d->def : nullptr;
      },
      &next);
  if (!r.ok()) return r;
  emit_config_diff(kTopicResource, topic, t->configs, next, out);
  return {};
}

ControllerResult Controller::alter_broker_configs(const MetadataImage& image,
                                                  const std::string& resource,
                                                  const std::vector<ConfigChange>& changes,
                                                  bool replace_all, pb::MetadataBatch* out) const {
  if (!resource.empty()) {
    bool known = false;
    for (const auto& [id, b] : image.brokers()) known = known || std::to_string(id) == resource;
    if (!known) {
      return ControllerResult::error(E::kInvalidRequest, "unknown broker '" + resource + "'");
    }
  }
  static const std::map<std::string, std::string> kEmpty;
  const auto* current = image.broker_configs(resource);
  if (current == nullptr) current = &kEmpty;
  std::map<std::string, std::string> next;
  ControllerResult r = apply_changes(
      *current, changes, replace_all, [](const std::string& n) { return dynamic_broker_config(n); },
      &next);
  if (!r.ok()) return r;
  emit_config_diff(kBrokerResource, resource, *current, next, out);
  return {};
}

ControllerResult Controller::alter_group_configs(const MetadataImage& image,
                                                 const std::string& group,
                                                 const std::vector<ConfigChange>& changes,
                                                 bool replace_all, pb::MetadataBatch* out) const {
  if (group.empty()) {
    return ControllerResult::error(E::kInvalidRequest, "Group name must not be empty");
  }
  static const std::map<std::string, std::string> kEmpty;
  const auto* current = image.group_configs(group);
  if (current == nullptr) current = &kEmpty;
  std::map<std::string, std::string> next;
  ControllerResult r = apply_changes(
      *current, changes, replace_all,
      [](const std::string& n) -> const ConfigDef* {
        const GroupConfigDef* d = find_group_config(n);
        return d ? &d->def : nullptr;
      },
      &next);
  if (!r.ok()) return r;
  Status s = validate_group_configs(next, [this](std::string_view key) -> std::string {
    if (auto it = defaults_.group_coordinator.find(key); it != defaults_.group_coordinator.end()) {
      return it->second;
    }
    const ConfigDef* d = find_config_def(group_coordinator_config_defs(), key);
    assert(d != nullptr && d->default_value);
    return std::string(d->default_value.value_or(""));
  });
  if (!s) return ControllerResult::error(E::kInvalidConfig, s.message());
  emit_config_diff(kGroupResource, group, *current, next, out);
  return {};
}

ControllerResult Controller::register_broker(const BrokerRegistration& broker,
                                             pb::MetadataBatch* out) const {
  to_record(broker, out->add_records()->mutable_register_broker());
  return {};
}

}  // namespace eddy::metadata
