// Serdes: how keys and values of one C++ type become Kafka record bytes and back.
//
// A Serde<T> is a pair of functions; the built-in ones use Kafka's wire formats (strings as UTF-8,
// integers as big-endian two's complement, as Java's IntegerSerde and LongSerde do), so topics are
// readable by Kafka Streams and every other Kafka client. A user-defined type either passes its
// Serde explicitly (Consumed, Produced, Grouped, Materialized) or specializes DefaultSerde<T>.
// Inside a topology records travel as std::any; a null key or value (a Kafka null, e.g. a
// tombstone) is an empty std::any and never reaches a Serde.
#pragma once

#include <any>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::streams {

// Raised by a deserializer given bytes that are not a T (e.g. a 3-byte "int").
class SerializationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class T>
struct Serde {
  std::function<std::string(const T&)> serializer;
  std::function<T(std::string_view)> deserializer;
  explicit operator bool() const { return serializer && deserializer; }
};

// The Serde used when none is given. Unspecialized types have none (an empty Serde), and a
// topology that needs one fails when it is built, naming the node.
template <class T>
struct DefaultSerde {
  static Serde<T> get() { return {}; }
};

namespace serdes {

inline Serde<std::string> String() {
  return {[](const std::string& s) { return s; },
          [](std::string_view b) { return std::string(b); }};
}

inline Serde<std::vector<uint8_t>> ByteArray() {
  return {[](const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); },
          [](std::string_view b) { return std::vector<uint8_t>(b.begin(), b.end()); }};
}

template <class I>
Serde<I> BigEndian() {
  static_assert(std::is_integral_v<I> || std::is_same_v<I, double>);
  return {[](const I& v) {
            uint64_t u = 0;
            std::memcpy(&u, &v, sizeof(I));
            std::string out(sizeof(I), '\0');
            for (size_t i = 0; i < sizeof(I); ++i) out[i] = char(u >> (8 * (sizeof(I) - 1 - i)));
            return out;
          },
          [](std::string_view b) {
            if (b.size() != sizeof(I)) {
              throw SerializationError("expected " + std::to_string(sizeof(I)) + " bytes, got " +
                                       std::to_string(b.size()));
            }
            uint64_t u = 0;
            for (size_t i = 0; i < sizeof(I); ++i) u = (u << 8) | uint8_t(b[i]);
            I v;
            std::memcpy(&v, &u, sizeof(I));
            return v;
          }};
}

inline Serde<int32_t> Integer() { return BigEndian<int32_t>(); }
inline Serde<int64_t> Long() { return BigEndian<int64_t>(); }
inline Serde<double> Double() { return BigEndian<double>(); }

}  // namespace serdes

template <>
struct DefaultSerde<std::string> {
  static Serde<std::string> get() { return serdes::String(); }
};
template <>
struct DefaultSerde<std::vector<uint8_t>> {
  static Serde<std::vector<uint8_t>> get() { return serdes::ByteArray(); }
};
template <>
struct DefaultSerde<int32_t> {
  static Serde<int32_t> get() { return serdes::Integer(); }
};
template <>
struct DefaultSerde<int64_t> {
  static Serde<int64_t> get() { return serdes::Long(); }
};
template <>
struct DefaultSerde<double> {
  static Serde<double> get() { return serdes::Double(); }
};

// A Serde erased to std::any, the form the untyped runtime uses. An empty any is Kafka's null.
struct AnySerde {
  std::function<std::optional<std::string>(const std::any&)> serialize;
  std::function<std::any(std::optional<std::string_view>)> deserialize;
  explicit operator bool() const { return serialize && deserialize; }
};

template <class T>
AnySerde erase(const Serde<T>& s) {
  if (!s) return {};
  return {[ser = s.serializer](const std::any& a) -> std::optional<std::string> {
            if (!a.has_value()) return std::nullopt;
            return ser(std::any_cast<const T&>(a));
          },
          [de = s.deserializer](std::optional<std::string_view> b) -> std::any {
            if (!b) return {};
            return de(*b);
          }};
}

template <class T>
Serde<T> or_default(const Serde<T>& s) {
  return s ? s : DefaultSerde<T>::get();
}

}  // namespace eddy::streams
