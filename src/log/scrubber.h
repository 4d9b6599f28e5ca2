#pragma once
// Scrubber: verifies the CRC-32C of every batch in the sealed segments of a set of logs, in the
// background, at a bounded rate (docs/storage.md, "Damage and quarantine"). Reads check only
// batch framing (the bytes go out by sendfile without passing through memory), so this is what
// finds a flipped payload byte in data at rest; damage found is recorded by the log
// (PartitionLog::scrub), which then never serves it.
//
// I/O bound, by construction: a token bucket of `bytes_per_second`, holding at most
// `burst_bytes`, pays for every byte read. run_once() reads only while the bucket is positive and
// charges what was read, and a log's scrub overshoots its budget by one batch at most, so by
// any time T after construction the scrubber has read at most
//   burst_bytes + bytes_per_second * T + one batch.
// The clock is injected, so tests check that bound without sleeping.
//
// Not thread-safe: one thread (the LogManager's scrubber thread, or a test) calls run_once().

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "log/partition_log.h"

namespace eddy::log {

struct ScrubberOptions {
  bool enable = true;                       // log.scrubber.enable
  uint64_t bytes_per_second = 16ULL << 20;  // log.scrubber.io.max.bytes.per.second
  uint64_t burst_bytes = 1ULL << 20;        // the bucket's size: what one round may read
  Clock* clock = &SystemClock::instance();
};

class Scrubber {
 public:
  // The logs to verify, asked afresh each round (logs come and go).
  using LogSource = std::function<std::vector<std::shared_ptr<PartitionLog>>()>;

  Scrubber(ScrubberOptions options, LogSource logs);

  // One round: refills the bucket for the time since the last round and verifies batches, log
  // after log, while it is positive. Returns the bytes read. Errors of one log (it was removed,
  // a read failed) skip that log for the rest of the pass.
  uint64_t run_once();

  uint64_t bytes_read() const { return bytes_read_; }
  // Complete passes over every log's sealed segments.
  uint64_t passes() const { return passes_; }

 private:
  ScrubberOptions options_;
  LogSource logs_;
  int64_t tokens_;  // bytes that may still be read; negative after a batch ran over
  int64_t last_refill_ms_;
  size_t log_index_ = 0;                 // the log being verified, in the order logs_() gives
  std::weak_ptr<PartitionLog> current_;  // which log the cursor belongs to
  ScrubCursor cursor_;
  uint64_t bytes_read_ = 0;
  uint64_t passes_ = 0;
};

}  // namespace eddy::log
