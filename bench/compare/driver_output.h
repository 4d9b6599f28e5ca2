#pragma once
// The one result line every bench/run driver prints per workload (eddy-load, eddy-redis-load;
// eddy-nats-load writes the same keys from Go), so bench/run and aggregate.py read them alike:
//   mode=produce records=N bytes=S producers=K partitions=P acks=A secs=T rec_per_s=R mb_per_s=M
//   mode=consume records=N secs=T rec_per_s=R mb_per_s=M
//   mode=e2e rate=R sent=N received=N failed=F p50_ms=.. p99_ms=.. p999_ms=.. max_ms=..

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace eddy::bench {

// Both ends of an end-to-end measurement read this clock in one process.
inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline void print_produce(int64_t records, size_t record_bytes, int producers, int partitions,
                          const char* acks, double secs) {
  const double rate = static_cast<double>(records) / secs;
  std::printf("mode=produce records=%" PRId64
              " bytes=%zu producers=%d partitions=%d acks=%s secs=%.3f rec_per_s=%.0f "
              "mb_per_s=%.2f\n",
              records, record_bytes, producers, partitions, acks, secs, rate,
              rate * static_cast<double>(record_bytes) / 1e6);
}

inline void print_consume(int64_t records, int64_t bytes, double secs) {
  std::printf("mode=consume records=%" PRId64 " secs=%.3f rec_per_s=%.0f mb_per_s=%.2f\n", records,
              secs, static_cast<double>(records) / secs, static_cast<double>(bytes) / secs / 1e6);
}

// Sorts latencies_ns and prints its percentiles (-1 when nothing arrived).
inline void print_e2e(int64_t rate, int64_t sent, int64_t failed,
                      std::vector<int64_t>& latencies_ns) {
  std::sort(latencies_ns.begin(), latencies_ns.end());
  auto pct = [&](double q) -> double {
    if (latencies_ns.empty()) return -1;
    size_t idx = static_cast<size_t>(q * static_cast<double>(latencies_ns.size() - 1));
    return static_cast<double>(latencies_ns[idx]) / 1e6;
  };
  std::printf("mode=e2e rate=%" PRId64 " sent=%" PRId64 " received=%zu failed=%" PRId64
              " p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
              rate, sent, latencies_ns.size(), failed, pct(0.50), pct(0.99), pct(0.999), pct(1.0));
}

}  // namespace eddy::bench
