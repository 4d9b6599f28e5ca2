#include "protocol/records/batch_reader.h"

#include <string>

namespace eddy::records {
namespace {

// Timestamps are base + delta in int64; a hostile delta must not overflow.
// Length, attributes, timestamp delta, offset delta, key length, value length, header count.
constexpr size_t kMinRecordBytes = 7;

bool add_overflows(int64_t a, int64_t b, int64_t* sum) { return __builtin_add_overflow(a, b, sum); }

}  // namespace

Result<BatchReader> BatchReader::open(ByteSpan batch, const ReadOptions& options) {
  EDDY_RETURN_IF_ERROR(check_single_batch(batch));
  BatchReader r;
  r.header_ = read_batch_header(batch.data());
  const BatchHeader& h = r.header_;
  if (options.verify_crc && compute_batch_crc(batch) != h.crc) {
    return corruption("batch CRC mismatch");
  }
  if (h.records_count < 0) {
    return invalid_argument("negative record count " + std::to_string(h.records_count));
  }
  int codec = h.attributes & kCompressionMask;
  if (!is_known_compression(codec)) {
    return unsupported("unknown compression codec " + std::to_string(codec));
  }
  ByteSpan packed = batch.subspan(kBatchHeaderSize);
  if (h.compression() == Compression::kNone) {
    r.section_ = packed;
  } else {
    EDDY_ASSIGN_OR_RETURN(r.decompressed_,
                          decompress(h.compression(), packed, options.max_decompressed_bytes));
    r.section_ = r.decompressed_;
  }
  // Each record takes at least kMinRecordBytes, so a count the section cannot hold is rejected
  // before anything is sized by it.
  if (static_cast<size_t>(h.records_count) > r.section_.size() / kMinRecordBytes) {
    return invalid_argument("record count " + std::to_string(h.records_count) +
                            " does not fit in a " + std::to_string(r.section_.size()) +
                            " byte records section");
  }
  return r;
}

Result<bool> BatchReader::next(Record& out) {
  if (read_ == header_.records_count) {
    if (pos_ != section_.size()) {
      return invalid_argument("batch declares " + std::to_string(header_.records_count) +
                              " records but " + std::to_string(section_.size() - pos_) +
                              " bytes are left after them");
    }
    return false;
  }
  if (pos_ == section_.size()) {
    return invalid_argument("batch declares " + std::to_string(header_.records_count) +
                            " records but holds " + std::to_string(read_));
  }
  EDDY_ASSIGN_OR_RETURN(size_t used, decode_record(section_.subspan(pos_), out));
  pos_ += used;
  ++read_;
  if (add_overflows(header_.base_offset, out.offset_delta, &out.offset)) {
    return invalid_argument("record offset overflows");
  }
  if (header_.timestamp_type() == TimestampType::kLogAppendTime) {
    out.timestamp = header_.max_timestamp;
  } else if (add_overflows(header_.base_timestamp, out.timestamp_delta, &out.timestamp)) {
    return invalid_argument("record timestamp overflows");
  }
  return true;
}

Result<DecodedBatch> decode_batch(ByteSpan batch, const ReadOptions& options) {
  EDDY_ASSIGN_OR_RETURN(BatchReader reader, BatchReader::open(batch, options));
  DecodedBatch out;
  out.header = reader.header();
  out.reader_.push_back(std::move(reader));
  BatchReader& r = out.reader_.front();
  out.records.reserve(static_cast<size_t>(out.header.records_count));
  for (;;) {
    Record rec;
    EDDY_ASSIGN_OR_RETURN(bool more, r.next(rec));
    if (!more) break;
    out.records.push_back(std::move(rec));
  }
  return out;
}

BatchIterator::BatchIterator(ByteSpan buffer, size_t max_batch_bytes)
    : buffer_(buffer), max_batch_bytes_(max_batch_bytes) {}

Result<bool> BatchIterator::next(ByteSpan& batch) {
  ByteSpan rest = buffer_.subspan(pos_);
  if (rest.empty()) return false;
  EDDY_RETURN_IF_ERROR(check_magic_v2(rest));
  BatchCheckResult c = check_batch(rest, max_batch_bytes_);
  switch (c.check) {
    case BatchCheck::kIncomplete:
      truncated_ = true;
      return false;
    case BatchCheck::kCorrupt:
      return c.status;
    case BatchCheck::kValid:
      break;
  }
  batch = rest.first(c.header.size_bytes());
  pos_ += batch.size();
  return true;
}

}  // namespace eddy::records
