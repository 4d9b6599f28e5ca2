#pragma once
// A small seeded PRNG (splitmix64). The core draws every random number from one of these so a
// node's behaviour is a pure function of its seed and inputs; std::random_device and global state
// are never used.

#include <cstdint>

namespace eddy::raft {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n must be > 0. The modulo bias is negligible for the small n we use.
  uint64_t uniform(uint64_t n) { return next() % n; }
  // True with probability num/den.
  bool chance(uint64_t num, uint64_t den) { return uniform(den) < num; }

 private:
  uint64_t state_;
};

}  // namespace eddy::raft
