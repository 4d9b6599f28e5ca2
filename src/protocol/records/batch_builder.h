#pragma once
// Builds one Kafka v2 record batch, byte for byte what a Kafka producer would send: records are
// encoded as they are appended (the builder keeps no pointer into the caller's data), and build()
// compresses the records section, fills in the header and computes the CRC-32C.
//
//   BatchBuilder b({.compression = Compression::kZstd, .producer_id = 7, .base_sequence = 0});
//   b.append(now_ms, "key", "value");
//   b.append(now_ms, std::nullopt, std::nullopt);  // null key, tombstone
//   Result<Bytes> batch = b.build();
//
// Offsets: the n-th append gets offset delta n unless append_at() names a larger one (a compacted
// batch keeps gaps). Timestamps: base_timestamp is the first record's; with LogAppendTime every
// record carries log_append_time_ms, as Kafka's MemoryRecordsBuilder does.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/compression.h"
#include "protocol/records/record.h"

namespace eddy::records {

struct BatchOptions {
  Compression compression = Compression::kNone;
  CompressOptions compress_options = {};
  TimestampType timestamp_type = TimestampType::kCreateTime;
  int64_t log_append_time_ms = -1;  // used when timestamp_type is kLogAppendTime
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  bool transactional = false;
  bool control = false;
  // The log cleaner's rewrite of a batch (Kafka's MemoryRecordsBuilder overrides): the original
  // batch's last offset delta, kept although its last records were removed, so that the batch
  // still covers its offsets and the producer's last sequence survives.
  std::optional<int32_t> last_offset_delta = std::nullopt;
  // KIP-534's delete horizon: the base timestamp holds it (records' timestamp deltas are taken
  // from it, so their timestamps are unchanged) and attribute bit 6 says so.
  std::optional<int64_t> delete_horizon_ms = std::nullopt;
};

class BatchBuilder {
 public:
  explicit BatchBuilder(BatchOptions options = {});

  // Appends with the next offset delta. Keys and values are nullable (std::nullopt is -1).
  void append(int64_t timestamp_ms, std::optional<ByteSpan> key, std::optional<ByteSpan> value,
              std::span<const RecordHeader> headers = {});
  void append(int64_t timestamp_ms, std::string_view key, std::string_view value,
              std::span<const RecordHeader> headers = {});
  // Appends at an explicit offset delta, which must be greater than the previous one.
  void append_at(int32_t offset_delta, int64_t timestamp_ms, std::optional<ByteSpan> key,
                 std::optional<ByteSpan> value, std::span<const RecordHeader> headers = {});

  int32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Bytes of the batch if it were built uncompressed now: header plus records.
  size_t uncompressed_size_bytes() const { return kBatchHeaderSize + records_.size(); }
  const BatchOptions& options() const { return options_; }

  // The finished batch. An empty builder makes a batch with no records (timestamps -1), as the
  // log cleaner leaves behind; clients never send one. Fails only if the codec library does.
  Result<Bytes> build() const;

 private:
  BatchOptions options_;
  Bytes records_;
  int32_t count_ = 0;
  int32_t last_offset_delta_ = -1;
  int64_t base_timestamp_ = -1;
  int64_t max_timestamp_ = -1;
};

// Kafka's control record types (the key of a record in a control batch).
enum class ControlType : int16_t { kAbort = 0, kCommit = 1 };

struct EndTxnMarker {
  ControlType type = ControlType::kCommit;
  int32_t coordinator_epoch = 0;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int64_t timestamp_ms = 0;
  int32_t partition_leader_epoch = -1;
};

// A transactional control batch holding one COMMIT or ABORT marker: key = int16 version 0,
// int16 type; value = int16 version 0, int32 coordinator epoch.
Result<Bytes> build_end_txn_marker(const EndTxnMarker& marker);

}  // namespace eddy::records
