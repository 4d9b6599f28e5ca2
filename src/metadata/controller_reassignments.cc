// ClusterControl's partition reassignments (AlterPartitionReassignments): start, replace and
// cancel. Completion happens in PartitionChangeBuilder, with whatever change brings the last
// target replica into the ISR (AlterPartition from the leader).
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

// `a` without the members of `b`, in a's order.
std::vector<int32_t> minus(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::vector<int32_t> out;
  for (int32_t x : a) {
    if (!contains(b, x)) out.push_back(x);
  }
  return out;
}

std::string partition_name(const std::string& topic, int32_t partition) {
  return topic + "-" + std::to_string(partition);
}

}  // namespace

ControllerResult ClusterControl::alter_partition_reassignment(
    const MetadataImage& image, const std::string& topic, int32_t partition,
    const std::optional<std::vector<int32_t>>& target, bool allow_rf_change,
    pb::MetadataBatch* out) const {
  const TopicImage* t = image.topic(topic);
  if (t == nullptr || partition < 0 || static_cast<size_t>(partition) >= t->partitions.size()) {
    return ControllerResult::error(E::kUnknownTopicOrPartition,
                                   "No such topic-partition " + partition_name(topic, partition));
  }
  const PartitionState& p = t->partitions[partition];
  const bool in_progress = !p.adding_replicas.empty() || !p.removing_replicas.empty();
  // The replicas before any reassignment: those being added are not part of them.
  const std::vector<int32_t> original = minus(p.replicas, p.adding_replicas);
  PartitionChangeBuilder b(t->id, p, can_lead_in(image));
  b.set_unclean_enabled(
      unclean_election_enabled(image, *t, settings_.unclean_leader_election_enable));
  if (!target) {
    if (!in_progress) {
      return ControllerResult::error(
          E::kNoReassignmentInProgress,
          "No ongoing reassignment for partition " + partition_name(topic, partition));
    }
    // Kafka's PartitionReassignmentRevert: the ISR keeps the original replicas only. It is a
    // revert even when every adding replica has caught up (only a completion, which needs every
    // target replica in the ISR, keeps them). When no original replica is left in the ISR (all
    // its members are adding replicas), going back means an ISR of the first original replica,
    // which may lack acknowledged records: an unclean election, refused as Kafka's
    // cancelPartitionReassignment refuses it unless unclean.leader.election.enable.
    std::vector<int32_t> isr = minus(p.isr, p.adding_replicas);
    if (isr.empty()) {
      if (!settings_.unclean_leader_election_enable) {
        return ControllerResult::error(E::kInvalidReplicaAssignment,
                                       "Unable to revert partition assignment for " + topic + ":" +
                                           std::to_string(partition) +
                                           " because it would require an unclean leader election.");
      }
      isr.push_back(original.front());
      b.set_election(Election::kUnclean);
    }
    b.set_target_replicas(original).set_target_isr(isr).set_target_removing({}).set_target_adding(
        {});
    if (auto change = b.build()) *out->add_records()->mutable_partition_change() = *change;
    return {};
  }
  const std::vector<int32_t>& want = *target;
  if (want.empty()) {
    return ControllerResult::error(E::kInvalidReplicaAssignment,
                                   "The manual partition assignment includes an empty replica "
                                   "list.");
  }
  if (std::set<int32_t>(want.begin(), want.end()).size() != want.size()) {
    return ControllerResult::error(E::kInvalidReplicaAssignment,
                                   "The manual partition assignment includes the partition with "
                                   "duplicate replicas.");
  }
  for (int32_t r : want) {
    if (image.broker(r) == nullptr) {
      return ControllerResult::error(E::kInvalidReplicaAssignment,
                                     "The manual partition assignment includes broker " +
                                         std::to_string(r) + ", but no such broker is registered.");
    }
  }
  if (!allow_rf_change && want.size() != original.size()) {
    return ControllerResult::error(E::kInvalidReplicationFactor,
                                   "The replication factor is changed from " +
                                       std::to_string(original.size()) + " to " +
                                       std::to_string(want.size()) + " but that is not allowed.");
  }
  // Kafka's PartitionReassignmentReplicas: the target first, then the replicas on their way out.
  std::vector<int32_t> replicas = want;
  for (int32_t r : minus(original, want)) replicas.push_back(r);
  b.set_target_replicas(replicas)
      .set_target_removing(minus(original, want))
      .set_target_adding(minus(want, original));
  // Replaced: replicas that an earlier reassignment was adding and this one does not want leave
  // the ISR with it. When they are the whole ISR, nothing in sync would be left: refused (the
  // builder would otherwise keep the old ISR, outside the new replicas), as Kafka refuses a
  // revert that would need an unclean election.
  std::vector<int32_t> isr = minus(p.isr, minus(p.adding_replicas, want));
  if (isr.empty()) {
    return ControllerResult::error(
        E::kInvalidReplicaAssignment,
        "Unable to reassign partition " + partition_name(topic, partition) +
            " because every in-sync replica is one the ongoing reassignment is adding and the "
            "new target leaves out.");
  }
  b.set_target_isr(std::move(isr));
  if (auto change = b.build()) *out->add_records()->mutable_partition_change() = *change;
  return {};
}

}  // namespace eddy::metadata
