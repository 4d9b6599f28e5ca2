#pragma once
// Writes Kafka primitive types. The output is a sequence of chunks: bytes the writer owns and
// slices of files (record sets that a Fetch response sends with sendfile, never copied into
// memory). Callers compute a message's size() first, so the 4-byte frame length can be written
// before the body and the owned buffer can be reserved once.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "protocol/wire_types.h"

namespace eddy::protocol {

using Chunk = std::variant<Bytes, FileSlice>;

class Writer {
 public:
  Writer() = default;
  explicit Writer(size_t reserve_bytes) { current_.reserve(reserve_bytes); }

  void write_bool(bool v) { write_int8(v ? 1 : 0); }
  void write_int8(int8_t v) { current_.push_back(static_cast<uint8_t>(v)); }
  void write_int16(int16_t v) { append_be16(current_, static_cast<uint16_t>(v)); }
  void write_int32(int32_t v) { append_be32(current_, static_cast<uint32_t>(v)); }
  void write_int64(int64_t v) { append_be64(current_, static_cast<uint64_t>(v)); }
  void write_uint16(uint16_t v) { append_be16(current_, v); }
  void write_uint32(uint32_t v) { append_be32(current_, v); }
  void write_float64(double v);
  void write_uuid(const Uuid& u) { write_raw(ByteSpan(u.bytes.data(), u.bytes.size())); }
  void write_uvarint(uint32_t v);
  void write_varint(int32_t v);
  void write_varlong(int64_t v);

  // compact: KIP-482 (unsigned varint length + 1); otherwise int16 (strings) / int32 (bytes,
  // arrays) length.
  void write_string(std::string_view s, bool compact);
  void write_bytes(ByteSpan b, bool compact);
  // Writes the null marker of a string, bytes or array field.
  void write_null_string(bool compact);
  void write_null_bytes(bool compact);
  void write_array_length(size_t count, bool compact);
  void write_records(const Records& records, bool compact);

  void write_raw(ByteSpan b) { current_.insert(current_.end(), b.begin(), b.end()); }
  // Ends the current owned chunk and appends a file range.
  void write_file_slice(const FileSlice& slice);

  // Bytes written so far, owned and sliced.
  size_t size() const { return written_before_ + current_.size(); }
  // The chunks, in order. The writer is empty afterwards.
  std::vector<Chunk> take_chunks();
  // All output as one buffer; only valid when no file slice was written.
  Bytes take_bytes();

  // Sizes of the encodings above, for size() computations.
  static size_t uvarint_size(uint32_t v);
  static size_t string_size(size_t length, bool compact) {
    return length + (compact ? uvarint_size(static_cast<uint32_t>(length + 1)) : 2);
  }
  static size_t bytes_size(size_t length, bool compact) {
    return length + (compact ? uvarint_size(static_cast<uint32_t>(length + 1)) : 4);
  }
  static size_t array_length_size(size_t count, bool compact) {
    return compact ? uvarint_size(static_cast<uint32_t>(count + 1)) : 4;
  }
  static size_t null_size(bool compact, bool int16_length) {
    return compact ? 1 : (int16_length ? 2 : 4);
  }

 private:
  std::vector<Chunk> chunks_;
  Bytes current_;
  size_t written_before_ = 0;  // bytes in chunks_
};

}  // namespace eddy::protocol
