#include "metrics/metric.h"

#include <cassert>

namespace eddy::metrics {

size_t shard_index() {
  static std::atomic<size_t> next{0};
  thread_local const size_t index = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return index;
}

uint64_t Counter::value() const {
  uint64_t sum = 0;
  for (const auto& c : cells_) sum += c.v.load(std::memory_order_relaxed);
  return sum;
}

const Bounds& latency_us_bounds() {
  static const Bounds b = {100,       200,       500,       1'000,      2'000,     5'000,
                           10'000,    20'000,    50'000,    100'000,    200'000,   500'000,
                           1'000'000, 2'000'000, 5'000'000, 10'000'000, 30'000'000};
  return b;
}

const Bounds& count_bounds() {
  static const Bounds b = {1, 4, 16, 64, 256, 1024, 4096, 16384};
  return b;
}

Histogram::Histogram(const Bounds& bounds, double scale) : scale_(scale) {
  assert(bounds.size() < kMaxBuckets);
  nbounds_ = std::min(bounds.size(), kMaxBuckets - 1);
  for (size_t i = 0; i < nbounds_; ++i) {
    assert(i == 0 || bounds[i] > bounds[i - 1]);
    bounds_[i] = bounds[i];
  }
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  out.buckets.assign(nbounds_ + 1, 0);
  for (const auto& s : shards_) {
    for (size_t i = 0; i <= nbounds_; ++i) {
      out.buckets[i] += s.buckets[i].load(std::memory_order_relaxed);
    }
    out.sum += s.sum.load(std::memory_order_relaxed);
  }
  // Read after the buckets: an observation between the two reads shows in the sum without its
  // bucket, never the reverse, and count is derived from the buckets so it matches them.
  for (uint64_t b : out.buckets) out.count += b;
  return out;
}

}  // namespace eddy::metrics
