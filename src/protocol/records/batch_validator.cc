#include "protocol/records/batch_validator.h"

#include <string>

#include "protocol/records/batch_reader.h"

namespace eddy::records {
namespace {

// Kafka's "no timestamp" value; anything lower is not a timestamp at all.
constexpr int64_t kNoTimestamp = -1;

// The checks that need only the 61-byte header, done before decompressing anything so that a
// batch which is wrong on its face costs no inflation.
Status check_header(ByteSpan batch, const BatchHeader& h, const AppendValidationOptions& o) {
  if (o.max_batch_bytes != 0 && batch.size() > o.max_batch_bytes) {
    return too_large("batch of " + std::to_string(batch.size()) + " bytes exceeds the " +
                     std::to_string(o.max_batch_bytes) + " byte limit");
  }
  if (compute_batch_crc(batch) != h.crc) return corruption("batch CRC mismatch");
  int codec = h.attributes & kCompressionMask;
  if (!is_known_compression(codec)) {
    return unsupported("unknown compression codec " + std::to_string(codec));
  }
  if ((o.allowed_codecs & codec_bit(h.compression())) == 0) {
    return unsupported(std::string("compression codec ") + compression_name(h.compression()) +
                       " is not allowed here");
  }
  if (h.is_control() && !o.allow_control) {
    return invalid_argument("clients are not allowed to write control records");
  }
  if (h.is_transactional() && !o.allow_transactional) {
    return invalid_argument("transactional records are not allowed here");
  }
  if (h.records_count <= 0) {
    return invalid_argument("invalid record count " + std::to_string(h.records_count));
  }
  if (static_cast<int64_t>(h.last_offset_delta) + 1 != h.records_count) {
    return invalid_argument("inconsistent batch offset range: last offset delta " +
                            std::to_string(h.last_offset_delta) + " with " +
                            std::to_string(h.records_count) + " records");
  }
  if (h.producer_id < kNoProducerId) {
    return invalid_argument("invalid producer id " + std::to_string(h.producer_id));
  }
  // Control markers carry the producer id with no sequence, as Kafka's coordinator writes them.
  if (!h.is_control() && h.producer_id >= 0 && h.base_sequence < 0) {
    return invalid_argument("invalid sequence number " + std::to_string(h.base_sequence) +
                            " for producer " + std::to_string(h.producer_id));
  }
  if (h.is_transactional() && h.producer_id < 0) {
    return invalid_argument("transactional batch without a producer id");
  }
  return Status::ok();
}

Status check_timestamp(int64_t ts, const AppendValidationOptions& o) {
  if (ts < kNoTimestamp) return out_of_range("invalid record timestamp " + std::to_string(ts));
  if (o.max_timestamp_difference_ms && ts != kNoTimestamp) {
    int64_t diff = ts > o.now_ms ? ts - o.now_ms : o.now_ms - ts;
    if (diff < 0 || diff > *o.max_timestamp_difference_ms) {
      return out_of_range("record timestamp " + std::to_string(ts) + " is out of range of now " +
                          std::to_string(o.now_ms));
    }
  }
  return Status::ok();
}

}  // namespace

Result<AppendValidation> validate_batch_for_append(ByteSpan batch,
                                                   const AppendValidationOptions& options,
                                                   std::vector<RecordError>* record_errors) {
  EDDY_RETURN_IF_ERROR(check_single_batch(batch));
  AppendValidation v;
  v.header = read_batch_header(batch.data());
  EDDY_RETURN_IF_ERROR(check_header(batch, v.header, options));

  ReadOptions read;
  read.max_decompressed_bytes = options.max_decompressed_bytes;
  read.verify_crc = false;  // checked above
  EDDY_ASSIGN_OR_RETURN(BatchReader reader, BatchReader::open(batch, read));
  v.decompressed_bytes = reader.records_section().size();
  bool create_time = v.header.timestamp_type() == TimestampType::kCreateTime;
  if (!create_time) v.max_timestamp = v.header.max_timestamp;
  Record r;
  // The first per-record fault; the batch is refused after every record was looked at.
  Status record_fault = Status::ok();
  auto fault = [&](int32_t index, Status s) {
    if (record_errors != nullptr) record_errors->push_back({index, s.message()});
    if (record_fault.is_ok()) record_fault = std::move(s);
  };
  for (int32_t expected = 0;; ++expected) {
    EDDY_ASSIGN_OR_RETURN(bool more, reader.next(r));
    if (!more) break;
    if (r.offset_delta != expected) {
      return invalid_argument("record " + std::to_string(expected) + " has offset delta " +
                              std::to_string(r.offset_delta));
    }
    if (options.require_keys && !r.key) {
      fault(expected, invalid_argument("compacted topic cannot accept a record without a key"));
    }
    if (create_time) {
      // Called only when there is something to check: it is per record, and a Status is not free.
      if (r.timestamp < kNoTimestamp || options.max_timestamp_difference_ms) {
        Status s = check_timestamp(r.timestamp, options);
        if (!s.is_ok()) fault(expected, std::move(s));
      }
      if (r.timestamp > v.max_timestamp) {
        v.max_timestamp = r.timestamp;
        v.offset_delta_of_max_timestamp = r.offset_delta;
      }
    }
  }
  EDDY_RETURN_IF_ERROR(record_fault);
  v.record_count = reader.records_read();
  return v;
}

int16_t kafka_error_for_append(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kKafkaNone;
    case StatusCode::kCorruption:
      return kKafkaCorruptMessage;
    case StatusCode::kTooLarge:
      return kKafkaMessageTooLarge;
    case StatusCode::kOutOfRange:
      return kKafkaInvalidTimestamp;
    case StatusCode::kUnsupported:
      return kKafkaUnsupportedCompressionType;
    case StatusCode::kInvalidArgument:
      return kKafkaInvalidRecord;
    default:
      return kKafkaUnknownServerError;
  }
}

Result<BatchSummary> summarize_batch(ByteSpan batch) {
  EDDY_RETURN_IF_ERROR(check_magic_v2(batch));
  if (batch.size() < kBatchHeaderSize) {
    return corruption("truncated batch: " + std::to_string(batch.size()) + " bytes");
  }
  BatchHeader h = read_batch_header(batch.data());
  BatchSummary s;
  s.record_count = h.records_count;
  s.max_timestamp = h.max_timestamp;
  s.base_offset = h.base_offset;
  s.last_offset = h.last_offset();
  return s;
}

}  // namespace eddy::records
