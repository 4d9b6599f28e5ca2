#pragma once
// The group coordinator's records in the real __consumer_offsets partitions. Appends go through
// the ReplicaManager as acks=all produces, so a commit is answered only once its batch is durable
// under the flush policy and in every in-sync replica's log (the high watermark covers it).
// Replays read the partition log from its start to its end, batch by batch.

#include <cstdint>

#include "broker/group/coordinator_log.h"
#include "broker/replica/replica_manager.h"

namespace eddy::group {

class ReplicaCoordinatorLog final : public CoordinatorLog {
 public:
  // `replicas` outlives this object; `commit_timeout_ms` is offsets.commit.timeout.ms.
  ReplicaCoordinatorLog(broker::ReplicaManager& replicas, const Clock& clock,
                        int32_t commit_timeout_ms)
      : replicas_(replicas), clock_(clock), commit_timeout_ms_(commit_timeout_ms) {}

  void append(int32_t partition, std::vector<CoordinatorRecord> records,
              std::function<void(Status)> done) override;
  Status replay(int32_t partition,
                const std::function<void(const CoordinatorRecord&)>& visit) override;

 private:
  broker::ReplicaManager& replicas_;
  const Clock& clock_;
  int32_t commit_timeout_ms_;
};

}  // namespace eddy::group
