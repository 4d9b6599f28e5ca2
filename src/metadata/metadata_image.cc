#include "metadata/metadata_image.h"

#include "metadata/topic_name.h"

namespace eddy::metadata {

// Upper bound on partitions per topic a record may create: bounds the allocation a corrupt or
// hostile record could cause while replaying the log.
static constexpr int32_t kMaxPartitionId = 1 << 20;

void to_record(const BrokerRegistration& b, pb::RegisterBrokerRecord* r) {
  r->set_broker_id(b.id);
  r->set_incarnation_id(b.incarnation.raw());
  for (const auto& e : b.endpoints) {
    auto* pe = r->add_endpoints();
    pe->set_name(e.listener);
    pe->set_host(e.host);
    pe->set_port(e.port);
    pe->set_security_protocol(e.security_protocol);
  }
  if (b.rack) r->set_rack(*b.rack);
  r->set_broker_epoch(b.epoch);
  r->set_fenced(b.fenced);
  r->set_in_controlled_shutdown(b.in_controlled_shutdown);
}

namespace {
void set_ids(const std::vector<int32_t>& ids, google::protobuf::RepeatedField<int32_t>* out) {
  out->Clear();
  out->Add(ids.begin(), ids.end());
}
}  // namespace

Status MetadataImage::apply_records(const Records& records) {
  Undo undo;
  undo.next_producer_id = next_producer_id_;
  undo_ = &undo;
  Status s = Status::ok();
  for (const auto& record : records) {
    s = apply_one(record);
    if (!s) break;
  }
  if (!s) rollback();
  undo_ = nullptr;
  return s;
}

Status MetadataImage::apply(const pb::MetadataRecord& record) {
  Records one;
  *one.Add() = record;
  return apply_records(one);
}

void MetadataImage::save_topic(const std::string& name) {
  if (undo_ == nullptr || undo_->topics.count(name) > 0) return;
  auto it = topics_.find(name);
  undo_->topics.emplace(name, it == topics_.end() ? nullptr : it->second);
}

void MetadataImage::rollback() {
  for (auto& [name, saved] : undo_->topics) {
    auto it = topics_.find(name);
    if (it != topics_.end()) {
      names_by_id_.erase(it->second->id);
      topics_.erase(it);
    }
    if (saved != nullptr) {
      names_by_id_[saved->id] = name;
      topics_.emplace(name, std::move(saved));
    }
  }
  if (undo_->brokers) brokers_ = std::move(*undo_->brokers);
  if (undo_->resource_configs) resource_configs_ = std::move(*undo_->resource_configs);
  if (undo_->features) features_ = std::move(*undo_->features);
  next_producer_id_ = undo_->next_producer_id;
}

void MetadataImage::save_brokers() {
  if (undo_ != nullptr && !undo_->brokers) undo_->brokers = brokers_;
}

Status MetadataImage::apply_one(const pb::MetadataRecord& record) {
  switch (record.record_case()) {
    case pb::MetadataRecord::kTopic:
      return apply_topic(record.topic());
    case pb::MetadataRecord::kPartition:
      return apply_partition(record.partition());
    case pb::MetadataRecord::kRemoveTopic:
      return apply_remove_topic(record.remove_topic());
    case pb::MetadataRecord::kConfig:
      return apply_config(record.config());
    case pb::MetadataRecord::kRegisterBroker:
      return apply_register_broker(record.register_broker());
    case pb::MetadataRecord::kPartitionChange:
      return apply_partition_change(record.partition_change());
    case pb::MetadataRecord::kUnregisterBroker:
      return apply_unregister_broker(record.unregister_broker());
    case pb::MetadataRecord::kFenceBroker:
      return apply_fence(record.fence_broker().broker_id(), record.fence_broker().broker_epoch(),
                         true, "FenceBrokerRecord");
    case pb::MetadataRecord::kUnfenceBroker:
      return apply_fence(record.unfence_broker().broker_id(),
                         record.unfence_broker().broker_epoch(), false, "UnfenceBrokerRecord");
    case pb::MetadataRecord::kBrokerRegistrationChange:
      return apply_registration_change(record.broker_registration_change());
    case pb::MetadataRecord::kProducerIds:
      return apply_producer_ids(record.producer_ids());
    case pb::MetadataRecord::kFeatureLevel:
      return apply_feature_level(record.feature_level());
    case pb::MetadataRecord::RECORD_NOT_SET:
      break;
  }
  return corruption("metadata record with no known type");
}

Status MetadataImage::apply_topic(const pb::TopicRecord& r) {
  EDDY_RETURN_IF_ERROR(validate_topic_name(r.name()));
  auto id = Uuid::from_bytes(r.topic_id());
  if (!id || id->is_zero()) return corruption("TopicRecord for " + r.name() + " has a bad id");
  if (topics_.count(r.name()) > 0 || names_by_id_.count(*id) > 0) {
    return corruption("TopicRecord for existing topic " + r.name());
  }
  save_topic(r.name());
  auto topic = std::make_shared<TopicImage>();
  topic->name = r.name();
  topic->id = *id;
  if (undo_ != nullptr) undo_->owned.insert(topic.get());
  topics_.emplace(r.name(), std::move(topic));
  names_by_id_.emplace(*id, r.name());
  return Status::ok();
}

TopicImage* MetadataImage::mutable_topic(TopicMap::iterator it) {
  save_topic(it->first);
  // A copy this batch made is seen by no reader yet: change it in place.
  if (undo_ != nullptr && undo_->owned.count(it->second.get()) > 0) {
    return const_cast<TopicImage*>(it->second.get());
  }
  // Copy on write: readers of the previous image keep the old TopicImage.
  auto copy = std::make_shared<TopicImage>(*it->second);
  if (undo_ != nullptr) undo_->owned.insert(copy.get());
  it->second = copy;
  return copy.get();
}

Result<TopicImage*> MetadataImage::mutable_topic_by_id(const std::string& raw_id) {
  auto id = Uuid::from_bytes(raw_id);
  if (!id) return corruption("record with a malformed topic id");
  auto name = names_by_id_.find(*id);
  if (name == names_by_id_.end()) return corruption("record for unknown topic id");
  return mutable_topic(topics_.find(name->second));
}

Status MetadataImage::apply_partition(const pb::PartitionRecord& r) {
  EDDY_ASSIGN_OR_RETURN(auto topic, mutable_topic_by_id(r.topic_id()));
  int32_t p = r.partition_id();
  if (p < 0 || p >= kMaxPartitionId) return corruption("PartitionRecord with a bad partition id");
  if (static_cast<size_t>(p) > topic->partitions.size()) {
    return corruption("PartitionRecord skips partitions of " + topic->name);
  }
  PartitionState state;
  state.partition = p;
  state.replicas.assign(r.replicas().begin(), r.replicas().end());
  state.isr.assign(r.isr().begin(), r.isr().end());
  state.leader = r.leader();
  state.leader_epoch = r.leader_epoch();
  state.partition_epoch = r.partition_epoch();
  state.removing_replicas.assign(r.removing_replicas().begin(), r.removing_replicas().end());
  state.adding_replicas.assign(r.adding_replicas().begin(), r.adding_replicas().end());
  if (static_cast<size_t>(p) == topic->partitions.size()) {
    topic->partitions.push_back(std::move(state));
  } else {
    topic->partitions[p] = std::move(state);
  }
  return Status::ok();
}

Status MetadataImage::apply_remove_topic(const pb::RemoveTopicRecord& r) {
  auto id = Uuid::from_bytes(r.topic_id());
  if (!id) return corruption("RemoveTopicRecord with a malformed topic id");
  auto name = names_by_id_.find(*id);
  if (name == names_by_id_.end()) return corruption("RemoveTopicRecord for unknown topic id");
  save_topic(name->second);
  topics_.erase(name->second);
  names_by_id_.erase(name);
  return Status::ok();
}

Status MetadataImage::apply_config(const pb::ConfigRecord& r) {
  if (r.resource_type() == kTopicResource) {
    auto it = topics_.find(r.resource_name());
    if (it == topics_.end()) return corruption("ConfigRecord for unknown topic");
    TopicImage* topic = mutable_topic(it);
    if (r.has_value()) {
      topic->configs[r.name()] = r.value();
    } else {
      topic->configs.erase(r.name());
    }
    return Status::ok();
  }
  if (r.resource_type() == kBrokerResource || r.resource_type() == kGroupResource) {
    if (undo_ != nullptr && !undo_->resource_configs) undo_->resource_configs = resource_configs_;
    auto& resources = resource_configs_[r.resource_type()];
    auto& configs = resources[r.resource_name()];
    if (r.has_value()) {
      configs[r.name()] = r.value();
    } else {
      configs.erase(r.name());
      // A group whose last override is deleted leaves nothing behind (group ids are unbounded).
      if (configs.empty()) resources.erase(r.resource_name());
    }
    return Status::ok();
  }
  return corruption("ConfigRecord with unknown resource type");
}

Status MetadataImage::apply_register_broker(const pb::RegisterBrokerRecord& r) {
  BrokerRegistration b;
  b.id = r.broker_id();
  if (auto inc = Uuid::from_bytes(r.incarnation_id())) b.incarnation = *inc;
  for (const auto& e : r.endpoints()) {
    b.endpoints.push_back(
        {e.name(), e.host(), e.port(), static_cast<int16_t>(e.security_protocol())});
  }
  if (r.has_rack()) b.rack = r.rack();
  b.epoch = r.broker_epoch();
  b.fenced = r.fenced();
  b.in_controlled_shutdown = r.in_controlled_shutdown();
  save_brokers();
  brokers_[b.id] = std::move(b);
  return Status::ok();
}

Status MetadataImage::apply_partition_change(const pb::PartitionChangeRecord& r) {
  EDDY_ASSIGN_OR_RETURN(auto topic, mutable_topic_by_id(r.topic_id()));
  int32_t p = r.partition_id();
  if (p < 0 || static_cast<size_t>(p) >= topic->partitions.size()) {
    return corruption("PartitionChangeRecord for an unknown partition of " + topic->name);
  }
  PartitionState& state = topic->partitions[p];
  if (r.has_replicas()) state.replicas.assign(r.replicas().ids().begin(), r.replicas().ids().end());
  if (r.has_isr()) state.isr.assign(r.isr().ids().begin(), r.isr().ids().end());
  if (r.has_removing_replicas()) {
    state.removing_replicas.assign(r.removing_replicas().ids().begin(),
                                   r.removing_replicas().ids().end());
  }
  if (r.has_adding_replicas()) {
    state.adding_replicas.assign(r.adding_replicas().ids().begin(),
                                 r.adding_replicas().ids().end());
  }
  // Kafka's PartitionRegistration.merge: a present leader is a new leadership term.
  if (r.has_leader()) {
    state.leader = r.leader();
    ++state.leader_epoch;
  }
  ++state.partition_epoch;
  return Status::ok();
}

Result<BrokerRegistration*> MetadataImage::registered(int32_t id, int64_t epoch,
                                                      const char* record) {
  auto it = brokers_.find(id);
  if (it == brokers_.end()) {
    return corruption(std::string(record) + " for unregistered broker " + std::to_string(id));
  }
  if (it->second.epoch != epoch) {
    return corruption(std::string(record) + " for broker " + std::to_string(id) + " epoch " +
                      std::to_string(epoch) + ", registered with epoch " +
                      std::to_string(it->second.epoch));
  }
  save_brokers();
  return &it->second;
}

Status MetadataImage::apply_unregister_broker(const pb::UnregisterBrokerRecord& r) {
  EDDY_ASSIGN_OR_RETURN(auto b, registered(r.broker_id(), r.broker_epoch(), "UnregisterBroker"));
  (void)b;
  brokers_.erase(r.broker_id());
  return Status::ok();
}

Status MetadataImage::apply_fence(int32_t id, int64_t epoch, bool fenced, const char* record) {
  EDDY_ASSIGN_OR_RETURN(auto b, registered(id, epoch, record));
  b->fenced = fenced;
  // Kafka's FenceBrokerRecord also ends a controlled shutdown: the broker has stopped.
  if (fenced) b->in_controlled_shutdown = false;
  return Status::ok();
}

Status MetadataImage::apply_registration_change(const pb::BrokerRegistrationChangeRecord& r) {
  EDDY_ASSIGN_OR_RETURN(auto b,
                        registered(r.broker_id(), r.broker_epoch(), "BrokerRegistrationChange"));
  if (r.has_fenced()) b->fenced = r.fenced();
  if (r.has_in_controlled_shutdown()) b->in_controlled_shutdown = r.in_controlled_shutdown();
  return Status::ok();
}

Status MetadataImage::apply_producer_ids(const pb::ProducerIdsRecord& r) {
  // Blocks only move forward: an id handed out twice would let two producers share it.
  if (r.next_producer_id() <= next_producer_id_) {
    return corruption("ProducerIdsRecord moves the next producer id back from " +
                      std::to_string(next_producer_id_) + " to " +
                      std::to_string(r.next_producer_id()));
  }
  next_producer_id_ = r.next_producer_id();
  return Status::ok();
}

Status MetadataImage::apply_feature_level(const pb::FeatureLevelRecord& r) {
  if (r.name().empty() || r.feature_level() < 0 || r.feature_level() > INT16_MAX) {
    return corruption("FeatureLevelRecord with a bad name or level");
  }
  if (undo_ != nullptr && !undo_->features) undo_->features = features_;
  if (r.feature_level() == 0) {
    features_.erase(r.name());
  } else {
    features_[r.name()] = static_cast<int16_t>(r.feature_level());
  }
  return Status::ok();
}

const BrokerRegistration* MetadataImage::broker(int32_t id) const {
  auto it = brokers_.find(id);
  return it == brokers_.end() ? nullptr : &it->second;
}

bool MetadataImage::broker_active(int32_t id) const {
  const BrokerRegistration* b = broker(id);
  return b != nullptr && b->active();
}

const TopicImage* MetadataImage::topic(std::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : it->second.get();
}

const TopicImage* MetadataImage::topic_by_id(const Uuid& id) const {
  auto it = names_by_id_.find(id);
  return it == names_by_id_.end() ? nullptr : topic(it->second);
}

const std::map<std::string, std::string>* MetadataImage::resource_configs(
    int32_t type, std::string_view name) const {
  auto by_type = resource_configs_.find(type);
  if (by_type == resource_configs_.end()) return nullptr;
  auto it = by_type->second.find(name);
  return it == by_type->second.end() ? nullptr : &it->second;
}

size_t MetadataImage::partition_count() const {
  size_t n = 0;
  for (const auto& [name, t] : topics_) n += t->partitions.size();
  return n;
}

std::vector<pb::MetadataRecord> MetadataImage::to_records() const {
  std::vector<pb::MetadataRecord> out;
  for (const auto& [name, level] : features_) {
    auto* f = out.emplace_back().mutable_feature_level();
    f->set_name(name);
    f->set_feature_level(level);
  }
  for (const auto& [id, b] : brokers_) to_record(b, out.emplace_back().mutable_register_broker());
  if (next_producer_id_ > 0) {
    out.emplace_back().mutable_producer_ids()->set_next_producer_id(next_producer_id_);
  }
  for (const auto& [type, resources] : resource_configs_) {
    for (const auto& [resource, configs] : resources) {
      for (const auto& [k, v] : configs) {
        auto* c = out.emplace_back().mutable_config();
        c->set_resource_type(type);
        c->set_resource_name(resource);
        c->set_name(k);
        c->set_value(v);
      }
    }
  }
  for (const auto& [name, t] : topics_) {
    auto* tr = out.emplace_back().mutable_topic();
    tr->set_name(t->name);
    tr->set_topic_id(t->id.raw());
    for (const auto& p : t->partitions) {
      auto* pr = out.emplace_back().mutable_partition();
      pr->set_topic_id(t->id.raw());
      pr->set_partition_id(p.partition);
      for (int32_t r : p.replicas) pr->add_replicas(r);
      for (int32_t r : p.isr) pr->add_isr(r);
      pr->set_leader(p.leader);
      pr->set_leader_epoch(p.leader_epoch);
      pr->set_partition_epoch(p.partition_epoch);
      set_ids(p.removing_replicas, pr->mutable_removing_replicas());
      set_ids(p.adding_replicas, pr->mutable_adding_replicas());
    }
    for (const auto& [k, v] : t->configs) {
      auto* c = out.emplace_back().mutable_config();
      c->set_resource_type(kTopicResource);
      c->set_resource_name(t->name);
      c->set_name(k);
      c->set_value(v);
    }
  }
  return out;
}

}  // namespace eddy::metadata
