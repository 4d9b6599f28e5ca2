#pragma once
// Kafka's ReplicationQuotaManager (KIP-73): one per broker and direction (leader: what this
// broker sends to throttled followers; follower: what it fetches for throttled replicas).
//
// A partition is throttled when its topic's {leader,follower}.replication.throttled.replicas
// names it with this broker (mark_throttled); the quota is exceeded when the bytes recorded for
// throttled partitions, as a rate, are above the bound
// ({leader,follower}.replication.throttled.rate). The rate is Kafka's SimpleRate over SampledStat:
// `samples` windows of `window_ms` each (replication.quota.window.num,
// replication.quota.window.size.seconds); a window older than samples x window_ms is forgotten, and
// the rate is the sum of the kept windows divided by the time since the oldest one started (at
// least one window). Callers ask is_quota_exceeded() before they move a throttled partition's bytes
// and record() after, so the rate overshoots the bound by at most one fetch. Time comes from the
// injected clock; thread-safe.

#include <atomic>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/replica/replica_types.h"
#include "common/clock.h"

namespace eddy::broker {

// Kafka's SampledStat of a rate: not thread-safe (ReplicationQuota locks around it).
class SampledRate {
 public:
  SampledRate(int samples, int64_t window_ms);
  void record(double value, int64_t now_ms);
  // Units per second at now_ms.
  double rate(int64_t now_ms);

 private:
  struct Sample {
    int64_t start_ms = 0;
    double value = 0;
  };
  void purge_obsolete(int64_t now_ms);

  const int samples_;
  const int64_t window_ms_;
  std::vector<Sample> ring_;  // grows to samples_
  size_t current_ = 0;
};

class ReplicationQuota {
 public:
  static constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
  struct Options {
    int samples = 11;          // replication.quota.window.num
    int64_t window_ms = 1000;  // replication.quota.window.size.seconds x 1000
  };
  // `clock` outlives the quota.
  ReplicationQuota(Options options, const Clock* clock);

  // The bound in bytes per second; kUnlimited (the default) never throttles.
  void set_rate(int64_t bytes_per_sec);
  int64_t rate() const;
  // Whether the rate recorded so far is above the bound.
  bool is_quota_exceeded() const;
  // Bytes moved for throttled partitions.
  void record(int64_t bytes);
  // The measured rate (bytes per second), what Kafka's byte-rate metric shows.
  double measured_rate() const;

  // The partitions of `topic` this broker throttles: nullopt = every one ("*").
  void mark_throttled(const std::string& topic, std::optional<std::set<int32_t>> partitions);
  void remove_throttle(const std::string& topic);
  bool is_throttled(const TopicPartition& tp) const;

  // Kafka's shouldLeaderThrottle / shouldFollowerThrottle: hold back `tp`'s bytes now (a replica
  // in sync never is). Each true answer is counted (throttled_count()).
  // `in_sync` (a callable returning bool) is asked only for throttled partitions.
  template <class InSync>
  bool should_throttle(const TopicPartition& tp, InSync&& in_sync) {
    if (!is_throttled(tp) || in_sync() || !is_quota_exceeded()) return false;
    throttled_count_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  // Records `bytes` moved for `tp` when it is throttled (Kafka records only those).
  void record_if_throttled(const TopicPartition& tp, int64_t bytes);
  uint64_t throttled_count() const { return throttled_count_.load(std::memory_order_relaxed); }

 private:
  const Clock* clock_;
  mutable std::mutex mu_;
  mutable SampledRate rate_;                                           // guarded by mu_
  int64_t bound_ = kUnlimited;                                         // guarded by mu_
  std::map<std::string, std::optional<std::set<int32_t>>> throttled_;  // guarded by mu_
  std::atomic<bool> any_throttled_{false};  // !throttled_.empty(), read without mu_
  std::atomic<uint64_t> throttled_count_{0};
};

}  // namespace eddy::broker
