#pragma once
// The 61-byte header of a Kafka v2 record batch (magic 2), the unit Eddy stores on disk and sends
// on the wire unchanged. The storage engine reads only this header; the record codec in this
// directory decodes the records after it.
//
// Layout (big-endian), offsets in bytes:
//    0 base_offset            int64   rewritten by the leader on append
//    8 batch_length           int32   bytes after this field (total size - 12)
//   12 partition_leader_epoch int32   rewritten by the leader on append
//   16 magic                  int8    must be 2
//   17 crc                    uint32  CRC-32C of bytes [21, end)
//   21 attributes             int16   bits 0-2 codec, 3 timestamp type, 4 transactional, 5 control
//   23 last_offset_delta      int32
//   27 base_timestamp         int64
//   35 max_timestamp          int64
//   43 producer_id            int64
//   51 producer_epoch         int16
//   53 base_sequence          int32
//   57 records_count          int32
//   61 records...
// base_offset and partition_leader_epoch lie outside the CRC, so a leader assigns them in place.

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"

namespace eddy::records {

inline constexpr size_t kBaseOffsetPos = 0;
inline constexpr size_t kBatchLengthPos = 8;
inline constexpr size_t kLeaderEpochPos = 12;
inline constexpr size_t kMagicPos = 16;
inline constexpr size_t kCrcPos = 17;
inline constexpr size_t kAttributesPos = 21;
inline constexpr size_t kLastOffsetDeltaPos = 23;
inline constexpr size_t kBaseTimestampPos = 27;
inline constexpr size_t kMaxTimestampPos = 35;
inline constexpr size_t kProducerIdPos = 43;
inline constexpr size_t kProducerEpochPos = 51;
inline constexpr size_t kBaseSequencePos = 53;
inline constexpr size_t kRecordsCountPos = 57;
inline constexpr size_t kBatchHeaderSize = 61;
// batch_length counts from the leader epoch on; these 12 bytes precede it.
inline constexpr size_t kLogOverhead = 12;
inline constexpr int8_t kMagicV2 = 2;

static_assert(kRecordsCountPos + 4 == kBatchHeaderSize);
static_assert(kBatchLengthPos + 4 == kLogOverhead);

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };
enum class TimestampType : uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeBit = 0x08;
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;
inline constexpr int16_t kDeleteHorizonBit = 0x40;

inline constexpr int64_t kNoProducerId = -1;
inline constexpr int16_t kNoProducerEpoch = -1;
inline constexpr int32_t kNoSequence = -1;

// Decoded copy of a batch header. Cheap to make; holds no pointer into the buffer.
struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  int32_t records_count = 0;

  // Whole batch size on the wire and on disk.
  size_t size_bytes() const { return kLogOverhead + static_cast<size_t>(batch_length); }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  int64_t next_offset() const { return last_offset() + 1; }
  Compression compression() const {
    return static_cast<Compression>(attributes & kCompressionMask);
  }
  TimestampType timestamp_type() const {
    return (attributes & kTimestampTypeBit) ? TimestampType::kLogAppendTime
                                            : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return (attributes & kTransactionalBit) != 0; }
  bool is_control() const { return (attributes & kControlBit) != 0; }
};

// Reads the fixed fields. Needs at least kBatchHeaderSize bytes; checks nothing else.
BatchHeader read_batch_header(const uint8_t* p);
// Writes every field of h into the first kBatchHeaderSize bytes at p (crc as given).
void write_batch_header(const BatchHeader& h, uint8_t* p);

// CRC-32C over [kAttributesPos, size): what the crc field must hold.
uint32_t compute_batch_crc(ByteSpan batch);

// Outcome of looking at the bytes at the start of `buf` as one batch.
enum class BatchCheck {
  kValid,       // a whole, well-formed batch with a matching CRC
  kIncomplete,  // fewer bytes than the header or the declared length: a torn tail, or read more
  kCorrupt,     // a full batch that is wrong (magic, length, CRC, counts)
};

struct BatchCheckResult {
  BatchCheck check;
  BatchHeader header;  // valid when check == kValid (and batch_length when kIncomplete)
  Status status;       // why, when not kValid
};

// Validates one batch at the start of buf: magic 2, batch_length within
// [kBatchHeaderSize - kLogOverhead, max_batch_bytes], CRC, and
// 0 <= last_offset_delta, 0 <= records_count <= last_offset_delta + 1.
// `max_batch_bytes` bounds what a hostile length field may claim.
BatchCheckResult check_batch(ByteSpan buf, size_t max_batch_bytes);

// Magic byte check at kMagicPos, which is also where the legacy message format (magic 0 and 1:
// offset, size, crc, magic) keeps its magic. Ok for magic 2 and for buffers too short to tell;
// kInvalidArgument naming the legacy format for magic 0/1 (Kafka: INVALID_RECORD); kCorruption
// for any other value.
Status check_magic_v2(ByteSpan buf);

// Checks that `batch` is exactly one v2 batch by its framing, without the CRC: check_magic_v2, a
// whole header, batch_length at least the header and equal to the span. kCorruption for a short
// or malformed batch, kInvalidArgument for bytes after it (a produce request carries exactly one
// batch per partition) or a legacy magic.
Status check_single_batch(ByteSpan batch);

// Rewrites the leader-assigned fields in place; the CRC stays valid because neither is covered.
void assign_base_offset(uint8_t* batch, int64_t base_offset);
void assign_leader_epoch(uint8_t* batch, int32_t leader_epoch);

// Marks a whole batch as LogAppendTime with max_timestamp = now_ms (what a broker does for a topic
// with message.timestamp.type=LogAppendTime) and recomputes the CRC, since both are covered.
void assign_log_append_time(MutableByteSpan batch, int64_t now_ms);

}  // namespace eddy::records
