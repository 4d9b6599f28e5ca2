#include "broker/replica/replication_state.h"

#include <algorithm>

namespace eddy::broker {
namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

void ReplicationState::become_leader(const ReplicaAssignment& a, int64_t epoch_start_offset,
                                     int64_t now_ms) {
  assignment_ = a;
  leading_ = true;
  epoch_start_offset_ = epoch_start_offset;
  pending_.reset();
  followers_.clear();
  for (int32_t r : a.replicas) {
    if (r == local_) continue;
    FollowerState f;
    f.last_caught_up_ms = contains(a.isr, r) ? now_ms : 0;
    followers_[r] = f;
  }
}

void ReplicationState::become_follower(const ReplicaAssignment& a) {
  assignment_ = a;
  leading_ = false;
  pending_.reset();
  followers_.clear();
}

void ReplicationState::update_assignment(const ReplicaAssignment& a) {
  if (a.partition_epoch < assignment_.partition_epoch) return;
  assignment_.partition_epoch = a.partition_epoch;
  assignment_.replicas = a.replicas;
  assignment_.isr = a.isr;
  pending_.reset();
  // Replicas added by a reassignment start unknown; removed ones are forgotten.
  for (auto it = followers_.begin(); it != followers_.end();) {
    it = contains(a.replicas, it->first) ? std::next(it) : followers_.erase(it);
  }
  if (leading_) {
    for (int32_t r : a.replicas) {
      if (r != local_) followers_.try_emplace(r);
    }
  }
}

bool ReplicationState::is_replica(int32_t broker) const {
  return contains(assignment_.replicas, broker);
}

std::vector<int32_t> ReplicationState::maximal_isr() const {
  std::vector<int32_t> out = assignment_.isr;
  if (pending_) {
    for (int32_t r : *pending_) {
      if (!contains(out, r)) out.push_back(r);
    }
  }
  return out;
}

void ReplicationState::update_follower(int32_t replica, int64_t fetch_offset, int64_t log_start,
                                       int64_t leader_leo, int64_t now_ms) {
  auto it = followers_.find(replica);
  if (it == followers_.end()) return;
  FollowerState& f = it->second;
  // Kafka's Replica.updateFetchStateOrThrow: caught up now when the fetch reached the leader's
  // end; caught up at the previous fetch when it reached the end the leader had then.
  if (fetch_offset >= leader_leo) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, now_ms);
  } else if (f.last_fetch_leader_leo >= 0 && fetch_offset >= f.last_fetch_leader_leo) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
  }
  f.last_fetch_leader_leo = leader_leo;
  f.last_fetch_ms = now_ms;
  f.log_end_offset = fetch_offset;
  f.log_start_offset = log_start;
}

const FollowerState* ReplicationState::follower(int32_t replica) const {
  auto it = followers_.find(replica);
  return it == followers_.end() ? nullptr : &it->second;
}

std::optional<int64_t> ReplicationState::high_watermark(int64_t local_safe_end,
                                                        int32_t min_isr) const {
  const std::vector<int32_t> isr = maximal_isr();
  if (static_cast<int32_t>(isr.size()) < min_isr) return std::nullopt;
  int64_t hw = local_safe_end;
  for (int32_t r : isr) {
    if (r == local_) continue;
    const FollowerState* f = follower(r);
    hw = std::min(hw, f == nullptr ? int64_t{-1} : f->log_end_offset);
  }
  if (hw < 0) return std::nullopt;
  return hw;
}

int64_t ReplicationState::low_watermark(int64_t local_log_start,
                                        const std::function<bool(int32_t)>& alive) const {
  int64_t lw = local_log_start;
  for (const auto& [replica, f] : followers_) {
    if (!alive || alive(replica)) lw = std::min(lw, f.log_start_offset);
  }
  return lw;
}

std::optional<std::vector<int32_t>> ReplicationState::isr_to_expand(int32_t replica,
                                                                    int64_t hw) const {
  if (!leading_ || pending_ || contains(assignment_.isr, replica) || !is_replica(replica)) {
    return std::nullopt;
  }
  const FollowerState* f = follower(replica);
  if (f == nullptr || f->log_end_offset < hw || f->log_end_offset < epoch_start_offset_) {
    return std::nullopt;
  }
  std::vector<int32_t> isr = assignment_.isr;
  isr.push_back(replica);
  return isr;
}

bool ReplicationState::in_sync(int32_t replica, int64_t leader_leo, int64_t now_ms,
                               int64_t max_lag_ms) const {
  const FollowerState* f = follower(replica);
  if (f == nullptr) return false;
  return f->log_end_offset == leader_leo || now_ms - f->last_caught_up_ms <= max_lag_ms;
}

std::optional<std::vector<int32_t>> ReplicationState::isr_to_shrink(int64_t leader_leo,
                                                                    int64_t now_ms,
                                                                    int64_t max_lag_ms) const {
  if (!leading_ || pending_) return std::nullopt;
  std::vector<int32_t> isr;
  for (int32_t r : assignment_.isr) {
    if (r == local_ || in_sync(r, leader_leo, now_ms, max_lag_ms)) isr.push_back(r);
  }
  if (isr.size() == assignment_.isr.size()) return std::nullopt;
  return isr;
}

void ReplicationState::alter_partition_committed(std::vector<int32_t> isr,
                                                 int32_t partition_epoch) {
  pending_.reset();
  if (partition_epoch < assignment_.partition_epoch) return;
  assignment_.isr = std::move(isr);
  assignment_.partition_epoch = partition_epoch;
}

std::optional<EpochAndOffset> diverging_epoch(int32_t last_fetched_epoch, int64_t fetch_offset,
                                              const EpochAndOffset& leader_end) {
  if (last_fetched_epoch < 0) return std::nullopt;
  if (leader_end.epoch == last_fetched_epoch && leader_end.end_offset >= fetch_offset) {
    return std::nullopt;
  }
  return leader_end;
}

TruncationDecision truncation_offset(const EpochAndOffset& leader,
                                     const EpochAndOffset& follower_end, int64_t follower_leo,
                                     int64_t follower_hw) {
  if (leader.end_offset < 0) return {std::min(follower_hw, follower_leo), true};
  if (leader.epoch < 0) return {std::min(leader.end_offset, follower_leo), true};
  if (follower_end.epoch < 0 || follower_end.end_offset < 0) {
    return {std::min(leader.end_offset, follower_leo), true};
  }
  if (follower_end.epoch != leader.epoch) {
    // The follower does not know the leader's epoch: back to the end of its own largest smaller
    // epoch, and ask again from there.
    return {std::min(follower_end.end_offset, follower_leo), false};
  }
  return {std::min({follower_end.end_offset, leader.end_offset, follower_leo}), true};
}

}  // namespace eddy::broker
