#pragma once
// The log cleaner's settings (log/log_cleaner.h), apart so that LogManagerOptions can hold them
// without pulling in the cleaner.

#include <cstdint>
#include <functional>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace eddy::log {

// A batch the cleaner could not read (CRC, records that do not decode): its offsets become a
// filler and its records are never served again. Framing damage (a header that does not parse)
// stops the log's cleaning instead: nothing after it in the segment can be framed.
struct CleanerCorruption {
  std::string segment;  // the segment file
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  std::string why;
};

struct CleanerOptions {
  bool enable = true;                           // log.cleaner.enable
  int threads = 1;                              // log.cleaner.threads
  uint64_t dedupe_buffer_bytes = 128ULL << 20;  // log.cleaner.dedupe.buffer.size (all threads)
  double io_buffer_load_factor = 0.9;           // log.cleaner.io.buffer.load.factor
  // log.cleaner.io.buffer.size, all threads: each thread's half goes to its read window, half to
  // its write buffer (Kafka's split). A batch larger than the window is read whole regardless.
  uint64_t io_buffer_bytes = 2ULL << 20;
  double io_max_bytes_per_second = 1.7976931348623157e308;  // log.cleaner.io.max.bytes.per.second
  int64_t backoff_ms = 15'000;  // log.cleaner.backoff.ms: idle wait between rounds
  Clock* clock = &SystemClock::instance();
  // Must not throw or block; runs on a cleaner thread.
  std::function<void(const std::string& log_dir, const CleanerCorruption&)> on_corrupt;
  std::function<void(const std::string& log_dir, const Status&)> on_error;

  // Takes the settings a running cleaner may change (Kafka's LogCleaner.ReconfigurableConfigs)
  // from `from`; enable, the clock and the callbacks stay.
  void take_reconfigurable(const CleanerOptions& from) {
    threads = from.threads;
    dedupe_buffer_bytes = from.dedupe_buffer_bytes;
    io_buffer_load_factor = from.io_buffer_load_factor;
    io_buffer_bytes = from.io_buffer_bytes;
    io_max_bytes_per_second = from.io_max_bytes_per_second;
    backoff_ms = from.backoff_ms;
  }
  bool same_reconfigurable(const CleanerOptions& o) const {
    return threads == o.threads && dedupe_buffer_bytes == o.dedupe_buffer_bytes &&
           io_buffer_load_factor == o.io_buffer_load_factor &&
           io_buffer_bytes == o.io_buffer_bytes &&
           io_max_bytes_per_second == o.io_max_bytes_per_second && backoff_ms == o.backoff_ms;
  }
};

}  // namespace eddy::log
