#pragma once
// A small JSON value for `--format json`: objects keep insertion order so output reads in the
// order the command built it, and dump() escapes strings per RFC 8259.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace eddy::cli {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() : v_(nullptr) {}
  Json(std::nullptr_t) : v_(nullptr) {}                           // NOLINT
  Json(bool b) : v_(b) {}                                         // NOLINT
  Json(int v) : v_(static_cast<int64_t>(v)) {}                    // NOLINT
  Json(int64_t v) : v_(v) {}                                      // NOLINT
  Json(double v) : v_(v) {}                                       // NOLINT
  Json(const char* s) : v_(std::string(s)) {}                     // NOLINT
  Json(std::string s) : v_(std::move(s)) {}                       // NOLINT
  Json(Array a) : v_(std::make_shared<Array>(std::move(a))) {}    // NOLINT
  Json(Object o) : v_(std::make_shared<Object>(std::move(o))) {}  // NOLINT

  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  // Appends to an array.
  Json& push(Json v);
  // Adds a member to an object.
  Json& set(std::string key, Json v);

  std::string dump(int indent = 2) const;

 private:
  void dump_to(std::string& out, int indent, int depth) const;
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v_;
};

std::string json_escape(const std::string& s);

}  // namespace eddy::cli
