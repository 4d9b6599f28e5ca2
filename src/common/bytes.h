#pragma once
// Big-endian (network order) loads and stores, the byte order of every fixed-width Kafka field,
// and the span/vector aliases the rest of the code passes bytes around with.

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace eddy {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>((uint16_t{p[0]} << 8) | p[1]);
}
inline uint32_t load_be32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t load_be64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
inline int16_t load_be_i16(const uint8_t* p) { return static_cast<int16_t>(load_be16(p)); }
inline int32_t load_be_i32(const uint8_t* p) { return static_cast<int32_t>(load_be32(p)); }
inline int64_t load_be_i64(const uint8_t* p) { return static_cast<int64_t>(load_be64(p)); }

inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

// Appends big-endian values to a growing buffer. (Inserting from a local array rather than
// resizing and storing through data() keeps GCC 12's -Warray-bounds from misfiring when inlined.)
inline void append_be16(Bytes& out, uint16_t v) {
  uint8_t b[2];
  store_be16(b, v);
  out.insert(out.end(), b, b + 2);
}
inline void append_be32(Bytes& out, uint32_t v) {
  uint8_t b[4];
  store_be32(b, v);
  out.insert(out.end(), b, b + 4);
}
inline void append_be64(Bytes& out, uint64_t v) {
  uint8_t b[8];
  store_be64(b, v);
  out.insert(out.end(), b, b + 8);
}

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "load_be* assume a little-endian host");

}  // namespace eddy
