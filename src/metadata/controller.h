#pragma once
// The controller's decisions as pure functions: each takes the current MetadataImage and a
// request, validates it the way Kafka's controller does, and appends the records that carry it
// out to a MetadataBatch. Nothing here does I/O or holds locks, so the same code runs on the
// single-node broker (which commits the batch to its local metadata log) and on the Raft leader
// (which proposes it). A caller must plan and commit under one lock, or two plans could both
// see a topic as absent.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metadata/metadata.pb.h"
#include "metadata/metadata_image.h"
#include "metadata/topic_config.h"
#include "protocol/errors.h"

namespace eddy::metadata {

// A decision's outcome: Kafka's error code (protocol::ErrorCode, the one enum every layer uses,
// so the broker puts it on the wire as is) and a message. The cluster decisions' codes are in
// docs/controller.md.
struct ControllerResult {
  protocol::ErrorCode code = protocol::ErrorCode::kNone;
  std::string message;
  bool ok() const { return code == protocol::ErrorCode::kNone; }
  static ControllerResult error(protocol::ErrorCode c, std::string m) { return {c, std::move(m)}; }
};

struct ControllerDefaults {
  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  bool delete_topic_enable = true;
  // Upper bound on a topic's partitions: bounds the records (and log directories) one request
  // can create.
  int32_t max_partitions_per_topic = 100000;
  // The group coordinator broker keys that bound group configs (group_coordinator_config_defs():
  // group.consumer.min.session.timeout.ms, ...) as the controller's config file sets them; a key
  // absent here has its default.
  std::map<std::string, std::string, std::less<>> group_coordinator;
};

struct CreateTopicSpec {
  std::string name;
  int32_t num_partitions = -1;                          // -1: num.partitions
  int16_t replication_factor = -1;                      // -1: default.replication.factor
  std::map<int32_t, std::vector<int32_t>> assignments;  // partition -> replicas (optional)
  std::map<std::string, std::string> configs;
};

struct ConfigChange {
  enum class Op : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };
  std::string name;
  Op op = Op::kSet;
  std::string value;
};

class Controller {
 public:
  // New topic ids come from `new_topic_id` (a random Uuid by default); a deterministic
  // simulation passes a seeded source so that a run is a function of its seed.
  using IdSource = std::function<Uuid()>;
  explicit Controller(ControllerDefaults defaults, IdSource new_topic_id = &Uuid::random)
      : defaults_(defaults), new_topic_id_(std::move(new_topic_id)) {}

  const ControllerDefaults& defaults() const { return defaults_; }

  ControllerResult create_topic(const MetadataImage& image, const CreateTopicSpec& spec,
                                pb::MetadataBatch* out) const;
  ControllerResult delete_topic(const MetadataImage& image, const std::string& name,
                                pb::MetadataBatch* out) const;
  // Grows `name` to `new_count` partitions; `assignments` (optional) gives the replicas of each
  // new partition, in order.
  ControllerResult create_partitions(const MetadataImage& image, const std::string& name,
                                     int32_t new_count,
                                     const std::vector<std::vector<int32_t>>& assignments,
                                     pb::MetadataBatch* out) const;
  // replace_all (legacy AlterConfigs): overrides not named in `changes` are removed.
  ControllerResult alter_topic_configs(const MetadataImage& image, const std::string& topic,
                                       const std::vector<ConfigChange>& changes, bool replace_all,
                                       pb::MetadataBatch* out) const;
  // Dynamic broker configs: resource "" is the cluster-wide default, else a broker id. The log.*
  // defaults that topics inherit and the keys of dynamic_broker_only_config_defs() are dynamic.
  ControllerResult alter_broker_configs(const MetadataImage& image, const std::string& resource,
                                        const std::vector<ConfigChange>& changes, bool replace_all,
                                        pb::MetadataBatch* out) const;
  // Group configs (a GROUP resource: any non-empty group id, existing or not), validated as
  // Kafka's GroupConfig against the bounds in defaults().group_coordinator.
  ControllerResult alter_group_configs(const MetadataImage& image, const std::string& group,
                                       const std::vector<ConfigChange>& changes, bool replace_all,
                                       pb::MetadataBatch* out) const;
  // Registers (or re-registers with new endpoints) a broker as given (a single node registering
  // itself, live). A cluster's brokers register through ClusterControl::register_broker.
  ControllerResult register_broker(const BrokerRegistration& broker, pb::MetadataBatch* out) const;

 private:
  ControllerDefaults defaults_;
  IdSource new_topic_id_;
};

// The definition of the dynamically alterable broker key `name` (a topic default such as
// log.retention.ms, or a key of dynamic_broker_only_config_defs()), nullptr when it is not one.
const ConfigDef* dynamic_broker_config(const std::string& name);

}  // namespace eddy::metadata
