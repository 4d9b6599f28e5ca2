#pragma once
// A seam for time, so that retention, timeouts and sessions are testable without sleeping.
// Wall time (ms since the epoch) stamps records and drives retention.ms; monotonic time drives
// timeouts and must never go backwards.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>

namespace eddy {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t wall_ms() const = 0;
  // Wall time to within the kernel's tick (a few ms), cheaper to read than wall_ms(): for checks
  // against periods of seconds or more on hot paths (segment.ms), never for a timestamp a client
  // sees.
  virtual int64_t coarse_wall_ms() const { return wall_ms(); }
  virtual int64_t monotonic_ns() const = 0;
  int64_t monotonic_ms() const { return monotonic_ns() / 1'000'000; }
};

class SystemClock final : public Clock {
 public:
  int64_t wall_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  int64_t coarse_wall_ms() const override {
    timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
  }
  int64_t monotonic_ns() const override {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
  }
  static SystemClock& instance() {
    static SystemClock clock;
    return clock;
  }
};

// A clock tests move by hand. Safe to read from several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t wall_ms = 1'700'000'000'000, int64_t monotonic_ns = 0)
      : wall_ms_(wall_ms), monotonic_ns_(monotonic_ns) {}
  int64_t wall_ms() const override { return wall_ms_.load(); }
  int64_t monotonic_ns() const override { return monotonic_ns_.load(); }
  void advance_ms(int64_t ms) {
    wall_ms_ += ms;
    monotonic_ns_ += ms * 1'000'000;
  }
  void set_wall_ms(int64_t ms) { wall_ms_ = ms; }

 private:
  std::atomic<int64_t> wall_ms_;
  std::atomic<int64_t> monotonic_ns_;
};

}  // namespace eddy
