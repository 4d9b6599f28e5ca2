#pragma once
// The high-watermark checkpoint (Kafka's replication-offset-checkpoint): one file per log dir,
// <log.dir>/replication-offset-checkpoint, holding the high watermark of every partition whose log
// lives in that dir, written with the log's checkpoint-file helper (atomic: temp file, fsync,
// rename, directory fsync) every replica.high.watermark.checkpoint.interval.ms and at clean
// shutdown. At start-up a partition's HW starts from its entry, clamped to its log (so a leader
// serves what consumers could read before the restart at once, not only once its followers
// fetched again). Entries are keyed by the partition's directory name, "<topic>-<partition>".

#include <cstdint>
#include <map>
#include <string>

#include "broker/replica/replica_types.h"
#include "common/status.h"

namespace eddy::broker {

inline constexpr const char* kHighWatermarkCheckpointFile = "replication-offset-checkpoint";

using HighWatermarks = std::map<TopicPartition, int64_t>;

// The checkpoint of `log_dir`; empty when there is none. A file that does not parse (or names no
// partition) is kCorruption: its owner starts without it, as with no checkpoint.
Result<HighWatermarks> read_high_watermarks(const std::string& log_dir);
Status write_high_watermarks(const std::string& log_dir, const HighWatermarks& hws);

// A checkpointed high watermark made valid for a log that now spans [log_start, log_end]: a log
// cut back (an unclean stop under flush.policy=interval) or trimmed (retention, DeleteRecords)
// since the checkpoint moves it.
int64_t clamp_high_watermark(int64_t checkpointed, int64_t log_start, int64_t log_end);

}  // namespace eddy::broker
