#include "broker/replica/replication_quota.h"

#include <algorithm>

namespace eddy::broker {

SampledRate::SampledRate(int samples, int64_t window_ms)
    : samples_(std::max(samples, 1)), window_ms_(std::max<int64_t>(window_ms, 1)) {}

void SampledRate::purge_obsolete(int64_t now_ms) {
  const int64_t expire_age = static_cast<int64_t>(samples_) * window_ms_;
  for (Sample& s : ring_) {
    if (now_ms - s.start_ms >= expire_age) s = Sample{now_ms, 0};
  }
}

void SampledRate::record(double value, int64_t now_ms) {
  if (ring_.empty()) ring_.push_back(Sample{now_ms, 0});
  if (now_ms - ring_[current_].start_ms >= window_ms_) {
    // The current window is complete: the next one starts now (a new slot until the ring is
    // full, then the oldest slot again).
    current_ = (current_ + 1) % static_cast<size_t>(samples_);
    if (current_ >= ring_.size()) {
      ring_.push_back(Sample{now_ms, 0});
    } else {
      ring_[current_] = Sample{now_ms, 0};
    }
  }
  ring_[current_].value += value;
}

double SampledRate::rate(int64_t now_ms) {
  purge_obsolete(now_ms);
  if (ring_.empty()) return 0;
  double total = 0;
  int64_t oldest = ring_.front().start_ms;
  for (const Sample& s : ring_) {
    total += s.value;
    oldest = std::min(oldest, s.start_ms);
  }
  // Kafka's SimpleRate: elapsed since the oldest window started, at least one window.
  const int64_t elapsed_ms = std::max(now_ms - oldest, window_ms_);
  return total * 1000.0 / static_cast<double>(elapsed_ms);
}

ReplicationQuota::ReplicationQuota(Options options, const Clock* clock)
    : clock_(clock), rate_(options.samples, options.window_ms) {}

void ReplicationQuota::set_rate(int64_t bytes_per_sec) {
  std::lock_guard lock(mu_);
  bound_ = bytes_per_sec;
}

int64_t ReplicationQuota::rate() const {
  std::lock_guard lock(mu_);
  return bound_;
}

bool ReplicationQuota::is_quota_exceeded() const {
  std::lock_guard lock(mu_);
  if (bound_ == kUnlimited) return false;
  return rate_.rate(clock_->monotonic_ms()) > static_cast<double>(bound_);
}

void ReplicationQuota::record(int64_t bytes) {
  std::lock_guard lock(mu_);
  rate_.record(static_cast<double>(bytes), clock_->monotonic_ms());
}

double ReplicationQuota::measured_rate() const {
  std::lock_guard lock(mu_);
  return rate_.rate(clock_->monotonic_ms());
}

void ReplicationQuota::mark_throttled(const std::string& topic,
                                      std::optional<std::set<int32_t>> partitions) {
  std::lock_guard lock(mu_);
  if (partitions && partitions->empty()) {
    throttled_.erase(topic);
  } else {
    throttled_[topic] = std::move(partitions);
  }
  any_throttled_.store(!throttled_.empty(), std::memory_order_release);
}

void ReplicationQuota::remove_throttle(const std::string& topic) {
  std::lock_guard lock(mu_);
  throttled_.erase(topic);
  any_throttled_.store(!throttled_.empty(), std::memory_order_release);
}

bool ReplicationQuota::is_throttled(const TopicPartition& tp) const {
  // Asked for every partition of every replica fetch: without a throttled topic (the usual
  // case) it answers without the lock.
  if (!any_throttled_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mu_);
  auto it = throttled_.find(tp.topic);
  if (it == throttled_.end()) return false;
  return !it->second || it->second->contains(tp.partition);
}

void ReplicationQuota::record_if_throttled(const TopicPartition& tp, int64_t bytes) {
  if (bytes > 0 && is_throttled(tp)) record(bytes);
}

}  // namespace eddy::broker
