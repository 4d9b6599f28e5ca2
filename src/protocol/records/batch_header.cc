#include "protocol/records/batch_header.h"

#include <string>

#include "common/crc32c.h"

namespace eddy::records {

BatchHeader read_batch_header(const uint8_t* p) {
  BatchHeader h;
  h.base_offset = load_be_i64(p + kBaseOffsetPos);
  h.batch_length = load_be_i32(p + kBatchLengthPos);
  h.partition_leader_epoch = load_be_i32(p + kLeaderEpochPos);
  h.magic = static_cast<int8_t>(p[kMagicPos]);
  h.crc = load_be32(p + kCrcPos);
  h.attributes = load_be_i16(p + kAttributesPos);
  h.last_offset_delta = load_be_i32(p + kLastOffsetDeltaPos);
  h.base_timestamp = load_be_i64(p + kBaseTimestampPos);
  h.max_timestamp = load_be_i64(p + kMaxTimestampPos);
  h.producer_id = load_be_i64(p + kProducerIdPos);
  h.producer_epoch = load_be_i16(p + kProducerEpochPos);
  h.base_sequence = load_be_i32(p + kBaseSequencePos);
  h.records_count = load_be_i32(p + kRecordsCountPos);
  return h;
}

void write_batch_header(const BatchHeader& h, uint8_t* p) {
  store_be64(p + kBaseOffsetPos, static_cast<uint64_t>(h.base_offset));
  store_be32(p + kBatchLengthPos, static_cast<uint32_t>(h.batch_length));
  store_be32(p + kLeaderEpochPos, static_cast<uint32_t>(h.partition_leader_epoch));
  p[kMagicPos] = static_cast<uint8_t>(h.magic);
  store_be32(p + kCrcPos, h.crc);
  store_be16(p + kAttributesPos, static_cast<uint16_t>(h.attributes));
  store_be32(p + kLastOffsetDeltaPos, static_cast<uint32_t>(h.last_offset_delta));
  store_be64(p + kBaseTimestampPos, static_cast<uint64_t>(h.base_timestamp));
  store_be64(p + kMaxTimestampPos, static_cast<uint64_t>(h.max_timestamp));
  store_be64(p + kProducerIdPos, static_cast<uint64_t>(h.producer_id));
  store_be16(p + kProducerEpochPos, static_cast<uint16_t>(h.producer_epoch));
  store_be32(p + kBaseSequencePos, static_cast<uint32_t>(h.base_sequence));
  store_be32(p + kRecordsCountPos, static_cast<uint32_t>(h.records_count));
}

uint32_t compute_batch_crc(ByteSpan batch) {
  return crc32c::value(batch.data() + kAttributesPos, batch.size() - kAttributesPos);
}

BatchCheckResult check_batch(ByteSpan buf, size_t max_batch_bytes) {
  BatchCheckResult r{BatchCheck::kIncomplete, {}, {}};
  if (buf.size() < kLogOverhead) {
    r.status = corruption("truncated batch: " + std::to_string(buf.size()) + " bytes");
    return r;
  }
  int32_t length = load_be_i32(buf.data() + kBatchLengthPos);
  r.header.batch_length = length;
  if (length < static_cast<int32_t>(kBatchHeaderSize - kLogOverhead) ||
      static_cast<size_t>(length) + kLogOverhead > max_batch_bytes) {
    r.check = BatchCheck::kCorrupt;
    r.status = corruption("batch length " + std::to_string(length) + " out of bounds");
    return r;
  }
  if (buf.size() >= kMagicPos + 1 && static_cast<int8_t>(buf[kMagicPos]) != kMagicV2) {
    r.check = BatchCheck::kCorrupt;
    r.status = corruption("unsupported record batch magic " +
                          std::to_string(static_cast<int8_t>(buf[kMagicPos])));
    return r;
  }
  size_t total = kLogOverhead + static_cast<size_t>(length);
  if (buf.size() < total) {
    r.status = corruption("truncated batch: need " + std::to_string(total) + " bytes, have " +
                          std::to_string(buf.size()));
    return r;
  }
  r.header = read_batch_header(buf.data());
  r.check = BatchCheck::kCorrupt;
  uint32_t crc = compute_batch_crc(buf.first(total));
  if (crc != r.header.crc) {
    r.status = corruption("batch CRC mismatch");
    return r;
  }
  if (r.header.last_offset_delta < 0 || r.header.records_count < 0 ||
      r.header.records_count > static_cast<int64_t>(r.header.last_offset_delta) + 1) {
    r.status = corruption("batch record count " + std::to_string(r.header.records_count) +
                          " inconsistent with last offset delta " +
                          std::to_string(r.header.last_offset_delta));
    return r;
  }
  r.check = BatchCheck::kValid;
  r.status = Status::ok();
  return r;
}

Status check_magic_v2(ByteSpan buf) {
  if (buf.size() <= kMagicPos) return Status::ok();
  int8_t magic = static_cast<int8_t>(buf[kMagicPos]);
  if (magic == kMagicV2) return Status::ok();
  if (magic == 0 || magic == 1) {
    return invalid_argument("legacy message format (magic " + std::to_string(magic) +
                            ") is not accepted: this log holds only v2 record batches (magic 2)");
  }
  return corruption("unsupported record batch magic " + std::to_string(magic));
}

Status check_single_batch(ByteSpan batch) {
  EDDY_RETURN_IF_ERROR(check_magic_v2(batch));
  if (batch.size() < kBatchHeaderSize) {
    return corruption("truncated batch: " + std::to_string(batch.size()) + " bytes");
  }
  int32_t length = load_be_i32(batch.data() + kBatchLengthPos);
  if (length < static_cast<int32_t>(kBatchHeaderSize - kLogOverhead)) {
    return corruption("batch length " + std::to_string(length) + " out of bounds");
  }
  size_t total = kLogOverhead + static_cast<size_t>(length);
  if (total > batch.size()) {
    return corruption("truncated batch: need " + std::to_string(total) + " bytes, have " +
                      std::to_string(batch.size()));
  }
  if (total < batch.size()) {
    return invalid_argument(std::to_string(batch.size() - total) +
                            " bytes follow the batch; a produce request carries exactly one "
                            "record batch per partition");
  }
  return Status::ok();
}

void assign_base_offset(uint8_t* batch, int64_t base_offset) {
  store_be64(batch + kBaseOffsetPos, static_cast<uint64_t>(base_offset));
}

void assign_leader_epoch(uint8_t* batch, int32_t leader_epoch) {
  store_be32(batch + kLeaderEpochPos, static_cast<uint32_t>(leader_epoch));
}

void assign_log_append_time(MutableByteSpan batch, int64_t now_ms) {
  uint8_t* p = batch.data();
  int16_t attributes = static_cast<int16_t>(load_be_i16(p + kAttributesPos) | kTimestampTypeBit);
  store_be16(p + kAttributesPos, static_cast<uint16_t>(attributes));
  store_be64(p + kMaxTimestampPos, static_cast<uint64_t>(now_ms));
  store_be32(p + kCrcPos, compute_batch_crc(batch));
}

}  // namespace eddy::records
