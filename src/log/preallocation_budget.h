#pragma once
// PreallocationBudget: a bound on the zero-filled tails (preallocate) of every active segment a
// LogManager holds. Each tail is a few MiB of disk written ahead of the log end; a broker with
// many thousands of partitions written to now and then would otherwise hold that much for each
// of them until its next roll. A segment takes bytes before it zero-fills them and gives back
// what its appends have since overwritten or a trim cut; once the budget is spent, further
// segments append without a tail (correct, only with the dearer fsync of a growing file).
//
// Thread-safe: one atomic counter.

#include <atomic>
#include <cstdint>

namespace eddy::log {

class PreallocationBudget {
 public:
  explicit PreallocationBudget(uint64_t max_bytes) : left_(max_bytes) {}
  PreallocationBudget(const PreallocationBudget&) = delete;
  PreallocationBudget& operator=(const PreallocationBudget&) = delete;

  // Takes `n` bytes when that many are left; otherwise takes nothing.
  bool try_take(uint64_t n) {
    uint64_t cur = left_.load(std::memory_order_relaxed);
    // Bounded by contention: each failed exchange saw another segment take or give back.
    while (cur >= n) {
      if (left_.compare_exchange_weak(cur, cur - n, std::memory_order_relaxed)) return true;
    }
    return false;
  }
  void give_back(uint64_t n) { left_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t left() const { return left_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> left_;
};

}  // namespace eddy::log
