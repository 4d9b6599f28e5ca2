#include "log/log_config.h"

#include <cstdint>
#include <string>

#include "log/log_format.h"

namespace eddy::log {

namespace {
Status bad(const char* key, int64_t v, const char* why) {
  return invalid_argument(std::string("invalid value ") + std::to_string(v) + " for " + key + ": " +
                          why);
}
}  // namespace

Status LogConfig::validate() const {
  if (segment_bytes < kMinSegmentBytes || segment_bytes > INT32_MAX) {
    return bad("segment.bytes", segment_bytes, "must be within [61, 2147483647]");
  }
  if (segment_ms < 1) return bad("segment.ms", segment_ms, "must be positive");
  if (segment_index_bytes < static_cast<int64_t>(kOffsetIndexEntrySize) ||
      segment_index_bytes > INT32_MAX) {
    return bad("segment.index.bytes", segment_index_bytes, "must be within [8, 2147483647]");
  }
  if (retention_ms < -1) return bad("retention.ms", retention_ms, "must be -1 or >= 0");
  if (retention_bytes < -1) return bad("retention.bytes", retention_bytes, "must be -1 or >= 0");
  if (index_interval_bytes < 0 || index_interval_bytes > INT32_MAX) {
    return bad("index.interval.bytes", index_interval_bytes, "must be within [0, 2147483647]");
  }
  if (max_message_bytes < 0 || max_message_bytes > INT32_MAX) {
    return bad("max.message.bytes", max_message_bytes, "must be within [0, 2147483647]");
  }
  if (flush_ms < 0) return bad("flush.ms", flush_ms, "must be >= 0");
  if (preallocate_ahead_bytes < kMinPreallocateAheadBytes || preallocate_ahead_bytes > INT32_MAX) {
    return bad("preallocate.ahead.bytes", preallocate_ahead_bytes,
               "must be within [4096, 2147483647]");
  }
  if (min_cleanable_dirty_ratio < 0 || min_cleanable_dirty_ratio > 1) {
    return invalid_argument("min.cleanable.dirty.ratio must be within [0, 1]");
  }
  if (delete_retention_ms < 0)
    return bad("delete.retention.ms", delete_retention_ms, "must be >= 0");
  if (min_compaction_lag_ms < 0) {
    return bad("min.compaction.lag.ms", min_compaction_lag_ms, "must be >= 0");
  }
  if (max_compaction_lag_ms < 1) {
    return bad("max.compaction.lag.ms", max_compaction_lag_ms, "must be positive");
  }
  return Status::ok();
}

Result<FlushPolicy> parse_flush_policy(std::string_view s) {
  if (s == "sync") return FlushPolicy::kSync;
  if (s == "interval") return FlushPolicy::kInterval;
  return invalid_argument("flush.policy must be sync or interval, not " + std::string(s));
}

const char* flush_policy_name(FlushPolicy p) {
  return p == FlushPolicy::kSync ? "sync" : "interval";
}

}  // namespace eddy::log
