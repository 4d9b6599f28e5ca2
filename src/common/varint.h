#pragma once
// Unsigned LEB128 varints and zigzag signed varints, as Kafka uses in record batches and in the
// compact (flexible) encodings of KIP-482. Decoding is bounded: a varint longer than its type
// allows, or one that runs past the buffer, is an error, never a read past the end.

#include <cstddef>
#include <cstdint>
#include <optional>

namespace eddy::varint {

inline constexpr size_t kMaxBytes32 = 5;
inline constexpr size_t kMaxBytes64 = 10;

constexpr uint32_t zigzag_encode32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
constexpr int32_t zigzag_decode32(uint32_t v) {
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}
constexpr uint64_t zigzag_encode64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int64_t zigzag_decode64(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

// Bytes needed to encode v.
constexpr size_t size_u64(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
constexpr size_t size_u32(uint32_t v) { return size_u64(v); }
constexpr size_t size_s32(int32_t v) { return size_u64(zigzag_encode32(v)); }
constexpr size_t size_s64(int64_t v) { return size_u64(zigzag_encode64(v)); }

// Writes v at out (which must have size_u64(v) bytes free) and returns the bytes written.
inline size_t encode_u64(uint64_t v, uint8_t* out) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<uint8_t>(v);
  return n;
}
inline size_t encode_u32(uint32_t v, uint8_t* out) { return encode_u64(v, out); }
inline size_t encode_s32(int32_t v, uint8_t* out) { return encode_u64(zigzag_encode32(v), out); }
inline size_t encode_s64(int64_t v, uint8_t* out) { return encode_u64(zigzag_encode64(v), out); }

template <typename T>
struct Decoded {
  T value;
  size_t length;  // bytes consumed
};

// Decodes from [p, p+n). nullopt when truncated or when it overflows the type. One- and two-byte
// varints (most lengths and deltas in a record batch, which the leader decodes for every record
// produced) take no loop.
inline std::optional<Decoded<uint64_t>> decode_u64(const uint8_t* p, size_t n) {
  if (n >= 1 && p[0] < 0x80) return Decoded<uint64_t>{p[0], 1};
  if (n >= 2 && p[1] < 0x80) return Decoded<uint64_t>{(p[0] & 0x7Fu) | (uint64_t{p[1]} << 7), 2};
  uint64_t v = 0;
  for (size_t i = 0; i < n && i < kMaxBytes64; ++i) {
    uint64_t b = p[i];
    if (i == kMaxBytes64 - 1 && b > 1) return std::nullopt;  // bits beyond 64
    v |= (b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return Decoded<uint64_t>{v, i + 1};
  }
  return std::nullopt;
}

inline std::optional<Decoded<uint32_t>> decode_u32(const uint8_t* p, size_t n) {
  if (n >= 1 && p[0] < 0x80) return Decoded<uint32_t>{p[0], 1};
  if (n >= 2 && p[1] < 0x80) return Decoded<uint32_t>{(p[0] & 0x7Fu) | (uint32_t{p[1]} << 7), 2};
  uint32_t v = 0;
  for (size_t i = 0; i < n && i < kMaxBytes32; ++i) {
    uint32_t b = p[i];
    if (i == kMaxBytes32 - 1 && b > 0x0F) return std::nullopt;  // bits beyond 32
    v |= (b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return Decoded<uint32_t>{v, i + 1};
  }
  return std::nullopt;
}

inline std::optional<Decoded<int32_t>> decode_s32(const uint8_t* p, size_t n) {
  auto d = decode_u32(p, n);
  if (!d) return std::nullopt;
  return Decoded<int32_t>{zigzag_decode32(d->value), d->length};
}

inline std::optional<Decoded<int64_t>> decode_s64(const uint8_t* p, size_t n) {
  auto d = decode_u64(p, n);
  if (!d) return std::nullopt;
  return Decoded<int64_t>{zigzag_decode64(d->value), d->length};
}

}  // namespace eddy::varint
