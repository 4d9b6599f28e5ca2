#pragma once
// Kafka's controller mutation quota (KIP-599, `controller_mutation_rate`) for the whole broker:
// a token bucket of partitions that CreateTopics, CreatePartitions and topic auto-creation spend.
// Eddy has no client identities to key quotas by, and a hostile client picks any client id, so
// one bucket bounds every client together.
//
// As in Kafka, the bucket holds at most `rate` x kBurstSeconds tokens (Kafka's default quota
// window: 11 samples of 1 s), refills at `rate` per second, and may go into debt: a request is
// admitted while the bucket is not in debt, however many partitions it creates, so one large topic
// still gets created, and the requests after it wait until the debt is repaid. Thread-safe.

#include <cstdint>
#include <mutex>

#include "common/clock.h"

namespace eddy::broker {

class ControllerMutationQuota {
 public:
  static constexpr int64_t kBurstSeconds = 11;

  // rate_per_sec > 0: partitions per second. `clock` outlives the quota.
  ControllerMutationQuota(int64_t rate_per_sec, const Clock* clock);

  // Strict mode (CreateTopics v6+, CreatePartitions v3+, auto-creation): when the bucket is not in
  // debt, spends `partitions` and returns 0; otherwise spends nothing and returns how many ms
  // until it is out of debt (the throttle time a client is told to wait).
  int64_t try_spend(int64_t partitions);
  // Permissive mode (older request versions, which know no THROTTLING_QUOTA_EXCEEDED): spends
  // `partitions` whatever the debt, and returns the throttle time after spending.
  int64_t spend(int64_t partitions);
  // Whether a strict spend would be admitted now.
  bool admits();

 private:
  void refill_locked();
  int64_t throttle_ms_locked() const;

  // Tokens are counted in thousandths of a partition, so that a rate in partitions per second
  // refills a whole number of them per ms and the arithmetic is exact.
  const int64_t rate_per_sec_;  // = thousandths of a partition per ms
  const int64_t burst_milli_;
  const Clock* clock_;
  std::mutex mu_;
  int64_t tokens_milli_;
  int64_t last_ms_;
};

}  // namespace eddy::broker
