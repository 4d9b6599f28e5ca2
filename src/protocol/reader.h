#pragma once
// Bounded reads of Kafka primitive types over a byte span. The first failure is sticky: every
// later read returns a zero value and consumes nothing, so generated decoders read field after
// field and check status() once. Every length and array count is checked against the bytes that
// remain before anything is allocated, so a hostile length is a decode error, never a large
// allocation.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "protocol/wire_types.h"

namespace eddy::protocol {

class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data) {}

  bool ok() const { return status_.is_ok(); }
  const Status& status() const { return status_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return ok() ? data_.size() - pos_ : 0; }
  // The bytes not yet read.
  ByteSpan rest() const { return data_.subspan(pos_); }

  // Records the first error; later errors are dropped so the message names the root cause.
  void fail(std::string message);
  // Adopts the error of a sub-reader created by read_sub().
  void absorb(const Reader& sub) {
    if (ok() && !sub.ok()) status_ = sub.status();
  }

  bool read_bool();
  int8_t read_int8();
  int16_t read_int16();
  int32_t read_int32();
  int64_t read_int64();
  uint16_t read_uint16();
  uint32_t read_uint32();
  double read_float64();
  Uuid read_uuid();
  uint32_t read_uvarint();
  int32_t read_varint();
  int64_t read_varlong();

  // compact: KIP-482 encoding (unsigned varint length + 1, 0 = null); otherwise int16 length
  // (strings) or int32 length (bytes, arrays), -1 = null. A null where `nullable` is false fails.
  std::optional<std::string> read_string(bool compact, bool nullable);
  std::optional<Bytes> read_bytes(bool compact, bool nullable);
  // An array element count, -1 for null. The count times min_element_bytes must fit in what
  // remains, so a count can never promise more elements than there are bytes.
  int32_t read_array_length(bool compact, bool nullable, size_t min_element_bytes);

  // The next n bytes, or an empty span and an error when fewer remain.
  ByteSpan read_raw(size_t n);
  // A reader over the next n bytes (a tagged field's value); this reader moves past them.
  Reader read_sub(size_t n);

  // From now on `records` fields decode as views into `data` (which must be the span this
  // reader reads) instead of copies. The caller keeps `data` alive and unchanged by others for
  // as long as the decoded message is used.
  void borrow_records(MutableByteSpan data);
  bool borrows_records() const { return borrowed_.data() != nullptr; }
  // Bytes field as a view into the borrowed buffer; nullopt for null. Needs borrows_records().
  std::optional<MutableByteSpan> read_bytes_view(bool compact, bool nullable);

 private:
  bool need(size_t n);
  // A length prefix for strings, bytes and arrays: -1 is null, other negatives fail.
  int64_t read_length(bool compact, bool int16_length, bool nullable);

  ByteSpan data_;
  MutableByteSpan borrowed_;  // data_, writable, when records are borrowed
  size_t pos_ = 0;
  Status status_;
};

}  // namespace eddy::protocol
