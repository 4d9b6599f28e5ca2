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

// Bounded cursor over one record's bytes; every read checks what is left first. Reads return
// false on malformed input and leave the reason in error(): every produced record passes through
// here (the leader validates each one), so the path that succeeds builds no Status.
class Cursor {
 public:
  explicit Cursor(ByteSpan in) : p_(in.data()), end_(in.data() + in.size()) {}
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  const std::string& error() const { return error_; }

  bool s32(const char* what, int32_t* out) {
    auto d = varint::decode_s32(p_, left());
    if (!d) return fail(std::string("malformed varint in record ") + what);
    p_ += d->length;
    *out = d->value;
    return true;
  }
  bool s64(const char* what, int64_t* out) {
    auto d = varint::decode_s64(p_, left());
    if (!d) return fail(std::string("malformed varlong in record ") + what);
    p_ += d->length;
    *out = d->value;
    return true;
  }
  bool byte(const char* what, uint8_t* out) {
    if (left() < 1) return fail(std::string("record truncated at ") + what);
    *out = *p_++;
    return true;
  }
  // A length-prefixed byte string; -1 is null when `nullable`.
  bool bytes(const char* what, bool nullable, std::optional<ByteSpan>* out) {
    int32_t len = 0;
    if (!s32(what, &len)) return false;
    if (len == -1 && nullable) {
      out->reset();
      return true;
    }
    if (len < 0) return fail(std::string("invalid ") + what + " length " + std::to_string(len));
    if (static_cast<size_t>(len) > left()) {
      return fail(std::string(what) + " length " + std::to_string(len) + " exceeds the " +
                  std::to_string(left()) + " bytes left in the record");
    }
    out->emplace(p_, static_cast<size_t>(len));
    p_ += len;
    return true;
  }

 private:
  // Out of line: the reads above stay small enough to inline into decode_record.
  [[gnu::noinline, gnu::cold]] bool fail(std::string m) {
    error_ = std::move(m);
    return false;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  std::string error_;
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
  int32_t length = 0;
  if (!outer.s32("length", &length)) return invalid_argument(outer.error());
  if (length < 0 || static_cast<size_t>(length) > outer.left()) {
    return invalid_argument("record length " + std::to_string(length) + " exceeds the " +
                            std::to_string(outer.left()) + " bytes left in the batch");
  }
  size_t prefix = in.size() - outer.left();
  Cursor c(in.subspan(prefix, static_cast<size_t>(length)));
  uint8_t attributes = 0;
  int32_t header_count = 0;
  if (!c.byte("attributes", &attributes) || !c.s64("timestamp delta", &out.timestamp_delta) ||
      !c.s32("offset delta", &out.offset_delta) || !c.bytes("key", true, &out.key) ||
      !c.bytes("value", true, &out.value) || !c.s32("header count", &header_count)) {
    return invalid_argument(c.error());
  }
  out.attributes = static_cast<int8_t>(attributes);
  if (header_count < 0 || static_cast<size_t>(header_count) > c.left() / kMinHeaderBytes) {
    return invalid_argument("record header count " + std::to_string(header_count) +
                            " does not fit in the " + std::to_string(c.left()) + " bytes left");
  }
  out.headers.clear();
  out.headers.reserve(static_cast<size_t>(header_count));
  for (int32_t i = 0; i < header_count; ++i) {
    std::optional<ByteSpan> key, value;
    if (!c.bytes("header key", false, &key) || !c.bytes("header value", true, &value)) {
      return invalid_argument(c.error());
    }
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
