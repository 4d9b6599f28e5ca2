#pragma once
// Metrics of the partition logs, updated where the I/O happens (docs/metrics.md, "Storage"):
//   kafka_log_logflushstats_logflushrateandtime_seconds  fsync of one log (one group commit)
//   eddy_log_append_seconds                              an append to a log (validate + write)
//   eddy_log_flush_group_bytes                           bytes one group commit made durable
//   eddy_log_bytes_written_total                         record bytes appended to logs
//   eddy_log_storage_errors_total{topic,partition}       writes refused and fsyncs failed
// Per-partition sizes and offsets are read at scrape time by the broker's collector.

#include <chrono>
#include <cstdint>
#include <string>

#include "metrics/metric.h"

namespace eddy::log {

struct LogMetrics {
  metrics::Histogram& flush_latency;
  metrics::Histogram& append_latency;
  metrics::Histogram& flush_group_bytes;
  metrics::Counter& bytes_written;
};

LogMetrics& log_metrics();

// One refused write or failed fsync of a partition (the log's directory name says which).
void count_storage_error(const std::string& topic, int32_t partition);
void count_storage_error_of_dir(const std::string& log_dir);

// Observes the microseconds of its scope into a latency histogram (nothing with metrics compiled
// out).
class ScopedLatency {
 public:
  explicit ScopedLatency(metrics::Histogram& h) : h_(h) {
    if constexpr (metrics::kEnabled) start_ = std::chrono::steady_clock::now();
  }
  ~ScopedLatency() {
    if constexpr (metrics::kEnabled) {
      h_.observe(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                           std::chrono::steady_clock::now() - start_)
                                           .count()));
    }
  }
  ScopedLatency(const ScopedLatency&) = delete;
  ScopedLatency& operator=(const ScopedLatency&) = delete;

 private:
  metrics::Histogram& h_;
  std::chrono::steady_clock::time_point start_{};
};

}  // namespace eddy::log
