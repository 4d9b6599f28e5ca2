#pragma once
// Fills generated messages with pseudo-random values for the round-trip tests: every field present
// at a version gets a value, nullable fields are sometimes null, arrays hold zero to two elements,
// and flexible structs sometimes carry an unknown tagged field. fill_struct() overloads are
// generated (protocol/generated/fill.h) and found by argument-dependent lookup.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "protocol/field_codec.h"
#include "protocol/wire_types.h"

namespace eddy::protocol {

using field_codec::FieldContext;

class Filler {
 public:
  explicit Filler(uint64_t seed) : state_(seed) {}

  // splitmix64: deterministic for a seed, so a failing case can be replayed.
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  bool one_in(uint64_t n) { return next() % n == 0; }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  // Depth of the struct being filled: arrays of structs stay small so messages stay small.
  int depth = 0;

 private:
  uint64_t state_;
};

template <typename T>
requires std::integral<T>
inline void fill_value(Filler& f, T& v, FieldContext) {
  if constexpr (std::same_as<T, bool>) {
    v = f.one_in(2);
  } else {
    v = static_cast<T>(f.next());
  }
}
inline void fill_value(Filler& f, double& v, FieldContext) {
  v = static_cast<double>(static_cast<int64_t>(f.next() % 2000001) - 1000000) / 64.0;
}
inline void fill_value(Filler& f, Uuid& v, FieldContext) {
  uint64_t hi = f.next();
  uint64_t lo = f.next();
  store_be64(v.bytes.data(), hi);
  store_be64(v.bytes.data() + 8, lo);
}
inline void fill_value(Filler& f, std::string& v, FieldContext) {
  size_t n = f.below(12);
  v.clear();
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<char>('a' + f.below(26)));
}
inline void fill_value(Filler& f, Bytes& v, FieldContext) {
  size_t n = f.below(20);
  v.clear();
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint8_t>(f.next()));
}
inline void fill_value(Filler& f, Records& v, FieldContext c) {
  Bytes b;
  fill_value(f, b, c);
  v = Records(std::move(b));
}

template <typename T>
requires requires(Filler& f, T& t) { fill_struct(f, t, int16_t{}); }
inline void fill_value(Filler& f, T& v, FieldContext c) {
  ++f.depth;
  fill_struct(f, v, c.version);
  --f.depth;
}

template <typename T>
inline void fill_value(Filler& f, std::vector<T>& v, FieldContext c) {
  FieldContext ec{c.version, c.flexible, false};
  v.resize(f.below(f.depth > 2 ? 2 : 3));
  for (T& e : v) fill_value(f, e, ec);
}

template <typename T>
inline void fill_value(Filler& f, std::optional<T>& v, FieldContext c) {
  if (c.nullable && f.one_in(4)) {
    v.reset();
    return;
  }
  v.emplace();
  fill_value(f, *v, c);
}

// Tags from 5000 up are unknown to every schema.
inline void fill_unknown_tags(Filler& f, UnknownTaggedFields& unknown) {
  unknown.clear();
  if (!f.one_in(3)) return;
  RawTaggedField t;
  t.tag = 5000 + static_cast<uint32_t>(f.below(3));
  fill_value(f, t.data, FieldContext{0, true, false});
  unknown.push_back(std::move(t));
}

}  // namespace eddy::protocol
