#pragma once
// JSON for `--format json`, on nlohmann::json (Debian's nlohmann-json3-dev): objects keep
// insertion order so output reads in the order the command built it, integers stay exact
// (int64), and the output is always valid JSON: a string that is not valid UTF-8 has its bad
// bytes replaced by U+FFFD. Record keys and values, which may be binary, go through
// record_bytes() instead, which keeps them exact (docs/eddyctl.md, "JSON output").

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::cli {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;
  Json(std::nullptr_t) {}                       // NOLINT
  Json(bool b) : j_(b) {}                       // NOLINT
  Json(int v) : j_(static_cast<int64_t>(v)) {}  // NOLINT
  Json(int64_t v) : j_(v) {}                    // NOLINT
  Json(double v) : j_(v) {}                     // NOLINT
  Json(const char* s) : j_(std::string(s)) {}   // NOLINT
  Json(std::string s) : j_(std::move(s)) {}     // NOLINT
  Json(Array a);                                // NOLINT
  Json(Object o);                               // NOLINT

  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  // Appends to an array.
  Json& push(Json v);
  // Adds a member to an object.
  Json& set(std::string key, Json v);

  // The first element of a non-empty array.
  Json first() const;

  // indent <= 0: one line.
  std::string dump(int indent = 2) const;

 private:
  nlohmann::ordered_json j_;
};

// A record key or value: a JSON string when the bytes are valid UTF-8, else an object
// {"base64": "..."} holding them exactly (RFC 4648 base64).
Json record_bytes(std::string_view bytes);

}  // namespace eddy::cli
