#pragma once
// Latency samples and their summary (count, mean, percentiles, max) for the perf tools. Samples
// are kept exactly up to a cap, so percentiles are exact for any run eddyctl perf can do in
// memory; past the cap every n-th sample is kept (a uniform thinning, recorded in the summary).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace eddy::cli {

struct LatencySummary {
  int64_t count = 0;
  double mean_ms = 0, p50_ms = 0, p95_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

class LatencyStats {
 public:
  static constexpr size_t kMaxSamples = 20'000'000;

  void add_us(int64_t us);
  int64_t count() const { return count_; }
  // Over the samples added since the last take_window(): for the live progress line.
  LatencySummary take_window();
  // Over every sample.
  LatencySummary summary() const;

 private:
  static LatencySummary summarize(std::vector<int64_t> samples, int64_t count, double sum_us,
                                  int64_t max_us);
  std::vector<int64_t> samples_us_;
  int64_t count_ = 0;
  double sum_us_ = 0;
  int64_t max_us_ = 0;
  int64_t stride_ = 1;
  int64_t window_count_ = 0;
  double window_sum_us_ = 0;
  int64_t window_max_us_ = 0;
};

}  // namespace eddy::cli
