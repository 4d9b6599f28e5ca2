#pragma once
// Kafka's 16-byte UUID (topic ids, incarnation ids) and the cluster id text form: URL-safe
// base64 without padding, 22 characters, as Kafka's Uuid.toString() prints it.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::metadata {

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

}  // namespace eddy::metadata

template <>
struct std::hash<eddy::metadata::Uuid> {
  size_t operator()(const eddy::metadata::Uuid& u) const noexcept {
    return std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(u.bytes.data()), u.bytes.size()));
  }
};
