#include "protocol/writer.h"

#include <bit>
#include <cassert>

#include "common/varint.h"

namespace eddy::protocol {

void Writer::write_float64(double v) {
  write_int64(static_cast<int64_t>(std::bit_cast<uint64_t>(v)));
}

void Writer::write_uvarint(uint32_t v) {
  uint8_t buf[varint::kMaxBytes32];
  size_t n = varint::encode_u32(v, buf);
  current_.insert(current_.end(), buf, buf + n);
}

void Writer::write_varint(int32_t v) {
  uint8_t buf[varint::kMaxBytes32];
  size_t n = varint::encode_s32(v, buf);
  current_.insert(current_.end(), buf, buf + n);
}

void Writer::write_varlong(int64_t v) {
  uint8_t buf[varint::kMaxBytes64];
  size_t n = varint::encode_s64(v, buf);
  current_.insert(current_.end(), buf, buf + n);
}

size_t Writer::uvarint_size(uint32_t v) { return varint::size_u32(v); }

void Writer::write_string(std::string_view s, bool compact) {
  if (compact) {
    write_uvarint(static_cast<uint32_t>(s.size() + 1));
  } else {
    write_int16(static_cast<int16_t>(s.size()));
  }
  write_raw(as_bytes(s));
}

void Writer::write_bytes(ByteSpan b, bool compact) {
  if (compact) {
    write_uvarint(static_cast<uint32_t>(b.size() + 1));
  } else {
    write_int32(static_cast<int32_t>(b.size()));
  }
  write_raw(b);
}

void Writer::write_null_string(bool compact) {
  if (compact) {
    write_uvarint(0);
  } else {
    write_int16(-1);
  }
}

void Writer::write_null_bytes(bool compact) {
  if (compact) {
    write_uvarint(0);
  } else {
    write_int32(-1);
  }
}

void Writer::write_array_length(size_t count, bool compact) {
  if (compact) {
    write_uvarint(static_cast<uint32_t>(count + 1));
  } else {
    write_int32(static_cast<int32_t>(count));
  }
}

void Writer::write_records(const Records& records, bool compact) {
  if (records.in_memory()) {
    write_bytes(records.memory(), compact);
    return;
  }
  size_t total = records.size();
  if (compact) {
    write_uvarint(static_cast<uint32_t>(total + 1));
  } else {
    write_int32(static_cast<int32_t>(total));
  }
  for (const FileSlice& s : records.slices()) write_file_slice(s);
}

void Writer::write_file_slice(const FileSlice& slice) {
  if (slice.length == 0) return;
  if (!current_.empty()) {
    written_before_ += current_.size();
    chunks_.emplace_back(std::move(current_));
    current_ = Bytes();
  }
  written_before_ += slice.length;
  chunks_.emplace_back(slice);
}

std::vector<Chunk> Writer::take_chunks() {
  if (!current_.empty()) chunks_.emplace_back(std::move(current_));
  current_ = Bytes();
  written_before_ = 0;
  std::vector<Chunk> out = std::move(chunks_);
  chunks_.clear();
  return out;
}

Bytes Writer::take_bytes() {
  assert(chunks_.empty() && "take_bytes() on a writer that holds file slices");
  written_before_ = 0;
  Bytes out = std::move(current_);
  current_.clear();
  return out;
}

}  // namespace eddy::protocol
