#pragma once
// ReplicationState: the replication bookkeeping of one partition, free of I/O, clocks and locks
// (Partition holds it under its mutex and passes the time in; unit tests drive it as transcripts).
// It is Kafka's Partition/Replica logic reduced to values:
//
// Leader side. Each follower's state (the offset it last fetched at: it holds everything below;
// when it last caught up with the leader's log end). The high watermark is the minimum, over the
// maximal ISR, of those offsets and the leader's own safe end (its fsynced end under
// log.flush.policy=sync); it does not move while the maximal ISR is smaller than
// min.insync.replicas. The maximal ISR is the committed ISR plus what a pending AlterPartition
// adds: a shrink counts the leaving replica until the controller commits it, an expansion counts
// the joining one at once (Kafka's PendingExpandIsr / PendingShrinkIsr), so the HW never
// advances past what a committed ISR could lack. One AlterPartition is in flight per partition.
//
// Low watermark. Each follower's log start offset, as its fetches report it (Kafka's
// FetchRequest log_start_offset): the low watermark is the minimum log start over the leader and
// every replica whose broker is alive (registered and unfenced), in the ISR or not, as Kafka's
// Partition.lowWatermarkIfLeader counts them. DeleteRecords completes once it reaches the
// requested offset.
//
// ISR changes. A follower joins when its fetch offset reaches the high watermark and the start
// of the current leader epoch; it leaves after replica.lag.time.max.ms without having caught up
// with the leader's log end (Kafka's lastCaughtUpTimeMs rule).
//
// Follower side. Where to truncate on a DivergingEpoch answer (KIP-279, Kafka's
// AbstractFetcherThread.getOffsetTruncationState), and the leader's divergence check of a
// follower fetch's LastFetchedEpoch.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace eddy::broker {

// An (epoch, end offset) pair as OffsetForLeaderEpoch answers it; (-1, -1) is undefined.
struct EpochAndOffset {
  int32_t epoch = -1;
  int64_t end_offset = -1;
  bool operator==(const EpochAndOffset&) const = default;
};

struct FollowerState {
  int64_t log_end_offset = -1;    // the offset it last fetched at; -1 unknown
  int64_t log_start_offset = -1;  // its log start as its last fetch reported it; -1 unknown
  int64_t last_caught_up_ms = 0;
  int64_t last_fetch_leader_leo = -1;
  int64_t last_fetch_ms = 0;
};

// The partition's assignment as the metadata (or a committed AlterPartition) states it.
struct ReplicaAssignment {
  int32_t leader = -1;
  int32_t leader_epoch = -1;
  int32_t partition_epoch = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

class ReplicationState {
 public:
  explicit ReplicationState(int32_t local_id) : local_(local_id) {}

  // This replica leads from now on, at the assignment's leader epoch, which starts at
  // `epoch_start_offset` (the leader's log end). Follower states start afresh: ISR members count
  // as caught up now, the others never were (Kafka's resetReplicaState); a pending change is
  // dropped (it belonged to the previous epoch).
  void become_leader(const ReplicaAssignment& a, int64_t epoch_start_offset, int64_t now_ms);
  // Follows `a.leader`: no follower states, nothing pending.
  void become_follower(const ReplicaAssignment& a);
  // The metadata changed replicas or ISR within the same leader epoch. An older partition epoch
  // is ignored; a newer one ends a pending change (the controller decided).
  void update_assignment(const ReplicaAssignment& a);

  bool is_leader() const { return assignment_.leader == local_ && leading_; }
  const ReplicaAssignment& assignment() const { return assignment_; }
  bool is_replica(int32_t broker) const;
  // Committed ISR plus a pending expansion's newcomer.
  std::vector<int32_t> maximal_isr() const;

  // A follower whose log starts at `log_start` fetched at `fetch_offset` when the leader's log
  // end was `leader_leo`.
  void update_follower(int32_t replica, int64_t fetch_offset, int64_t log_start, int64_t leader_leo,
                       int64_t now_ms);
  const FollowerState* follower(int32_t replica) const;

  // The high watermark the ISR allows: min over the maximal ISR of the follower offsets and
  // `local_safe_end`; nullopt while the maximal ISR is below `min_isr`.
  std::optional<int64_t> high_watermark(int64_t local_safe_end, int32_t min_isr) const;

  // The low watermark: the minimum of `local_log_start` and the log start of every follower
  // whose broker `alive` accepts (null: all), -1 while one of those has not reported it yet.
  int64_t low_watermark(int64_t local_log_start, const std::function<bool(int32_t)>& alive) const;

  // The ISR to propose when `replica` may join it (it reached `hw` and the leader epoch's start),
  // nothing while a change is pending or when it is already a member.
  std::optional<std::vector<int32_t>> isr_to_expand(int32_t replica, int64_t hw) const;
  // The ISR without the members that have not caught up with `leader_leo` within `max_lag_ms`
  // (the leader itself always stays); nothing while a change is pending or when all are in sync.
  std::optional<std::vector<int32_t>> isr_to_shrink(int64_t leader_leo, int64_t now_ms,
                                                    int64_t max_lag_ms) const;

  // AlterPartition: a proposal goes out (pending), then the controller's answer comes back.
  bool has_pending() const { return pending_.has_value(); }
  const std::optional<std::vector<int32_t>>& pending() const { return pending_; }
  void set_pending(std::vector<int32_t> isr) { pending_ = std::move(isr); }
  // The controller committed `isr` at `partition_epoch` (or answered with the state it has).
  void alter_partition_committed(std::vector<int32_t> isr, int32_t partition_epoch);
  // The controller refused or could not be reached: the next trigger proposes again.
  void alter_partition_failed() { pending_.reset(); }

 private:
  bool in_sync(int32_t replica, int64_t leader_leo, int64_t now_ms, int64_t max_lag_ms) const;

  const int32_t local_;
  bool leading_ = false;
  ReplicaAssignment assignment_;
  int64_t epoch_start_offset_ = 0;
  std::map<int32_t, FollowerState> followers_;
  std::optional<std::vector<int32_t>> pending_;
};

// Leader side of KIP-320/KIP-595 divergence: a follower fetching at `fetch_offset` whose last
// fetched batch has epoch `last_fetched_epoch` diverges when the leader's log has another end for
// that epoch (`leader_end`: the leader's end_offset_for_epoch(last_fetched_epoch)) below the fetch
// offset, or knows no such epoch. Returns the DivergingEpoch to answer, or nullopt.
std::optional<EpochAndOffset> diverging_epoch(int32_t last_fetched_epoch, int64_t fetch_offset,
                                              const EpochAndOffset& leader_end);

// Follower side: the offset to truncate to after the leader answered `leader` (DivergingEpoch or
// OffsetForLeaderEpoch), given the follower's own end_offset_for_epoch(leader.epoch), its log end
// and high watermark. `completed` is false when the follower does not know the leader's epoch: it
// truncates to the end of its largest smaller epoch and fetches again, so truncation walks back
// across several epochs one round trip each (KIP-279).
struct TruncationDecision {
  int64_t offset = 0;
  bool completed = true;
  bool operator==(const TruncationDecision&) const = default;
};
TruncationDecision truncation_offset(const EpochAndOffset& leader,
                                     const EpochAndOffset& follower_end, int64_t follower_leo,
                                     int64_t follower_hw);

}  // namespace eddy::broker
