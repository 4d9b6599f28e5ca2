#pragma once
// Kafka's 16-byte UUID (topic ids, incarnation ids, cluster ids), the one type every layer uses:
// the wire protocol encodes it, the metadata records and image hold it, the broker keys maps by
// it. Its text form is URL-safe base64 without padding, 22 characters, as Kafka's
// Uuid.toString() prints it.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace eddy {

struct Uuid {
  std::array<uint8_t, 16> bytes{};

  bool is_zero() const;
  std::string to_base64() const;
  static std::optional<Uuid> from_base64(std::string_view text);
  // From exactly 16 raw bytes (protobuf `bytes`); nullopt on any other length.
  static std::optional<Uuid> from_bytes(std::string_view raw);
  std::string raw() const { return std::string(bytes.begin(), bytes.end()); }
  // A random version-4 UUID that is neither zero nor Kafka's reserved METADATA_TOPIC_ID (1).
  static Uuid random();

  auto operator<=>(const Uuid&) const = default;
};

}  // namespace eddy

template <>
struct std::hash<eddy::Uuid> {
  size_t operator()(const eddy::Uuid& u) const noexcept {
    return std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(u.bytes.data()), u.bytes.size()));
  }
};
