#include "protocol/records/batch_builder.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace eddy::records {

BatchBuilder::BatchBuilder(BatchOptions options) : options_(std::move(options)) {}

void BatchBuilder::append(int64_t timestamp_ms, std::optional<ByteSpan> key,
                          std::optional<ByteSpan> value, std::span<const RecordHeader> headers) {
  append_at(last_offset_delta_ + 1, timestamp_ms, key, value, headers);
}

void BatchBuilder::append(int64_t timestamp_ms, std::string_view key, std::string_view value,
                          std::span<const RecordHeader> headers) {
  append(timestamp_ms, as_bytes(key), as_bytes(value), headers);
}

void BatchBuilder::append_at(int32_t offset_delta, int64_t timestamp_ms,
                             std::optional<ByteSpan> key, std::optional<ByteSpan> value,
                             std::span<const RecordHeader> headers) {
  assert(offset_delta > last_offset_delta_ && "offset deltas must increase");
  if (options_.timestamp_type == TimestampType::kLogAppendTime) {
    timestamp_ms = options_.log_append_time_ms;
  }
  if (count_ == 0) base_timestamp_ = options_.delete_horizon_ms.value_or(timestamp_ms);
  max_timestamp_ = count_ == 0 ? timestamp_ms : std::max(max_timestamp_, timestamp_ms);
  RecordFields fields{timestamp_ms - base_timestamp_, offset_delta, key, value, headers};
  append_record(fields, records_);
  last_offset_delta_ = offset_delta;
  ++count_;
}

Result<Bytes> BatchBuilder::build() const {
  Bytes out;
  if (options_.compression == Compression::kNone) {
    out.resize(kBatchHeaderSize + records_.size());
    std::copy(records_.begin(), records_.end(), out.begin() + kBatchHeaderSize);
  } else {
    EDDY_ASSIGN_OR_RETURN(Bytes packed,
                          compress(options_.compression, records_, options_.compress_options));
    out.resize(kBatchHeaderSize + packed.size());
    std::copy(packed.begin(), packed.end(), out.begin() + kBatchHeaderSize);
  }
  BatchHeader h;
  h.base_offset = options_.base_offset;
  h.batch_length = static_cast<int32_t>(out.size() - kLogOverhead);
  h.partition_leader_epoch = options_.partition_leader_epoch;
  h.magic = kMagicV2;
  h.attributes = static_cast<int16_t>(options_.compression);
  if (options_.timestamp_type == TimestampType::kLogAppendTime) h.attributes |= kTimestampTypeBit;
  if (options_.transactional) h.attributes |= kTransactionalBit;
  if (options_.control) h.attributes |= kControlBit;
  if (options_.delete_horizon_ms) h.attributes |= kDeleteHorizonBit;
  h.last_offset_delta = std::max(options_.last_offset_delta.value_or(last_offset_delta_), 0);
  h.base_timestamp = options_.delete_horizon_ms.value_or(base_timestamp_);
  h.max_timestamp = options_.timestamp_type == TimestampType::kLogAppendTime
                        ? options_.log_append_time_ms
                        : max_timestamp_;
  h.producer_id = options_.producer_id;
  h.producer_epoch = options_.producer_epoch;
  h.base_sequence = options_.base_sequence;
  h.records_count = count_;
  write_batch_header(h, out.data());
  store_be32(out.data() + kCrcPos, compute_batch_crc(out));
  return out;
}

Result<Bytes> build_end_txn_marker(const EndTxnMarker& marker) {
  BatchOptions options;
  options.producer_id = marker.producer_id;
  options.producer_epoch = marker.producer_epoch;
  options.partition_leader_epoch = marker.partition_leader_epoch;
  options.transactional = true;
  options.control = true;
  BatchBuilder builder(options);
  uint8_t key[4];
  store_be16(key, 0);
  store_be16(key + 2, static_cast<uint16_t>(marker.type));
  uint8_t value[6];
  store_be16(value, 0);
  store_be32(value + 2, static_cast<uint32_t>(marker.coordinator_epoch));
  builder.append(marker.timestamp_ms, ByteSpan(key), ByteSpan(value));
  return builder.build();
}

}  // namespace eddy::records
