#include "common/log_rate_limiter.h"

namespace eddy {

bool LogRateLimiter::allow(std::string_view key, uint64_t* suppressed) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxKeys) {
      *suppressed = 0;
      return true;
    }
    it = entries_.emplace(std::string(key), Entry{}).first;
  } else if (now - it->second.last < interval_) {
    ++it->second.suppressed;
    return false;
  }
  *suppressed = it->second.suppressed;
  it->second.suppressed = 0;
  it->second.last = now;
  return true;
}

}  // namespace eddy
