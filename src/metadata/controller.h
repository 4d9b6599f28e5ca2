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

namespace eddy::metadata {

// The Kafka error codes the controller can answer with (numbers as on the wire, so the broker
// passes them through unchanged). The cluster decisions' codes are in docs/controller.md.
enum class ErrorCode : int16_t {
  kNone = 0,
  kUnknownServerError = -1,
  kUnknownTopicOrPartition = 3,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kInvalidTopic = 17,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidReplicaAssignment = 39,
  kInvalidConfig = 40,
  kNotController = 41,
  kInvalidRequest = 42,
  kPolicyViolation = 44,
  kKafkaStorageError = 56,
  kTopicDeletionDisabled = 73,
  kFencedLeaderEpoch = 74,
  kStaleBrokerEpoch = 77,
  kPreferredLeaderNotAvailable = 80,
  kEligibleLeadersNotAvailable = 83,
  kElectionNotNeeded = 84,
  kNoReassignmentInProgress = 85,
  kThrottlingQuotaExceeded = 89,
  kInvalidUpdateVersion = 95,
  kUnknownTopicId = 100,
  kDuplicateBrokerRegistration = 101,
  kBrokerIdNotRegistered = 102,
  kInconsistentClusterId = 104,
  kIneligibleReplica = 107,
};

struct ControllerResult {
  ErrorCode code = ErrorCode::kNone;
  std::string message;
  bool ok() const { return code == ErrorCode::kNone; }
  static ControllerResult error(ErrorCode c, std::string m) { return {c, std::move(m)}; }
};

struct ControllerDefaults {
  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  bool delete_topic_enable = true;
  // Upper bound on a topic's partitions: bounds the records (and log directories) one request
  // can create.
  int32_t max_partitions_per_topic = 100000;
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
  // Dynamic broker configs: resource "" is the cluster-wide default, else a broker id. Only the
  // log.* defaults that topics inherit are dynamic.
  ControllerResult alter_broker_configs(const MetadataImage& image, const std::string& resource,
                                        const std::vector<ConfigChange>& changes, bool replace_all,
                                        pb::MetadataBatch* out) const;
  // Registers (or re-registers with new endpoints) a broker as given (a single node registering
  // itself, live). A cluster's brokers register through ClusterControl::register_broker.
  ControllerResult register_broker(const BrokerRegistration& broker, pb::MetadataBatch* out) const;

 private:
  ControllerDefaults defaults_;
  IdSource new_topic_id_;
};

// The topic config that `name` (a broker key such as log.retention.ms) is the default of, or
// nullptr when the broker key is not dynamically alterable.
const TopicConfigDef* dynamic_broker_config(const std::string& name);

}  // namespace eddy::metadata
