#include "protocol/reader.h"

#include <bit>
#include <cstring>

#include "common/varint.h"

namespace eddy::protocol {

void Reader::fail(std::string message) {
  if (ok()) {
    status_ = invalid_argument(std::move(message) + " at byte " + std::to_string(pos_));
  }
}

bool Reader::need(size_t n) {
  if (!ok()) return false;
  if (data_.size() - pos_ < n) {
    fail("truncated: need " + std::to_string(n) + " bytes, " + std::to_string(data_.size() - pos_) +
         " remain");
    return false;
  }
  return true;
}

bool Reader::read_bool() { return read_int8() != 0; }

int8_t Reader::read_int8() {
  if (!need(1)) return 0;
  return static_cast<int8_t>(data_[pos_++]);
}

int16_t Reader::read_int16() {
  if (!need(2)) return 0;
  int16_t v = load_be_i16(data_.data() + pos_);
  pos_ += 2;
  return v;
}

int32_t Reader::read_int32() {
  if (!need(4)) return 0;
  int32_t v = load_be_i32(data_.data() + pos_);
  pos_ += 4;
  return v;
}

int64_t Reader::read_int64() {
  if (!need(8)) return 0;
  int64_t v = load_be_i64(data_.data() + pos_);
  pos_ += 8;
  return v;
}

uint16_t Reader::read_uint16() { return static_cast<uint16_t>(read_int16()); }
uint32_t Reader::read_uint32() { return static_cast<uint32_t>(read_int32()); }
double Reader::read_float64() { return std::bit_cast<double>(static_cast<uint64_t>(read_int64())); }

Uuid Reader::read_uuid() {
  Uuid u;
  if (!need(16)) return u;
  std::memcpy(u.bytes.data(), data_.data() + pos_, 16);
  pos_ += 16;
  return u;
}

uint32_t Reader::read_uvarint() {
  if (!ok()) return 0;
  auto d = varint::decode_u32(data_.data() + pos_, data_.size() - pos_);
  if (!d) {
    fail("bad unsigned varint");
    return 0;
  }
  pos_ += d->length;
  return d->value;
}

int32_t Reader::read_varint() {
  if (!ok()) return 0;
  auto d = varint::decode_s32(data_.data() + pos_, data_.size() - pos_);
  if (!d) {
    fail("bad varint");
    return 0;
  }
  pos_ += d->length;
  return d->value;
}

int64_t Reader::read_varlong() {
  if (!ok()) return 0;
  auto d = varint::decode_s64(data_.data() + pos_, data_.size() - pos_);
  if (!d) {
    fail("bad varlong");
    return 0;
  }
  pos_ += d->length;
  return d->value;
}

int64_t Reader::read_length(bool compact, bool int16_length, bool nullable) {
  int64_t len;
  if (compact) {
    len = static_cast<int64_t>(read_uvarint()) - 1;
  } else {
    len = int16_length ? read_int16() : read_int32();
  }
  if (!ok()) return 0;
  if (len < -1 || (len == -1 && !nullable)) {
    fail(len == -1 ? "null in a non-nullable field" : "negative length");
    return 0;
  }
  return len;
}

std::optional<std::string> Reader::read_string(bool compact, bool nullable) {
  int64_t len = read_length(compact, /*int16_length=*/true, nullable);
  if (!ok()) return std::string();
  if (len == -1) return std::nullopt;
  ByteSpan b = read_raw(static_cast<size_t>(len));
  return std::string(as_string_view(b));
}

std::optional<Bytes> Reader::read_bytes(bool compact, bool nullable) {
  int64_t len = read_length(compact, /*int16_length=*/false, nullable);
  if (!ok()) return Bytes();
  if (len == -1) return std::nullopt;
  ByteSpan b = read_raw(static_cast<size_t>(len));
  return Bytes(b.begin(), b.end());
}

void Reader::borrow_records(MutableByteSpan data) {
  if (data.data() == data_.data() && data.size() == data_.size()) borrowed_ = data;
}

std::optional<MutableByteSpan> Reader::read_bytes_view(bool compact, bool nullable) {
  if (!borrows_records()) {
    fail("a records view needs a borrowed buffer");
    return MutableByteSpan();
  }
  int64_t len = read_length(compact, /*int16_length=*/false, nullable);
  if (!ok()) return MutableByteSpan();
  if (len == -1) return std::nullopt;
  size_t at = pos_;
  if (read_raw(static_cast<size_t>(len)).size() != static_cast<size_t>(len)) {
    return MutableByteSpan();
  }
  return borrowed_.subspan(at, static_cast<size_t>(len));
}

int32_t Reader::read_array_length(bool compact, bool nullable, size_t min_element_bytes) {
  int64_t len = read_length(compact, /*int16_length=*/false, nullable);
  if (!ok()) return 0;
  if (len > 0 &&
      static_cast<uint64_t>(len) * std::max<size_t>(min_element_bytes, 1) > data_.size() - pos_) {
    fail("array of " + std::to_string(len) + " elements longer than the " +
         std::to_string(data_.size() - pos_) + " bytes that remain");
    return 0;
  }
  return static_cast<int32_t>(len);
}

ByteSpan Reader::read_raw(size_t n) {
  if (!need(n)) return {};
  ByteSpan b = data_.subspan(pos_, n);
  pos_ += n;
  return b;
}

Reader Reader::read_sub(size_t n) {
  Reader sub(read_raw(n));
  if (!ok()) sub.status_ = status_;
  return sub;
}

}  // namespace eddy::protocol
