#include "common/uuid.h"

#include <algorithm>
#include <random>

namespace eddy {
namespace {
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

bool Uuid::is_zero() const {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

std::string Uuid::to_base64() const {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<Uuid> Uuid::from_base64(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  Uuid u;
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : text) {
    size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < 16) u.bytes[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  if (n != 16) return std::nullopt;
  return u;
}

std::optional<Uuid> Uuid::from_bytes(std::string_view raw) {
  if (raw.size() != 16) return std::nullopt;
  Uuid u;
  std::copy(raw.begin(), raw.end(), u.bytes.begin());
  return u;
}

Uuid Uuid::random() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  for (;;) {
    Uuid u;
    for (size_t i = 0; i < 16; i += 8) {
      uint64_t r = rng();
      for (size_t j = 0; j < 8; ++j) u.bytes[i + j] = static_cast<uint8_t>(r >> (8 * j));
    }
    u.bytes[6] = static_cast<uint8_t>((u.bytes[6] & 0x0f) | 0x40);
    u.bytes[8] = static_cast<uint8_t>((u.bytes[8] & 0x3f) | 0x80);
    // Kafka reserves the all-zero id and 0...01 (the metadata topic's id).
    Uuid one;
    one.bytes[15] = 1;
    if (!u.is_zero() && u != one) return u;
  }
}

}  // namespace eddy
