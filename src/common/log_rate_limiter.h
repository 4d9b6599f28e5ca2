#pragma once
// Rate-limited repeats of a log line (docs/metrics.md, "Logs").

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace eddy {

// Lets the first event of a key through, then at most one per interval, and says how many were
// held back in between: a peer that sends a bad frame a thousand times a second costs one line a
// minute, not a thousand a second. Keys are few and bounded by the caller (a kind of event, not
// a peer address); at most kMaxKeys are tracked, past which every event passes.
class LogRateLimiter {
 public:
  static constexpr size_t kMaxKeys = 1024;
  explicit LogRateLimiter(std::chrono::milliseconds interval) : interval_(interval) {}
  // Whether to log this event now; *suppressed is set to the events held back since the last
  // one logged.
  bool allow(std::string_view key, uint64_t* suppressed);

 private:
  struct Entry {
    std::chrono::steady_clock::time_point last{};
    uint64_t suppressed = 0;
  };
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace eddy
