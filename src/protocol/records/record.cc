#include "protocol/records/record.h"

#include <cstring>
#include <string>

#include "common/varint.h"

namespace eddy::records {
namespace {

size_t nullable_size(const std::optional<ByteSpan>& b) {
  if (!b) return varint::size_s32(-1);
  return varint::size_s32(static_cast<int32_t>(b->size())) + b->size();
}

size_t body_size(const RecordFields& r) {
  size_t n = 1;  // attributes
  n += varint::size_s64(r.timestamp_delta);
  n += varint::size_s32(r.offset_delta);
  n += nullable_size(r.key);
  n += nullable_size(r.value);
  n += varint::size_s32(static_cast<int32_t>(r.headers.size()));
  for (const RecordHeader& h : r.headers) {
    n += varint::size_s32(static_cast<int32_t>(h.key.size())) + h.key.size();
    n += nullable_size(h.value);
  }
  return n;
}

// Writes into a buffer already sized by encoded_record_size.
class Writer {
 public:
  explicit Writer(uint8_t* p) : p_(p) {}
  void s32(int32_t v) { p_ += varint::encode_s32(v, p_); }
  void s64(int64_t v) { p_ += varint::encode_s64(v, p_); }
  void byte(uint8_t v) { *p_++ = v; }
  void raw(const void* data, size_t n) {
    if (n != 0) std::memcpy(p_, data, n);
    p_ += n;
  }
  void nullable(const std::optional<ByteSpan>& b) {
    if (!b) {
      s32(-1);
      return;
    }
    s32(static_cast<int32_t>(b->size()));
    raw(b->data(), b->size());
  }

 private:
  uint8_t* p_;
};

// Bounded cursor over one record's bytes; every read checks what is left first.
class Cursor {
 public:
  explicit Cursor(ByteSpan in) : p_(in.data()), end_(in.data() + in.size()) {}
  size_t left() const { return static_cast<size_t>(end_ - p_); }

  Result<int32_t> s32(const char* what) {
    auto d = varint::decode_s32(p_, left());
    if (!d) return bad(std::string("malformed varint in record ") + what);
    p_ += d->length;
    return d->value;
  }
  Result<int64_t> s64(const char* what) {
    auto d = varint::decode_s64(p_, left());
    if (!d) return bad(std::string("malformed varlong in record ") + what);
    p_ += d->length;
    return d->value;
  }
  Result<uint8_t> byte(const char* what) {
    if (left() < 1) return bad(std::string("record truncated at ") + what);
    return *p_++;
  }
  // A length-prefixed byte string; -1 is null when `nullable`.
  Result<std::optional<ByteSpan>> bytes(const char* what, bool nullable) {
    EDDY_ASSIGN_OR_RETURN(int32_t len, s32(what));
    if (len == -1 && nullable) return std::optional<ByteSpan>();
    if (len < 0) return bad(std::string("invalid ") + what + " length " + std::to_string(len));
    if (static_cast<size_t>(len) > left()) {
      return bad(std::string(what) + " length " + std::to_string(len) + " exceeds the " +
                 std::to_string(left()) + " bytes left in the record");
    }
    ByteSpan b(p_, static_cast<size_t>(len));
    p_ += len;
    return std::optional<ByteSpan>(b);
  }

  static Status bad(std::string m) { return invalid_argument(std::move(m)); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Every header needs at least two bytes (two one-byte varints).
constexpr size_t kMinHeaderBytes = 2;

}  // namespace

size_t encoded_record_size(const RecordFields& r) {
  size_t body = body_size(r);
  return varint::size_s32(static_cast<int32_t>(body)) + body;
}

void append_record(const RecordFields& r, Bytes& out) {
  size_t body = body_size(r);
  size_t at = out.size();
  out.resize(at + varint::size_s32(static_cast<int32_t>(body)) + body);
  Writer w(out.data() + at);
  w.s32(static_cast<int32_t>(body));
  w.byte(0);
  w.s64(r.timestamp_delta);
  w.s32(r.offset_delta);
  w.nullable(r.key);
  w.nullable(r.value);
  w.s32(static_cast<int32_t>(r.headers.size()));
  for (const RecordHeader& h : r.headers) {
    w.s32(static_cast<int32_t>(h.key.size()));
    w.raw(h.key.data(), h.key.size());
    w.nullable(h.value);
  }
}

Result<size_t> decode_record(ByteSpan in, Record& out) {
  Cursor outer(in);
  EDDY_ASSIGN_OR_RETURN(int32_t length, outer.s32("length"));
  if (length < 0 || static_cast<size_t>(length) > outer.left()) {
    return invalid_argument("record length " + std::to_string(length) + " exceeds the " +
                            std::to_string(outer.left()) + " bytes left in the batch");
  }
  size_t prefix = in.size() - outer.left();
  Cursor c(in.subspan(prefix, static_cast<size_t>(length)));
  EDDY_ASSIGN_OR_RETURN(uint8_t attributes, c.byte("attributes"));
  out.attributes = static_cast<int8_t>(attributes);
  EDDY_ASSIGN_OR_RETURN(out.timestamp_delta, c.s64("timestamp delta"));
  EDDY_ASSIGN_OR_RETURN(out.offset_delta, c.s32("offset delta"));
  EDDY_ASSIGN_OR_RETURN(out.key, c.bytes("key", true));
  EDDY_ASSIGN_OR_RETURN(out.value, c.bytes("value", true));
  EDDY_ASSIGN_OR_RETURN(int32_t header_count, c.s32("header count"));
  if (header_count < 0 || static_cast<size_t>(header_count) > c.left() / kMinHeaderBytes) {
    return invalid_argument("record header count " + std::to_string(header_count) +
                            " does not fit in the " + std::to_string(c.left()) + " bytes left");
  }
  out.headers.clear();
  out.headers.reserve(static_cast<size_t>(header_count));
  for (int32_t i = 0; i < header_count; ++i) {
    EDDY_ASSIGN_OR_RETURN(std::optional<ByteSpan> key, c.bytes("header key", false));
    EDDY_ASSIGN_OR_RETURN(std::optional<ByteSpan> value, c.bytes("header value", true));
    out.headers.push_back(RecordHeader{as_string_view(*key), value});
  }
  if (c.left() != 0) {
    return invalid_argument("record declares " + std::to_string(length) +
                            " bytes but its fields use " +
                            std::to_string(static_cast<size_t>(length) - c.left()));
  }
  return prefix + static_cast<size_t>(length);
}

}  // namespace eddy::records
