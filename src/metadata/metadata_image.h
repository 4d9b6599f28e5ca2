#pragma once
// The in-memory cluster metadata: what you get by applying every committed MetadataBatch in log
// order. An image is a value: readers hold a std::shared_ptr<const MetadataImage> and never see
// it change; a new batch produces a new image that shares unchanged topics with the old one.
//
// Applying costs O(records + topics touched): a batch copies each topic it changes once (the
// first record that touches it), then changes that private copy in place, so one batch of N
// partition records is O(N), not O(N^2) (a 100,000-partition topic used to take minutes).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "common/uuid.h"
#include "metadata/metadata.pb.h"

namespace eddy::metadata {

// Kafka's ConfigResource type numbers.
inline constexpr int32_t kTopicResource = 2;
inline constexpr int32_t kBrokerResource = 4;
inline constexpr int32_t kGroupResource = 32;

// No leader (Kafka's NO_LEADER).
inline constexpr int32_t kNoLeader = -1;

struct PartitionState {
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int32_t leader = kNoLeader;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
  // A reassignment in progress (subsets of replicas); empty otherwise.
  std::vector<int32_t> removing_replicas;
  std::vector<int32_t> adding_replicas;
};

struct TopicImage {
  std::string name;
  Uuid id;
  std::vector<PartitionState> partitions;      // index == partition id
  std::map<std::string, std::string> configs;  // overrides only; defaults resolve elsewhere
};

struct BrokerEndpoint {
  std::string listener;
  std::string host;
  int32_t port = 0;
  int16_t security_protocol = 0;
};

struct BrokerRegistration {
  int32_t id = -1;
  Uuid incarnation;
  std::vector<BrokerEndpoint> endpoints;
  std::optional<std::string> rack;
  // The offset of the registration record: identifies this registration in heartbeats,
  // AlterPartition and fence records (Kafka's broker epoch).
  int64_t epoch = 0;
  // A fenced broker is registered but not live: it leads nothing, is in no ISR the controller
  // writes, and clients are not told about it. It registers fenced and is unfenced once caught up.
  bool fenced = false;
  // Moving its leaderships away before it stops (controlled shutdown).
  bool in_controlled_shutdown = false;

  // May lead, join an ISR and receive new replicas.
  bool active() const { return !fenced && !in_controlled_shutdown; }
};

void to_record(const BrokerRegistration& broker, pb::RegisterBrokerRecord* out);

class MetadataImage {
 public:
  using TopicMap = std::map<std::string, std::shared_ptr<const TopicImage>, std::less<>>;

  using Records = google::protobuf::RepeatedPtrField<pb::MetadataRecord>;

  // Applies every record of `batch` or none: on error the image is unchanged. Errors mean the log
  // holds records that contradict each other (kCorruption), never a client mistake: the
  // controller validates before it emits.
  Status apply_batch(const pb::MetadataBatch& batch) { return apply_records(batch.records()); }
  // The same for a run of records (a snapshot's records are applied as one batch).
  Status apply_records(const Records& records);
  Status apply(const pb::MetadataRecord& record);

  const TopicImage* topic(std::string_view name) const;
  const TopicImage* topic_by_id(const Uuid& id) const;
  const TopicMap& topics() const { return topics_; }
  const std::map<int32_t, BrokerRegistration>& brokers() const { return brokers_; }
  const BrokerRegistration* broker(int32_t id) const;
  // Registered, unfenced and not in controlled shutdown.
  bool broker_active(int32_t id) const;
  // The first producer id of the next block the controller hands out.
  int64_t next_producer_id() const { return next_producer_id_; }
  // Finalized feature levels (absent: level 0).
  const std::map<std::string, int16_t>& features() const { return features_; }
  // Config overrides of a BROKER or GROUP resource (Kafka keeps both in ConfigRecords, as it does
  // a topic's); nullptr when it has none. A BROKER resource is "" (the cluster default) or a node
  // id; a GROUP resource is a group id, whether or not the group exists.
  const std::map<std::string, std::string>* resource_configs(int32_t type,
                                                             std::string_view name) const;
  const std::map<std::string, std::string>* broker_configs(std::string_view resource) const {
    return resource_configs(kBrokerResource, resource);
  }
  const std::map<std::string, std::string>* group_configs(std::string_view group) const {
    return resource_configs(kGroupResource, group);
  }
  size_t partition_count() const;

  // Offset of the last batch applied (-1: none); set by whoever applies log entries.
  int64_t last_offset() const { return last_offset_; }
  void set_last_offset(int64_t offset) { last_offset_ = offset; }

  // The image as records, for a snapshot: applying them to an empty image rebuilds this one.
  std::vector<pb::MetadataRecord> to_records() const;

 private:
  Status apply_topic(const pb::TopicRecord& r);
  Status apply_partition(const pb::PartitionRecord& r);
  Status apply_remove_topic(const pb::RemoveTopicRecord& r);
  Status apply_config(const pb::ConfigRecord& r);
  Status apply_register_broker(const pb::RegisterBrokerRecord& r);
  Status apply_partition_change(const pb::PartitionChangeRecord& r);
  Result<BrokerRegistration*> registered(int32_t id, int64_t epoch, const char* record);
  Status apply_unregister_broker(const pb::UnregisterBrokerRecord& r);
  Status apply_fence(int32_t id, int64_t epoch, bool fenced, const char* record);
  Status apply_registration_change(const pb::BrokerRegistrationChangeRecord& r);
  Status apply_producer_ids(const pb::ProducerIdsRecord& r);
  Status apply_feature_level(const pb::FeatureLevelRecord& r);
  void save_brokers();
  Status apply_one(const pb::MetadataRecord& record);
  TopicImage* mutable_topic(TopicMap::iterator it);
  Result<TopicImage*> mutable_topic_by_id(const std::string& raw_id);
  void save_topic(const std::string& name);
  void rollback();

  using ResourceConfigs = std::map<std::string, std::map<std::string, std::string>, std::less<>>;

  // What a batch in progress needs to undo itself, and the topic copies it owns (made by this
  // batch, so no reader holds them: later records change them in place).
  struct Undo {
    std::map<std::string, std::shared_ptr<const TopicImage>> topics;  // nullptr: was absent
    std::optional<std::map<int32_t, BrokerRegistration>> brokers;
    std::optional<std::map<int32_t, ResourceConfigs>> resource_configs;
    std::unordered_set<const TopicImage*> owned;
    std::optional<std::map<std::string, int16_t>> features;
    int64_t next_producer_id = 0;
  };
  Undo* undo_ = nullptr;  // set while apply_records runs

  TopicMap topics_;
  std::unordered_map<Uuid, std::string> names_by_id_;
  std::map<int32_t, BrokerRegistration> brokers_;
  // Type (kBrokerResource, kGroupResource) -> resource name -> overrides.
  std::map<int32_t, ResourceConfigs> resource_configs_;
  std::map<std::string, int16_t> features_;
  int64_t next_producer_id_ = 0;
  int64_t last_offset_ = -1;
};

}  // namespace eddy::metadata
