#pragma once
// Produce-side validation: what the broker checks on a client's batch before it appends it, the
// rules of Kafka's ProduceRequest.validateRecords and LogValidator for magic 2. The batch is
// decompressed (under a cap) and every record decoded, so nothing malformed reaches the log.
//
// Each failure is a Status whose code says which Kafka error the client gets;
// kafka_error_for_append() does the mapping (docs/records.md has the table):
//   kCorruption       CORRUPT_MESSAGE (2)               CRC, framing, undecodable compressed data
//   kTooLarge         MESSAGE_TOO_LARGE (10)            batch or decompressed size over a cap
//   kOutOfRange       INVALID_TIMESTAMP (32)            timestamp < -1 or outside the allowed
//   window kUnsupported      UNSUPPORTED_COMPRESSION_TYPE (76) codec 5-7 or one this topic does not
//   allow kInvalidArgument  INVALID_RECORD (87)               legacy magic 0/1, count/offset/length
//                                                       mismatches, forbidden control/transactional
//                                                       bits, sequence without producer id

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "protocol/records/batch_header.h"
#include "protocol/records/compression.h"

namespace eddy::records {

// Kafka error codes for the outcomes above (from Kafka's Errors enum).
inline constexpr int16_t kKafkaNone = 0;
inline constexpr int16_t kKafkaUnknownServerError = -1;
inline constexpr int16_t kKafkaCorruptMessage = 2;
inline constexpr int16_t kKafkaMessageTooLarge = 10;
inline constexpr int16_t kKafkaInvalidTimestamp = 32;
inline constexpr int16_t kKafkaUnsupportedCompressionType = 76;
inline constexpr int16_t kKafkaInvalidRecord = 87;

// Bit set of Compression values: allow(kZstd) == 1 << 4.
constexpr uint8_t codec_bit(Compression c) {
  return static_cast<uint8_t>(1u << static_cast<int>(c));
}
inline constexpr uint8_t kAllCodecs = 0x1F;

struct AppendValidationOptions {
  // Bound on the decompressed records section (a zip bomb is rejected, never inflated).
  size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes;
  // Bound on the batch as sent (message.max.bytes / max.message.bytes); 0 means no bound here.
  size_t max_batch_bytes = 0;
  // Control batches come only from the transaction coordinator; a client may never send one.
  bool allow_control = false;
  // Transactional batches need a transactional producer; false for, e.g., an internal topic.
  bool allow_transactional = true;
  // Codecs this topic accepts (Produce < v7 may not send zstd).
  uint8_t allowed_codecs = kAllCodecs;
  // Compacted topics reject records without a key (Kafka: INVALID_RECORD).
  bool require_keys = false;
  // With CreateTime, reject records whose timestamp differs from now_ms by more than this
  // (message.timestamp.difference.max.ms). Unset: no window.
  std::optional<int64_t> max_timestamp_difference_ms;
  int64_t now_ms = 0;
};

// A record the batch cannot be appended with, by its index in the batch (Kafka's RecordError,
// answered in Produce v8+'s record_errors, KIP-467): clients fail exactly these records and
// retry, or fail, the rest of the batch.
struct RecordError {
  int32_t batch_index = 0;
  std::string message;
};

// What validation learned about an acceptable batch.
struct AppendValidation {
  BatchHeader header;
  int32_t record_count = 0;
  // Largest record timestamp (CreateTime), or the header's (LogAppendTime); -1 for no timestamps.
  int64_t max_timestamp = -1;
  // Offset delta of the record holding max_timestamp (Kafka's shallowOffsetOfMaxTimestamp).
  int32_t offset_delta_of_max_timestamp = 0;
  size_t decompressed_bytes = 0;
};

// Validates `batch`, which must hold exactly one magic-2 batch as a Produce request carries it.
// Per-record faults (a keyless record on a compacted topic, a timestamp out of range) are
// collected over the whole batch into `record_errors` (when given), as Kafka's LogValidator
// does; the Status returned is the first one's.
Result<AppendValidation> validate_batch_for_append(
    ByteSpan batch, const AppendValidationOptions& options,
    std::vector<RecordError>* record_errors = nullptr);

// The Kafka error code a producer gets for a Status from validate_batch_for_append (or from
// BatchReader): the table above; kKafkaNone for ok, UNKNOWN_SERVER_ERROR for anything else.
int16_t kafka_error_for_append(const Status& status);

// Record count and max timestamp straight from the 61-byte header, no decoding and no CRC check
// (for a batch already validated or read back from the log).
struct BatchSummary {
  int32_t record_count = 0;
  int64_t max_timestamp = -1;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
};
Result<BatchSummary> summarize_batch(ByteSpan batch);

}  // namespace eddy::records
