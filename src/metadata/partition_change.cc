#include "metadata/partition_change.h"

#include <algorithm>

namespace eddy::metadata {

PartitionChangeBuilder::PartitionChangeBuilder(const Uuid& topic_id,
                                               const PartitionState& partition, CanLead can_lead)
    : topic_id_(topic_id),
      partition_(partition),
      can_lead_(std::move(can_lead)),
      target_isr_(partition.isr),
      target_replicas_(partition.replicas),
      target_removing_(partition.removing_replicas),
      target_adding_(partition.adding_replicas) {}

PartitionChangeBuilder& PartitionChangeBuilder::set_target_isr(std::vector<int32_t> isr) {
  target_isr_ = std::move(isr);
  return *this;
}

PartitionChangeBuilder& PartitionChangeBuilder::set_target_replicas(std::vector<int32_t> replicas) {
  target_replicas_ = std::move(replicas);
  return *this;
}

PartitionChangeBuilder& PartitionChangeBuilder::set_target_removing(std::vector<int32_t> removing) {
  target_removing_ = std::move(removing);
  return *this;
}

PartitionChangeBuilder& PartitionChangeBuilder::set_target_adding(std::vector<int32_t> adding) {
  target_adding_ = std::move(adding);
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

namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void set_ids(const std::vector<int32_t>& ids, pb::BrokerIds* out) {
  out->mutable_ids()->Add(ids.begin(), ids.end());
}

}  // namespace

PartitionChangeBuilder::Targets PartitionChangeBuilder::complete_reassignment() const {
  Targets t{target_replicas_, target_isr_, target_removing_, target_adding_};
  if (t.removing.empty() && t.adding.empty()) return t;
  std::vector<int32_t> target;
  for (int32_t r : t.replicas) {
    if (!contains(t.removing, r)) target.push_back(r);
  }
  for (int32_t r : target) {
    if (!contains(t.isr, r)) return t;  // an adding replica has not caught up yet
  }
  std::vector<int32_t> isr;
  for (int32_t r : t.isr) {
    if (contains(target, r)) isr.push_back(r);
  }
  return {std::move(target), std::move(isr), {}, {}};
}

PartitionChangeBuilder::Outcome PartitionChangeBuilder::elect(const Targets& t) const {
  // Never an empty ISR: its last member stays, leaderless, until it can lead again.
  std::vector<int32_t> isr = t.isr.empty() ? partition_.isr : t.isr;
  auto eligible = [&](int32_t b) { return contains(isr, b) && can_lead_(b); };
  if (election_ == Election::kPreferred && !t.replicas.empty() && eligible(t.replicas[0])) {
    return {t.replicas[0], isr};
  }
  if (partition_.leader != kNoLeader && eligible(partition_.leader) &&
      contains(t.replicas, partition_.leader)) {
    return {partition_.leader, isr};
  }
  for (int32_t r : t.replicas) {
    if (eligible(r)) return {r, isr};
  }
  if (election_ == Election::kUnclean || unclean_enabled_) {
    for (int32_t r : t.replicas) {
      if (can_lead_(r)) return {r, {r}};
    }
  }
  return {kNoLeader, isr};
}

int32_t PartitionChangeBuilder::elected_leader() const {
  return elect(complete_reassignment()).leader;
}

std::optional<pb::PartitionChangeRecord> PartitionChangeBuilder::build() const {
  Targets t = complete_reassignment();
  Outcome o = elect(t);
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
  if (t.replicas != partition_.replicas) {
    set_ids(t.replicas, r.mutable_replicas());
    changed = true;
  }
  if (t.removing != partition_.removing_replicas) {
    set_ids(t.removing, r.mutable_removing_replicas());
    changed = true;
  }
  if (t.adding != partition_.adding_replicas) {
    set_ids(t.adding, r.mutable_adding_replicas());
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
