#pragma once
// Kafka's PartitionChangeBuilder: from a partition's current state, a target ISR and replicas and
// an election kind, the PartitionChangeRecord that carries the change (nothing when nothing
// changes). Elections:
// - online: keep the current leader while it is in the target ISR and may lead; else the first
//   replica (in replica order) that is in the target ISR and may lead;
// - preferred: replicas[0] when it is in the target ISR and may lead; else as online;
// - unclean (an ElectLeaders UNCLEAN request, or unclean.leader.election.enable): when the
//   above finds no leader, the first replica that may lead, and the ISR becomes just it (data
//   it never had may be lost: the price of availability).
// Only an active broker (registered, unfenced, not in controlled shutdown) may lead. No leader
// found: leader -1. An ISR is never shrunk to empty: the last member stays (leader -1), so that
// a clean election can happen when it returns.
//
// Reassignment (Kafka's completeReassignmentIfNeeded): while one is in progress (adding or
// removing replicas), every change checks whether all the target replicas (replicas minus
// removing) are in the target ISR; then it completes in the same change: replicas = the target,
// the ISR keeps only target replicas, adding and removing are cleared, and a leader that was
// being removed gives way (an online election among the target).

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "metadata/metadata_image.h"

namespace eddy::metadata {

enum class Election : int8_t { kOnline = 0, kPreferred = 1, kUnclean = 2 };

class PartitionChangeBuilder {
 public:
  using CanLead = std::function<bool(int32_t broker)>;

  PartitionChangeBuilder(const Uuid& topic_id, const PartitionState& partition, CanLead can_lead);

  PartitionChangeBuilder& set_target_isr(std::vector<int32_t> isr);
  PartitionChangeBuilder& set_target_replicas(std::vector<int32_t> replicas);
  PartitionChangeBuilder& set_target_removing(std::vector<int32_t> removing);
  PartitionChangeBuilder& set_target_adding(std::vector<int32_t> adding);
  PartitionChangeBuilder& set_election(Election election);
  // unclean.leader.election.enable: an online election may fall back to an unclean one.
  PartitionChangeBuilder& set_unclean_enabled(bool enabled);

  // The change, or nullopt when the partition would stay as it is.
  std::optional<pb::PartitionChangeRecord> build() const;
  // The leader build() elects (the current one when it stays).
  int32_t elected_leader() const;

 private:
  struct Outcome {
    int32_t leader;
    std::vector<int32_t> isr;
  };
  // The replicas, ISR, removing and adding replicas after a reassignment that completes.
  struct Targets {
    std::vector<int32_t> replicas;
    std::vector<int32_t> isr;
    std::vector<int32_t> removing;
    std::vector<int32_t> adding;
  };
  Targets complete_reassignment() const;
  Outcome elect(const Targets& t) const;

  Uuid topic_id_;
  const PartitionState& partition_;
  CanLead can_lead_;
  std::vector<int32_t> target_isr_;
  std::vector<int32_t> target_replicas_;
  std::vector<int32_t> target_removing_;
  std::vector<int32_t> target_adding_;
  Election election_ = Election::kOnline;
  bool unclean_enabled_ = false;
};

// The can-lead predicate of an image: the broker is active. `except` (a broker being fenced or
// shut down by the batch being planned) may not lead either; `also` (a broker the batch
// unfences) may.
PartitionChangeBuilder::CanLead can_lead_in(const MetadataImage& image, int32_t except = -1,
                                            int32_t also = -1);

}  // namespace eddy::metadata
