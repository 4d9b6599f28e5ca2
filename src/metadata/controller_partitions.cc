// ClusterControl's partition decisions: ISR and leadership changes when brokers come and go,
// AlterPartition, ElectLeaders and the automatic preferred-leader rebalance.
#include <algorithm>
#include <set>

#include "metadata/cluster_control.h"
#include "metadata/unclean_election.h"

namespace eddy::metadata {
namespace {

using E = protocol::ErrorCode;

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void add_change(std::optional<pb::PartitionChangeRecord> r, pb::MetadataBatch* out) {
  if (r) *out->add_records()->mutable_partition_change() = std::move(*r);
}

}  // namespace

void ClusterControl::leave_isrs(const MetadataImage& image, int32_t broker,
                                pb::MetadataBatch* out) const {
  auto can_lead = can_lead_in(image, /*except=*/broker);
  for (const auto& [name, t] : image.topics()) {
    for (const auto& p : t->partitions) {
      if (!contains(p.isr, broker) && p.leader != broker) continue;
      std::vector<int32_t> isr;
      for (int32_t r : p.isr) {
        if (r != broker) isr.push_back(r);
      }
      PartitionChangeBuilder b(t->id, p, can_lead);
      b.set_target_isr(std::move(isr))
          .set_unclean_enabled(
              unclean_election_enabled(image, *t, settings_.unclean_leader_election_enable));
      add_change(b.build(), out);
    }
  }
}

void ClusterControl::elect_leaderless(const MetadataImage& image, int32_t broker,
                                      pb::MetadataBatch* out) const {
  auto can_lead = can_lead_in(image, /*except=*/-1, /*also=*/broker);
  for (const auto& [name, t] : image.topics()) {
    for (const auto& p : t->partitions) {
      if (p.leader != kNoLeader || !contains(p.replicas, broker)) continue;
      PartitionChangeBuilder b(t->id, p, can_lead);
      b.set_unclean_enabled(
          unclean_election_enabled(image, *t, settings_.unclean_leader_election_enable));
      add_change(b.build(), out);
    }
  }
}

AlterPartitionReply ClusterControl::alter_partition(const MetadataImage& image,
                                                    const AlterPartitionRequest& request,
                                                    pb::MetadataBatch* out) const {
  AlterPartitionReply reply;
  const BrokerRegistration* sender = image.broker(request.broker_id);
  if (sender == nullptr || sender->epoch != request.broker_epoch) {
    reply.error = E::kStaleBrokerEpoch;
    return reply;
  }
  for (const auto& req : request.partitions) {
    AlterPartitionReply::Partition& res = reply.partitions.emplace_back();
    res.topic_id = req.topic_id;
    res.partition = req.partition;
    const TopicImage* topic = image.topic_by_id(req.topic_id);
    if (topic == nullptr) {
      res.error = E::kUnknownTopicId;
      continue;
    }
    if (req.partition < 0 || static_cast<size_t>(req.partition) >= topic->partitions.size()) {
      res.error = E::kUnknownTopicOrPartition;
      continue;
    }
    const PartitionState& p = topic->partitions[req.partition];
    std::vector<int32_t> isr;
    for (const auto& r : req.new_isr) isr.push_back(r.broker_id);
    std::set<int32_t> distinct(isr.begin(), isr.end());
    bool subset =
        std::all_of(isr.begin(), isr.end(), [&](int32_t r) { return contains(p.replicas, r); });
    if (req.leader_epoch > p.leader_epoch || req.partition_epoch > p.partition_epoch) {
      // The sender knows a newer partition state than ours: we are likely no longer the
      // active controller.
      res.error = E::kNotController;
    } else if (req.leader_epoch < p.leader_epoch) {
      res.error = E::kFencedLeaderEpoch;
    } else if (request.broker_id != p.leader) {
      res.error = E::kInvalidRequest;
    } else if (req.partition_epoch < p.partition_epoch) {
      res.error = E::kInvalidUpdateVersion;
    } else if (isr.empty() || distinct.size() != isr.size() || !subset ||
               !contains(isr, p.leader)) {
      res.error = E::kInvalidRequest;
    } else {
      for (const auto& r : req.new_isr) {
        const BrokerRegistration* b = image.broker(r.broker_id);
        if (b == nullptr || !b->active() || (r.broker_epoch != -1 && r.broker_epoch != b->epoch)) {
          res.error = E::kIneligibleReplica;
          break;
        }
      }
    }
    if (res.error != E::kNone) continue;
    PartitionChangeBuilder b(topic->id, p, can_lead_in(image));
    b.set_target_isr(isr);
    auto change = b.build();
    res.leader = p.leader;
    res.isr = isr;
    res.leader_epoch = p.leader_epoch;
    res.partition_epoch = p.partition_epoch;
    if (change) {
      if (change->has_leader()) {
        res.leader = change->leader();
        ++res.leader_epoch;
      }
      // The ISR as it becomes: a completed reassignment keeps only the target replicas.
      if (change->has_isr()) res.isr.assign(change->isr().ids().begin(), change->isr().ids().end());
      ++res.partition_epoch;
      add_change(std::move(change), out);
    }
  }
  return reply;
}

std::vector<ElectionResult> ClusterControl::elect_leaders(
    const MetadataImage& image, Election election,
    const std::vector<std::pair<std::string, int32_t>>& partitions, pb::MetadataBatch* out) const {
  std::vector<ElectionResult> results;
  auto elect_one = [&](const std::string& name, int32_t partition) {
    ElectionResult res;
    res.topic = name;
    res.partition = partition;
    const TopicImage* t = image.topic(name);
    if (t == nullptr || partition < 0 || static_cast<size_t>(partition) >= t->partitions.size()) {
      res.error = E::kUnknownTopicOrPartition;
      res.message = "No such topic-partition " + name + "-" + std::to_string(partition);
      return res;
    }
    const PartitionState& p = t->partitions[partition];
    if (election == Election::kPreferred && !p.replicas.empty() && p.leader == p.replicas[0]) {
      res.error = E::kElectionNotNeeded;
      return res;
    }
    if (election == Election::kUnclean && p.leader != kNoLeader) {
      res.error = E::kElectionNotNeeded;
      return res;
    }
    PartitionChangeBuilder b(t->id, p, can_lead_in(image));
    b.set_election(election).set_unclean_enabled(
        unclean_election_enabled(image, *t, settings_.unclean_leader_election_enable));
    auto change = b.build();
    if (!change) {
      res.error = election == Election::kPreferred ? E::kPreferredLeaderNotAvailable
                                                   : E::kEligibleLeadersNotAvailable;
      res.message = "Failed to elect leader for " + name + "-" + std::to_string(partition);
      return res;
    }
    add_change(std::move(change), out);
    return res;
  };
  if (!partitions.empty()) {
    for (const auto& [name, partition] : partitions) results.push_back(elect_one(name, partition));
    return results;
  }
  for (const auto& [name, t] : image.topics()) {
    for (const auto& p : t->partitions) {
      ElectionResult res = elect_one(name, p.partition);
      if (res.error != E::kElectionNotNeeded) results.push_back(std::move(res));
    }
  }
  return results;
}

int32_t ClusterControl::rebalance_leaders(const MetadataImage& image,
                                          pb::MetadataBatch* out) const {
  struct Load {
    int64_t preferred = 0;
    std::vector<std::pair<const TopicImage*, const PartitionState*>> not_leading;
  };
  std::map<int32_t, Load> loads;
  for (const auto& [name, t] : image.topics()) {
    for (const auto& p : t->partitions) {
      if (p.replicas.empty()) continue;
      Load& l = loads[p.replicas[0]];
      ++l.preferred;
      if (p.leader != p.replicas[0]) l.not_leading.emplace_back(t.get(), &p);
    }
  }
  auto can_lead = can_lead_in(image);
  int32_t moved = 0;
  for (const auto& [broker, l] : loads) {
    // Kafka's check: imbalance ratio = not led / preferred, against the percentage.
    if (l.not_leading.size() * 100 <=
        static_cast<size_t>(l.preferred) *
            static_cast<size_t>(settings_.leader_imbalance_per_broker_percentage)) {
      continue;
    }
    for (const auto& [t, p] : l.not_leading) {
      PartitionChangeBuilder b(t->id, *p, can_lead);
      b.set_election(Election::kPreferred);
      if (b.elected_leader() != broker) continue;  // the preferred one cannot lead now
      add_change(b.build(), out);
      ++moved;
    }
  }
  return moved;
}

}  // namespace eddy::metadata
