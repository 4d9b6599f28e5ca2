#pragma once
// Per-partition log configuration. Field names follow Kafka's topic configs (segment.bytes,
// retention.ms, ...) with units last. A PartitionLog copies the struct it is given and takes a new
// one at runtime through PartitionLog::update_config (AlterConfigs); a change applies to the next
// append, roll, flush or retention pass, never retroactively to data already written.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "protocol/records/batch_header.h"

namespace eddy::log {

enum class FlushPolicy : uint8_t {
  // fsync before a batch is reported durable; one fsync covers every batch that waited for it
  // (group commit). Eddy's default.
  kSync = 0,
  // fsync every flush_ms by the background thread: Kafka's page-cache behaviour.
  kInterval = 1,
};

struct LogConfig {
  int64_t segment_bytes = 1LL << 30;              // segment.bytes
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;    // segment.ms
  int64_t segment_index_bytes = 10LL << 20;       // segment.index.bytes
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // retention.ms; -1 keeps forever
  int64_t retention_bytes = -1;                   // retention.bytes; -1 is unlimited
  int64_t index_interval_bytes = 4096;            // index.interval.bytes
  int64_t max_message_bytes = 1048588;            // max.message.bytes (one batch, Kafka's default)
  records::TimestampType message_timestamp_type =
      records::TimestampType::kCreateTime;        // message.timestamp.type
  FlushPolicy flush_policy = FlushPolicy::kSync;  // flush.policy (Eddy's own key)
  int64_t flush_ms = 1000;                        // flush.ms, for FlushPolicy::kInterval
  // preallocate (log.preallocate for the broker): keep the active segment's file zero-filled and
  // fdatasynced ahead of the log end, so that a data fdatasync overwrites blocks the file already
  // has instead of growing it (no journal commit for a new size; docs/storage.md,
  // "Preallocation"). Unset: on for flush.policy=sync, whose fsyncs it makes about twice as fast,
  // off for interval, where it only doubles the bytes written (docs/benchmarks/storage.md).
  std::optional<bool> preallocate;
  // How far ahead of the log end the zero-filled tail reaches when topped up (Eddy's own
  // preallocate.ahead.bytes); topped up once less than half of it is left. Never past
  // segment.bytes.
  int64_t preallocate_ahead_bytes = 1LL << 20;

  // cleanup.policy: delete (retention.ms / retention.bytes remove old segments), compact (the log
  // cleaner keeps the latest record of every key; docs/storage.md, "Compaction"), or both.
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  double min_cleanable_dirty_ratio = 0.5;     // min.cleanable.dirty.ratio
  int64_t delete_retention_ms = 86'400'000;   // delete.retention.ms: how long tombstones stay
  int64_t min_compaction_lag_ms = 0;          // min.compaction.lag.ms
  int64_t max_compaction_lag_ms = INT64_MAX;  // max.compaction.lag.ms

  // How long the active segment may stay open: segment.ms, or max.compaction.lag.ms when smaller
  // on a compacted log, since the cleaner never touches the active segment (Kafka's
  // LogConfig.maxSegmentMs).
  int64_t max_segment_ms() const {
    return cleanup_compact ? std::min(segment_ms, max_compaction_lag_ms) : segment_ms;
  }

  bool preallocate_enabled() const {
    return preallocate.value_or(flush_policy == FlushPolicy::kSync);
  }

  // Checks bounds (segment_bytes within [kMinSegmentBytes, INT32_MAX] because index positions are
  // u32, positive intervals, ...). Returns kInvalidArgument naming the Kafka key.
  Status validate() const;
};

// Parses and prints flush.policy values: "sync", "interval".
Result<FlushPolicy> parse_flush_policy(std::string_view s);
const char* flush_policy_name(FlushPolicy p);

}  // namespace eddy::log
