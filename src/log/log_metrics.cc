#include "log/log_metrics.h"

#include "log/log_manager.h"
#include "metrics/registry.h"

namespace eddy::log {

LogMetrics& log_metrics() {
  static LogMetrics* m = [] {
    metrics::Registry& r = metrics::registry();
    // 4 KiB to 64 MiB, powers of four.
    static const metrics::Bounds kGroupBytes = {4096,    16384,   65536,    262144,
                                                1048576, 4194304, 16777216, 67108864};
    return new LogMetrics{
        r.histogram("kafka_log_logflushstats_logflushrateandtime_seconds",
                    "Time of one log flush: the fsync of a group commit (Kafka's "
                    "LogFlushRateAndTimeMs)",
                    {}, metrics::latency_us_bounds(), 1e6)
            .labels(),
        r.histogram("eddy_log_append_seconds",
                    "Time of one append to a partition log (validation and write, no fsync)", {},
                    metrics::latency_us_bounds(), 1e6)
            .labels(),
        r.histogram("eddy_log_flush_group_bytes",
                    "Bytes appended to a log since its previous flush, made durable by one fsync "
                    "(group commit size)",
                    {}, kGroupBytes, 1)
            .labels(),
        r.counter("eddy_log_bytes_written_total", "Record bytes appended to partition logs")
            .labels(),
    };
  }();
  return *m;
}

void count_storage_error(const std::string& topic, int32_t partition) {
  metrics::registry()
      .counter("eddy_log_storage_errors_total",
               "Writes refused and fsyncs failed because of the disk, by partition",
               {"topic", "partition"})
      .labels({topic, std::to_string(partition)})
      .inc();
}

void count_storage_error_of_dir(const std::string& log_dir) {
  std::string name = log_dir.substr(log_dir.find_last_of('/') + 1);
  if (auto tp = TopicPartition::parse_dir_name(name)) count_storage_error(tp->topic, tp->partition);
}

}  // namespace eddy::log
