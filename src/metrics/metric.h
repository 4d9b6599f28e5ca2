#pragma once
// The three kinds of metric Eddy exports, with hot paths that take no lock.
//
// A Counter or a Histogram is split in kShards cache-line-aligned shards; each thread adds to the
// shard of its own index (threads take indexes in turn), so the network threads of a broker,
// which are fewer than kShards on the machines Eddy targets, never write the same cache line.
// More threads than shards share shards: the adds are atomic, so counts stay exact, only slower.
// A scrape sums the shards. A Gauge is one atomic: gauges are set from one place at a time
// (connections, group members) or computed at scrape time by a collector (registry.h).
//
// Building with EDDY_METRICS_DISABLED compiles every update to nothing (the benchmark's
// baseline, docs/benchmarks.md "Metrics overhead").

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace eddy::metrics {

#ifdef EDDY_METRICS_DISABLED
inline constexpr bool kEnabled = false;
#else
inline constexpr bool kEnabled = true;
#endif

inline constexpr size_t kShards = 8;
inline constexpr size_t kCacheLine = 64;

// This thread's shard, in [0, kShards).
size_t shard_index();

class Counter {
 public:
  void inc(uint64_t n = 1) {
    if constexpr (kEnabled) cells_[shard_index()].v.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t value() const;

 private:
  struct alignas(kCacheLine) Cell {
    std::atomic<uint64_t> v{0};
  };
  std::array<Cell, kShards> cells_{};
};

class Gauge {
 public:
  void set(int64_t v) {
    if constexpr (kEnabled) v_.store(v, std::memory_order_relaxed);
  }
  void add(int64_t d) {
    if constexpr (kEnabled) v_.fetch_add(d, std::memory_order_relaxed);
  }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Bucket upper bounds in the histogram's integer unit (microseconds, bytes, records), ascending;
// the +Inf bucket is implicit. Exposition divides by the family's scale (1e6 turns microseconds
// into Prometheus's seconds).
using Bounds = std::vector<uint64_t>;

// 100 µs to 30 s, about three buckets per decade (Kafka's request latencies span that).
const Bounds& latency_us_bounds();
// 1 to 16384, powers of four: batch sizes, records per batch.
const Bounds& count_bounds();

class Histogram {
 public:
  static constexpr size_t kMaxBuckets = 20;  // bounds, +Inf included

  // `scale` divides observations for the exposition (1e6: microseconds as seconds).
  Histogram(const Bounds& bounds, double scale);
  void observe(uint64_t v) {
    if constexpr (kEnabled) {
      Shard& s = shards_[shard_index()];
      size_t i = 0;
      while (i < nbounds_ && v > bounds_[i]) ++i;
      s.buckets[i].fetch_add(1, std::memory_order_relaxed);
      s.sum.fetch_add(v, std::memory_order_relaxed);
    }
  }

  struct Snapshot {
    std::vector<uint64_t> buckets;  // per bucket (not cumulative), +Inf last
    uint64_t count = 0;
    uint64_t sum = 0;
  };
  Snapshot snapshot() const;
  std::span<const uint64_t> bounds() const { return {bounds_.data(), nbounds_}; }
  double scale() const { return scale_; }

 private:
  struct alignas(kCacheLine) Shard {
    std::array<std::atomic<uint64_t>, kMaxBuckets> buckets{};
    std::atomic<uint64_t> sum{0};
  };
  std::array<uint64_t, kMaxBuckets> bounds_{};
  size_t nbounds_ = 0;
  double scale_ = 1;
  std::array<Shard, kShards> shards_{};
};

}  // namespace eddy::metrics
