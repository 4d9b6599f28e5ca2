#include "broker/controller_mutation_quota.h"

#include <cassert>

namespace eddy::broker {

namespace {
constexpr int64_t kMilli = 1000;
}  // namespace

ControllerMutationQuota::ControllerMutationQuota(int64_t rate_per_sec, const Clock* clock)
    : rate_per_sec_(rate_per_sec),
      burst_milli_(rate_per_sec * kBurstSeconds * kMilli),
      clock_(clock),
      tokens_milli_(burst_milli_),
      last_ms_(clock->monotonic_ms()) {
  assert(rate_per_sec > 0 && rate_per_sec <= INT32_MAX);
}

void ControllerMutationQuota::refill_locked() {
  int64_t now = clock_->monotonic_ms();
  if (now <= last_ms_) return;
  int64_t elapsed_ms = now - last_ms_;
  last_ms_ = now;
  // Compared before multiplying: a long idle time times the rate could overflow.
  int64_t to_full_ms = (burst_milli_ - tokens_milli_ + rate_per_sec_ - 1) / rate_per_sec_;
  tokens_milli_ =
      elapsed_ms >= to_full_ms ? burst_milli_ : tokens_milli_ + elapsed_ms * rate_per_sec_;
}

int64_t ControllerMutationQuota::throttle_ms_locked() const {
  if (tokens_milli_ >= 0) return 0;
  return (-tokens_milli_ + rate_per_sec_ - 1) / rate_per_sec_;
}

int64_t ControllerMutationQuota::try_spend(int64_t partitions) {
  std::lock_guard l(mu_);
  refill_locked();
  if (tokens_milli_ < 0) return throttle_ms_locked();
  tokens_milli_ -= partitions * kMilli;
  return 0;
}

int64_t ControllerMutationQuota::spend(int64_t partitions) {
  std::lock_guard l(mu_);
  refill_locked();
  tokens_milli_ -= partitions * kMilli;
  return throttle_ms_locked();
}

bool ControllerMutationQuota::admits() {
  std::lock_guard l(mu_);
  refill_locked();
  return tokens_milli_ >= 0;
}

}  // namespace eddy::broker
