#pragma once
// The encode/decode/size of one field value, by C++ type, shared by every generated message. The
// generator emits a call per field with a FieldContext; overloads pick the wire form:
//   std::string / Bytes / Records / std::vector<T>  non-nullable string, bytes, records, array
//   std::optional<...> of those                     nullable in some versions (null written as
//                                                   the null marker only where nullable)
//   a generated struct, std::optional<struct>      nested struct; nullable ones carry an int8
//                                                   marker (-1 null, 1 present)
// Structs are recognised by their encode/decode/size members.

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/reader.h"
#include "protocol/writer.h"

namespace eddy::protocol::field_codec {

struct FieldContext {
  int16_t version;
  bool flexible;  // compact strings, bytes and arrays, tagged fields
  bool nullable;  // whether this version may encode null
};

template <typename T>
concept Struct = requires(const T& c, T& m, Writer& w, Reader& r, int16_t v) {
  c.encode(w, v);
  m.decode(r, v);
  { c.size(v) } -> std::convertible_to<size_t>;
};

// Elements of a bounded array reserve at most this many slots up front; the rest grow as bytes are
// actually decoded, so a count cannot make us allocate ahead of the input.
inline constexpr int32_t kMaxArrayReserve = 1024;

// ---- fixed-width and varint primitives
inline void write(Writer& w, bool v, FieldContext) { w.write_bool(v); }
inline void write(Writer& w, int8_t v, FieldContext) { w.write_int8(v); }
inline void write(Writer& w, int16_t v, FieldContext) { w.write_int16(v); }
inline void write(Writer& w, int32_t v, FieldContext) { w.write_int32(v); }
inline void write(Writer& w, int64_t v, FieldContext) { w.write_int64(v); }
inline void write(Writer& w, uint16_t v, FieldContext) { w.write_uint16(v); }
inline void write(Writer& w, uint32_t v, FieldContext) { w.write_uint32(v); }
inline void write(Writer& w, double v, FieldContext) { w.write_float64(v); }
inline void write(Writer& w, const Uuid& v, FieldContext) { w.write_uuid(v); }

inline void read(Reader& r, bool& v, FieldContext) { v = r.read_bool(); }
inline void read(Reader& r, int8_t& v, FieldContext) { v = r.read_int8(); }
inline void read(Reader& r, int16_t& v, FieldContext) { v = r.read_int16(); }
inline void read(Reader& r, int32_t& v, FieldContext) { v = r.read_int32(); }
inline void read(Reader& r, int64_t& v, FieldContext) { v = r.read_int64(); }
inline void read(Reader& r, uint16_t& v, FieldContext) { v = r.read_uint16(); }
inline void read(Reader& r, uint32_t& v, FieldContext) { v = r.read_uint32(); }
inline void read(Reader& r, double& v, FieldContext) { v = r.read_float64(); }
inline void read(Reader& r, Uuid& v, FieldContext) { v = r.read_uuid(); }

template <typename T>
requires std::integral<T> || std::floating_point<T>
inline size_t size(const T&, FieldContext) { return sizeof(T); }
inline size_t size(const Uuid&, FieldContext) { return 16; }

// The fewest bytes one array element of this type can take: bounds array counts.
template <typename T>
inline size_t min_size(FieldContext c) {
  if constexpr (std::integral<T> || std::floating_point<T>) {
    return sizeof(T);
  } else if constexpr (std::same_as<T, Uuid>) {
    return 16;
  } else if constexpr (std::same_as<T, std::string>) {
    return c.flexible ? 1 : 2;
  } else {
    return 1;  // structs: a flexible one has at least its tag count; others may be tiny
  }
}

// ---- strings
inline void write(Writer& w, const std::string& v, FieldContext c) {
  w.write_string(v, c.flexible);
}
inline void write(Writer& w, const std::optional<std::string>& v, FieldContext c) {
  if (v) {
    w.write_string(*v, c.flexible);
  } else if (c.nullable) {
    w.write_null_string(c.flexible);
  } else {
    w.write_string("", c.flexible);
  }
}
inline void read(Reader& r, std::string& v, FieldContext c) {
  v = *r.read_string(c.flexible, /*nullable=*/false);
}
inline void read(Reader& r, std::optional<std::string>& v, FieldContext c) {
  v = r.read_string(c.flexible, c.nullable);
}
inline size_t size(const std::string& v, FieldContext c) {
  return Writer::string_size(v.size(), c.flexible);
}
inline size_t size(const std::optional<std::string>& v, FieldContext c) {
  if (!v && c.nullable) return Writer::null_size(c.flexible, /*int16_length=*/true);
  return Writer::string_size(v ? v->size() : 0, c.flexible);
}

// ---- bytes
inline void write(Writer& w, const Bytes& v, FieldContext c) { w.write_bytes(v, c.flexible); }
inline void write(Writer& w, const std::optional<Bytes>& v, FieldContext c) {
  if (v) {
    w.write_bytes(*v, c.flexible);
  } else if (c.nullable) {
    w.write_null_bytes(c.flexible);
  } else {
    w.write_bytes({}, c.flexible);
  }
}
inline void read(Reader& r, Bytes& v, FieldContext c) {
  v = *r.read_bytes(c.flexible, /*nullable=*/false);
}
inline void read(Reader& r, std::optional<Bytes>& v, FieldContext c) {
  v = r.read_bytes(c.flexible, c.nullable);
}
inline size_t size(const Bytes& v, FieldContext c) {
  return Writer::bytes_size(v.size(), c.flexible);
}
inline size_t size(const std::optional<Bytes>& v, FieldContext c) {
  if (!v && c.nullable) return Writer::null_size(c.flexible, /*int16_length=*/false);
  return Writer::bytes_size(v ? v->size() : 0, c.flexible);
}

// ---- records (bytes on the wire)
inline void write(Writer& w, const Records& v, FieldContext c) { w.write_records(v, c.flexible); }
inline void write(Writer& w, const std::optional<Records>& v, FieldContext c) {
  if (v) {
    w.write_records(*v, c.flexible);
  } else if (c.nullable) {
    w.write_null_bytes(c.flexible);
  } else {
    w.write_bytes({}, c.flexible);
  }
}
inline void read(Reader& r, Records& v, FieldContext c) {
  if (r.borrows_records()) {
    v = Records(*r.read_bytes_view(c.flexible, /*nullable=*/false));
  } else {
    v = Records(*r.read_bytes(c.flexible, /*nullable=*/false));
  }
}
inline void read(Reader& r, std::optional<Records>& v, FieldContext c) {
  if (r.borrows_records()) {
    std::optional<MutableByteSpan> view = r.read_bytes_view(c.flexible, c.nullable);
    if (view) {
      v.emplace(*view);
    } else {
      v.reset();
    }
    return;
  }
  std::optional<Bytes> b = r.read_bytes(c.flexible, c.nullable);
  if (b) {
    v.emplace(std::move(*b));
  } else {
    v.reset();
  }
}
inline size_t size(const Records& v, FieldContext c) {
  return Writer::bytes_size(v.size(), c.flexible);
}
inline size_t size(const std::optional<Records>& v, FieldContext c) {
  if (!v && c.nullable) return Writer::null_size(c.flexible, /*int16_length=*/false);
  return Writer::bytes_size(v ? v->size() : 0, c.flexible);
}

// ---- nested structs
template <Struct T>
inline void write(Writer& w, const T& v, FieldContext c) {
  v.encode(w, c.version);
}
template <Struct T>
inline void read(Reader& r, T& v, FieldContext c) {
  v.decode(r, c.version);
}
template <Struct T>
inline size_t size(const T& v, FieldContext c) {
  return v.size(c.version);
}
template <Struct T>
inline void write(Writer& w, const std::optional<T>& v, FieldContext c) {
  if (c.nullable) w.write_int8(v ? 1 : -1);
  if (v) {
    v->encode(w, c.version);
  } else if (!c.nullable) {
    T().encode(w, c.version);
  }
}
template <Struct T>
inline void read(Reader& r, std::optional<T>& v, FieldContext c) {
  if (c.nullable) {
    int8_t marker = r.read_int8();
    if (marker < 0) {
      v.reset();
      return;
    }
  }
  v.emplace();
  v->decode(r, c.version);
}
template <Struct T>
inline size_t size(const std::optional<T>& v, FieldContext c) {
  size_t n = c.nullable ? 1 : 0;
  if (v) return n + v->size(c.version);
  return c.nullable ? n : T().size(c.version);
}

// ---- arrays
template <typename T>
inline void write(Writer& w, const std::vector<T>& v, FieldContext c) {
  w.write_array_length(v.size(), c.flexible);
  FieldContext ec{c.version, c.flexible, false};
  for (const T& e : v) write(w, e, ec);
}
template <typename T>
inline void read(Reader& r, std::vector<T>& v, FieldContext c) {
  FieldContext ec{c.version, c.flexible, false};
  int32_t n = r.read_array_length(c.flexible, c.nullable, min_size<T>(ec));
  v.clear();
  if (n <= 0) return;
  v.reserve(static_cast<size_t>(std::min(n, kMaxArrayReserve)));
  for (int32_t i = 0; i < n && r.ok(); ++i) read(r, v.emplace_back(), ec);
}
template <typename T>
inline size_t size(const std::vector<T>& v, FieldContext c) {
  size_t n = Writer::array_length_size(v.size(), c.flexible);
  FieldContext ec{c.version, c.flexible, false};
  for (const T& e : v) n += size(e, ec);
  return n;
}
template <typename T>
inline void write(Writer& w, const std::optional<std::vector<T>>& v, FieldContext c) {
  if (v) {
    write(w, *v, c);
  } else if (c.nullable) {
    if (c.flexible) {
      w.write_uvarint(0);
    } else {
      w.write_int32(-1);
    }
  } else {
    w.write_array_length(0, c.flexible);
  }
}
template <typename T>
inline void read(Reader& r, std::optional<std::vector<T>>& v, FieldContext c) {
  FieldContext ec{c.version, c.flexible, false};
  int32_t n = r.read_array_length(c.flexible, c.nullable, min_size<T>(ec));
  if (n < 0) {
    v.reset();
    return;
  }
  v.emplace();
  v->reserve(static_cast<size_t>(std::min(n, kMaxArrayReserve)));
  for (int32_t i = 0; i < n && r.ok(); ++i) read(r, v->emplace_back(), ec);
}
template <typename T>
inline size_t size(const std::optional<std::vector<T>>& v, FieldContext c) {
  if (v) return size(*v, c);
  if (c.nullable) return Writer::null_size(c.flexible, /*int16_length=*/false);
  return Writer::array_length_size(0, c.flexible);
}

// ---- tagged fields (flexible versions)

// Writes the unknown tags whose number is below `below`, starting at *next; keeps the merged
// output in ascending tag order.
inline void write_unknown_tags_before(Writer& w, const UnknownTaggedFields& unknown, size_t* next,
                                      uint64_t below) {
  while (*next < unknown.size() && unknown[*next].tag < below) {
    const RawTaggedField& f = unknown[*next];
    w.write_uvarint(f.tag);
    w.write_uvarint(static_cast<uint32_t>(f.data.size()));
    w.write_raw(f.data);
    ++*next;
  }
}

inline size_t unknown_tags_size(const UnknownTaggedFields& unknown) {
  size_t n = 0;
  for (const RawTaggedField& f : unknown) {
    n += Writer::uvarint_size(f.tag) + Writer::uvarint_size(static_cast<uint32_t>(f.data.size())) +
         f.data.size();
  }
  return n;
}

// The bytes of a known tagged field: tag, size, value.
inline size_t tagged_size(uint32_t tag, size_t value_size) {
  return Writer::uvarint_size(tag) + Writer::uvarint_size(static_cast<uint32_t>(value_size)) +
         value_size;
}

// Reads the tagged-field section. on_tag(tag, Reader& value) decodes a known tag and returns true,
// or returns false to keep the tag as unknown. Each entry takes at least two bytes, so the loop is
// bounded by the input.
template <typename OnTag>
inline void read_tagged_fields(Reader& r, UnknownTaggedFields& unknown, OnTag&& on_tag) {
  uint32_t count = r.read_uvarint();
  unknown.clear();
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    uint32_t tag = r.read_uvarint();
    uint32_t length = r.read_uvarint();
    Reader value = r.read_sub(length);
    if (!r.ok()) return;
    if (on_tag(tag, value)) {
      r.absorb(value);
    } else {
      ByteSpan b = value.rest();
      unknown.push_back(RawTaggedField{tag, Bytes(b.begin(), b.end())});
    }
  }
}

}  // namespace eddy::protocol::field_codec
