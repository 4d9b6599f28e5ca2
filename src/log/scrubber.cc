#include "log/scrubber.h"

#include <algorithm>

namespace eddy::log {

Scrubber::Scrubber(ScrubberOptions options, LogSource logs)
    : options_(options),
      logs_(std::move(logs)),
      tokens_(static_cast<int64_t>(options_.burst_bytes)),
      last_refill_ms_(options_.clock->monotonic_ms()) {}

uint64_t Scrubber::run_once() {
  int64_t now = options_.clock->monotonic_ms();
  int64_t elapsed = std::max<int64_t>(0, now - last_refill_ms_);
  last_refill_ms_ = now;
  // Whole-byte refill; the rounding loses under a byte per round.
  int64_t refill =
      static_cast<int64_t>(options_.bytes_per_second * static_cast<uint64_t>(elapsed) / 1000);
  tokens_ = std::min<int64_t>(tokens_ + refill, static_cast<int64_t>(options_.burst_bytes));
  if (tokens_ <= 0) return 0;
  std::vector<std::shared_ptr<PartitionLog>> logs = logs_();
  if (logs.empty()) return 0;
  uint64_t read = 0;
  if (log_index_ >= logs.size()) log_index_ = 0;  // logs were removed since the last round
  // Bounded: each step either spends the bucket or finishes one log's pass, and the round ends
  // with the pass over every log.
  while (tokens_ > 0) {
    const std::shared_ptr<PartitionLog>& log = logs[log_index_];
    if (current_.lock() != log) {
      current_ = log;
      cursor_ = ScrubCursor{};
    }
    Result<ScrubProgress> p = log->scrub(&cursor_, static_cast<uint64_t>(tokens_));
    uint64_t n = p.is_ok() ? p->bytes_read : 0;
    read += n;
    tokens_ -= static_cast<int64_t>(n);
    if (p.is_ok() && !p->pass_complete) continue;
    current_.reset();
    if (++log_index_ == logs.size()) {
      log_index_ = 0;
      ++passes_;
      break;
    }
  }
  bytes_read_ += read;
  return read;
}

}  // namespace eddy::log
