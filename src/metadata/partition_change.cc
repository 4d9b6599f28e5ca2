#include "metadata/partition_change.h"

#include <algorithm>

namespace eddy::metadata {

PartitionChangeBuilder::PartitionChangeBuilder(const Uuid& topic_id,
                                               const PartitionState& partition, CanLead can_lead)
    : topic_id_(topic_id),
      partition_(partition),
      can_lead_(std::move(can_lead)),
      target_isr_(partition.isr),
      target_replicas_(partition.replicas) {}

PartitionChangeBuilder& PartitionChangeBuilder::set_target_isr(std::vector<int32_t> isr) {
  target_isr_ = std::move(isr);
  return *this;
}

PartitionChangeBuilder& PartitionChangeBuilder::set_target_replicas(std::vector<int32_t> replicas) {
  target_replicas_ = std::move(replicas);
  return *this;
}

PartitionChangeBuilder& PartitionChangeBuilder::set_election(Election election) {
  election_ = election;
  return *this;
}

PartitionChangeBuilder& PartitionChangeBuilder::set_unclean_enabled(bool enabled) {
  unclean_enabled_ = enabled;
  return *this;
}

bool PartitionChangeBuilder::in_target_isr(int32_t broker) const {
  return std::find(target_isr_.begin(), target_isr_.end(), broker) != target_isr_.end();
}

PartitionChangeBuilder::Outcome PartitionChangeBuilder::elect() const {
  // Never an empty ISR: its last member stays, leaderless, until it can lead again.
  std::vector<int32_t> isr = target_isr_.empty() ? partition_.isr : target_isr_;
  auto eligible = [&](int32_t b) {
    return std::find(isr.begin(), isr.end(), b) != isr.end() && can_lead_(b);
  };
  if (election_ == Election::kPreferred && !target_replicas_.empty() &&
      eligible(target_replicas_[0])) {
    return {target_replicas_[0], isr};
  }
  if (partition_.leader != kNoLeader && eligible(partition_.leader) &&
      std::find(target_replicas_.begin(), target_replicas_.end(), partition_.leader) !=
          target_replicas_.end()) {
    return {partition_.leader, isr};
  }
  for (int32_t r : target_replicas_) {
    if (eligible(r)) return {r, isr};
  }
  if (election_ == Election::kUnclean || unclean_enabled_) {
    for (int32_t r : target_replicas_) {
      if (can_lead_(r)) return {r, {r}};
    }
  }
  return {kNoLeader, isr};
}

int32_t PartitionChangeBuilder::elected_leader() const { return elect().leader; }

std::optional<pb::PartitionChangeRecord> PartitionChangeBuilder::build() const {
  Outcome o = elect();
  pb::PartitionChangeRecord r;
  r.set_topic_id(topic_id_.raw());
  r.set_partition_id(partition_.partition);
  bool changed = false;
  if (o.leader != partition_.leader) {
    r.set_leader(o.leader);
    changed = true;
  }
  if (o.isr != partition_.isr) {
    r.mutable_isr()->mutable_ids()->Add(o.isr.begin(), o.isr.end());
    changed = true;
  }
  if (target_replicas_ != partition_.replicas) {
    r.mutable_replicas()->mutable_ids()->Add(target_replicas_.begin(), target_replicas_.end());
    changed = true;
  }
  if (!changed) return std::nullopt;
  return r;
}

PartitionChangeBuilder::CanLead can_lead_in(const MetadataImage& image, int32_t except,
                                            int32_t also) {
  return [&image, except, also](int32_t b) {
    if (b == except) return false;
    if (b == also) return true;
    return image.broker_active(b);
  };
}

}  // namespace eddy::metadata
