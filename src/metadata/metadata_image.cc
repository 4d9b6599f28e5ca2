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
}

Status MetadataImage::apply_records(const Records& records) {
  Undo undo;
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
  if (undo_->broker_configs) broker_configs_ = std::move(*undo_->broker_configs);
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
  if (r.resource_type() == kBrokerResource) {
    if (undo_ != nullptr && !undo_->broker_configs) undo_->broker_configs = broker_configs_;
    auto& configs = broker_configs_[r.resource_name()];
    if (r.has_value()) {
      configs[r.name()] = r.value();
    } else {
      configs.erase(r.name());
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
  if (undo_ != nullptr && !undo_->brokers) undo_->brokers = brokers_;
  brokers_[b.id] = std::move(b);
  return Status::ok();
}

const TopicImage* MetadataImage::topic(std::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : it->second.get();
}

const TopicImage* MetadataImage::topic_by_id(const Uuid& id) const {
  auto it = names_by_id_.find(id);
  return it == names_by_id_.end() ? nullptr : topic(it->second);
}

const std::map<std::string, std::string>* MetadataImage::broker_configs(
    std::string_view resource) const {
  auto it = broker_configs_.find(resource);
  return it == broker_configs_.end() ? nullptr : &it->second;
}

size_t MetadataImage::partition_count() const {
  size_t n = 0;
  for (const auto& [name, t] : topics_) n += t->partitions.size();
  return n;
}

std::vector<pb::MetadataRecord> MetadataImage::to_records() const {
  std::vector<pb::MetadataRecord> out;
  for (const auto& [id, b] : brokers_) to_record(b, out.emplace_back().mutable_register_broker());
  for (const auto& [resource, configs] : broker_configs_) {
    for (const auto& [k, v] : configs) {
      auto* c = out.emplace_back().mutable_config();
      c->set_resource_type(kBrokerResource);
      c->set_resource_name(resource);
      c->set_name(k);
      c->set_value(v);
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
