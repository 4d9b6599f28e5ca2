#pragma once
// One record inside a v2 batch's (decompressed) records section:
//
//   length          varint   bytes of the record after this field
//   attributes      int8     unused, written as 0
//   timestamp_delta varlong  timestamp - batch base_timestamp
//   offset_delta    varint   offset - batch base_offset
//   key_length      varint   -1 for a null key
//   key             bytes
//   value_length    varint   -1 for a null value (a tombstone)
//   value           bytes
//   header_count    varint
//   headers         header_count times: key_length varint (>= 0), key (UTF-8),
//                                       value_length varint (-1 = null), value
//
// "varint" is Kafka's zigzag-encoded signed varint (common/varint.h). Decoding checks every length
// against the bytes left in the record before looking at the bytes, and the record must consume
// exactly `length` bytes.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace eddy::records {

// A record header. Views: the bytes belong to the caller (builder input) or to the batch being
// read (reader output).
struct RecordHeader {
  std::string_view key;
  std::optional<ByteSpan> value;
};

// A decoded record. Views into the batch (or its decompressed copy) it came from.
struct Record {
  int64_t offset = 0;     // base_offset + offset_delta
  int64_t timestamp = 0;  // base_timestamp + timestamp_delta, or max_timestamp for LogAppendTime
  int32_t offset_delta = 0;
  int64_t timestamp_delta = 0;
  int8_t attributes = 0;
  std::optional<ByteSpan> key;
  std::optional<ByteSpan> value;
  std::vector<RecordHeader> headers;
};

// Fields that the record codec reads or writes; offset and timestamp are batch-relative.
struct RecordFields {
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<ByteSpan> key;
  std::optional<ByteSpan> value;
  std::span<const RecordHeader> headers;
};

// Bytes the record takes in a records section, length prefix included.
size_t encoded_record_size(const RecordFields& r);
// Appends the encoded record to out.
void append_record(const RecordFields& r, Bytes& out);

// Decodes the record at the start of `in` into `out` (offset and timestamp left batch-relative in
// the *_delta fields). Returns the bytes consumed. kInvalidArgument on any malformed field, the
// same condition Kafka reports as INVALID_RECORD.
Result<size_t> decode_record(ByteSpan in, Record& out);

}  // namespace eddy::records
