#include "cli/app/latency_stats.h"

#include <algorithm>

namespace eddy::cli {

void LatencyStats::add_us(int64_t us) {
  ++count_;
  sum_us_ += static_cast<double>(us);
  max_us_ = std::max(max_us_, us);
  ++window_count_;
  window_sum_us_ += static_cast<double>(us);
  window_max_us_ = std::max(window_max_us_, us);
  if (count_ % stride_ != 0) return;
  if (samples_us_.size() >= kMaxSamples) {
    // Keep every other sample and halve the rate from now on.
    size_t kept = 0;
    for (size_t i = 0; i < samples_us_.size(); i += 2) samples_us_[kept++] = samples_us_[i];
    samples_us_.resize(kept);
    stride_ *= 2;
  }
  samples_us_.push_back(us);
}

LatencySummary LatencyStats::take_window() {
  LatencySummary s;
  s.count = window_count_;
  s.mean_ms = window_count_ > 0 ? window_sum_us_ / static_cast<double>(window_count_) / 1000 : 0;
  s.max_ms = static_cast<double>(window_max_us_) / 1000;
  window_count_ = 0;
  window_sum_us_ = 0;
  window_max_us_ = 0;
  return s;
}

LatencySummary LatencyStats::summary() const {
  return summarize(samples_us_, count_, sum_us_, max_us_);
}

LatencySummary LatencyStats::summarize(std::vector<int64_t> samples, int64_t count, double sum_us,
                                       int64_t max_us) {
  LatencySummary s;
  s.count = count;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
    return static_cast<double>(samples[std::min(i, samples.size() - 1)]) / 1000;
  };
  s.mean_ms = sum_us / static_cast<double>(count) / 1000;
  s.p50_ms = at(0.50);
  s.p95_ms = at(0.95);
  s.p99_ms = at(0.99);
  s.p999_ms = at(0.999);
  s.max_ms = static_cast<double>(max_us) / 1000;
  return s;
}

}  // namespace eddy::cli
