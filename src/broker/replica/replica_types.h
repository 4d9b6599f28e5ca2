#pragma once
// Inputs and outputs of the replica layer's data-path operations: plain values, free of any wire
// encoding, so that the Kafka handlers translate requests into them and results back, and unit
// tests drive the layer without sockets.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "broker/replica/replica_selector.h"
#include "broker/replica/replication_state.h"
#include "common/bytes.h"
#include "common/ids.h"
#include "common/uuid.h"
#include "log/log_config.h"
#include "log/log_manager.h"
#include "log/partition_log.h"
#include "protocol/records/batch_validator.h"

namespace eddy::broker {

using TopicPartition = log::TopicPartition;

// Kafka's replica id of a consumer; a follower broker sends its node id (>= 0).
inline constexpr int32_t kConsumerReplicaId = -1;

// Per-partition settings that come from topic configs in the metadata image.
struct PartitionSettings {
  log::LogConfig log_config;
  int32_t min_insync_replicas = 1;  // min.insync.replicas
  // cleanup.policy includes compact: every produced record needs a key (Kafka: INVALID_RECORD).
  bool compacted = false;
  // The topic's id (zero: none known). Recorded in the partition's partition.metadata when its
  // replica is created; a log recording another id is not this topic's (partition_metadata_file.h).
  Uuid topic_id;
};

// ---- Produce ----

// Who appends (Kafka's AppendOrigin). Internal topics (__consumer_offsets, ...) hold state the
// broker trusts when it loads it back, so only the broker's own coordinators may write them; a
// client's Produce to one answers INVALID_TOPIC_EXCEPTION, as Kafka's does.
enum class AppendOrigin : uint8_t { kClient, kCoordinator };

struct ProducePartitionInput {
  TopicPartition tp;
  // The request's records field. Rewritten in place by the append (offsets, leader epoch,
  // LogAppendTime); must stay alive until append_records() returns.
  MutableByteSpan records;
};

struct ProducePartitionResult {
  TopicPartition tp;
  int16_t error = 0;
  Offset base_offset{-1};
  int64_t log_append_time_ms = -1;  // -1 unless the topic uses LogAppendTime
  Offset log_start_offset{-1};
  std::string error_message;
  std::vector<records::RecordError> record_errors;  // Produce v8+'s record_errors (KIP-467)
};

// Runs exactly once, on any thread (the caller's, the flusher's or the purgatory reaper's): the
// receiver hops to its own executor. Results are in the input order.
using ProduceCallback = std::function<void(std::vector<ProducePartitionResult>)>;

// ---- Fetch ----

enum class IsolationLevel : int8_t { kReadUncommitted = 0, kReadCommitted = 1 };

struct FetchParams {
  int32_t replica_id = kConsumerReplicaId;
  int64_t replica_epoch = -1;  // a follower's broker epoch (ReplicaState, v15+); -1 unknown
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 52'428'800;  // fetch.max.bytes default
  IsolationLevel isolation = IsolationLevel::kReadUncommitted;
  // A consumer's Fetch v11+ (KIP-392): it may read from a follower (up to that follower's high
  // watermark), and the leader may name a preferred read replica. Unset: the leader only.
  std::optional<ClientMetadata> client_metadata;
};

struct FetchPartitionInput {
  TopicPartition tp;
  Offset fetch_offset{0};
  int32_t partition_max_bytes = 1'048'576;
  LeaderEpoch current_leader_epoch{-1};  // -1: the client does not fence
  LeaderEpoch last_fetched_epoch{-1};    // a follower's epoch of its last batch (v12+)
  Offset log_start_offset{-1};           // a follower's log start (v5+); -1 unknown
};

struct FetchPartitionResult {
  TopicPartition tp;
  int16_t error = 0;
  Offset high_watermark{-1};
  Offset last_stable_offset{-1};
  Offset log_start_offset{-1};
  // Whole batches, below the high watermark (consumers) or the LEO (followers); send with
  // sendfile. Empty when nothing new.
  log::FileSlice records;
  // A follower's log diverges from the leader's (KIP-320): where it must truncate to.
  std::optional<EpochAndOffset> diverging_epoch;
  // KIP-392: the follower the consumer should fetch from instead (no records then); -1: none.
  int32_t preferred_read_replica = -1;
};

using FetchCallback = std::function<void(std::vector<FetchPartitionResult>)>;

// ---- ListOffsets, DeleteRecords, OffsetForLeaderEpoch ----

inline constexpr int64_t kLatestTimestamp = -1;
inline constexpr int64_t kEarliestTimestamp = -2;
inline constexpr int64_t kMaxTimestamp = -3;
// Tiered storage's (v8, v9): without remote storage the local log is the whole log, so earliest
// local is earliest, and latest tiered is "none" (offset -1), as Kafka answers.
inline constexpr int64_t kEarliestLocalTimestamp = -4;
inline constexpr int64_t kLatestTieredTimestamp = -5;

struct ListOffsetResult {
  int16_t error = 0;
  int64_t timestamp_ms = -1;
  Offset offset{-1};
  LeaderEpoch leader_epoch{-1};
};

struct DeleteRecordsInput {
  TopicPartition tp;
  int64_t offset = -1;  // delete every record below it; -1: below the high watermark
};

struct DeleteRecordsResult {
  TopicPartition tp;
  int16_t error = 0;
  Offset low_watermark{-1};
};

// Runs exactly once, on any thread; results are in the input order.
using DeleteRecordsCallback = std::function<void(std::vector<DeleteRecordsResult>)>;

struct OffsetForLeaderEpochResult {
  int16_t error = 0;
  LeaderEpoch leader_epoch{-1};
  Offset end_offset{-1};
};

}  // namespace eddy::broker
