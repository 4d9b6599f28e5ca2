#include "metadata/config_def.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace eddy::metadata {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_allowed(const ConfigDef& def, std::string_view v) {
  if (def.allowed.empty()) return true;
  return std::find(def.allowed.begin(), def.allowed.end(), v) != def.allowed.end();
}

Status bad_value(const ConfigDef& def, std::string_view value, std::string_view why) {
  return invalid_argument("invalid value '" + std::string(value) + "' for config key '" +
                          std::string(def.name) + "': " + std::string(why));
}

}  // namespace

const char* config_type_name(ConfigType type) {
  switch (type) {
    case ConfigType::kBoolean:
      return "boolean";
    case ConfigType::kString:
      return "string";
    case ConfigType::kInt:
      return "int";
    case ConfigType::kShort:
      return "short";
    case ConfigType::kLong:
      return "long";
    case ConfigType::kDouble:
      return "double";
    case ConfigType::kList:
      return "list";
    case ConfigType::kPassword:
      return "password";
  }
  return "unknown";
}

Result<int64_t> parse_config_long(std::string_view value) {
  value = trim(value);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
    return invalid_argument("not an integer");
  }
  return v;
}

Result<bool> parse_config_bool(std::string_view value) {
  std::string v(trim(value));
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "true") return true;
  if (v == "false") return false;
  return invalid_argument("not a boolean (true or false)");
}

Result<double> parse_config_double(std::string_view value) {
  std::string v(trim(value));
  if (v.empty()) return invalid_argument("not a number");
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (end != v.c_str() + v.size()) return invalid_argument("not a number");
  return d;
}

std::vector<std::string> split_config_list(std::string_view value) {
  std::vector<std::string> out;
  if (trim(value).empty()) return out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    out.emplace_back(trim(value.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

const ConfigDef* find_config_def(const std::vector<ConfigDef>& defs, std::string_view name) {
  for (const auto& d : defs) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

NumericRange numeric_range(const ConfigDef& def) {
  NumericRange r{def.min, def.max};
  if (def.type == ConfigType::kInt) {
    r.min = std::max<int64_t>(r.min, std::numeric_limits<int32_t>::min());
    r.max = std::min<int64_t>(r.max, std::numeric_limits<int32_t>::max());
  } else if (def.type == ConfigType::kShort) {
    r.min = std::max<int64_t>(r.min, std::numeric_limits<int16_t>::min());
    r.max = std::min<int64_t>(r.max, std::numeric_limits<int16_t>::max());
  }
  return r;
}

Status validate_config_value(const ConfigDef& def, std::string_view value) {
  if (def.check != nullptr) return def.check(def, value);
  switch (def.type) {
    case ConfigType::kBoolean: {
      auto b = parse_config_bool(value);
      if (!b) return bad_value(def, value, b.status().message());
      return Status::ok();
    }
    case ConfigType::kInt:
    case ConfigType::kShort:
    case ConfigType::kLong: {
      auto v = parse_config_long(value);
      if (!v) return bad_value(def, value, v.status().message());
      auto [lo, hi] = numeric_range(def);
      if (*v < lo || *v > hi) {
        return bad_value(def, value,
                         "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      }
      return Status::ok();
    }
    case ConfigType::kDouble: {
      auto d = parse_config_double(value);
      if (!d) return bad_value(def, value, d.status().message());
      if (*d < static_cast<double>(def.min) || *d > static_cast<double>(def.max)) {
        return bad_value(def, value, "out of range " + describe_valid_values(def));
      }
      return Status::ok();
    }
    case ConfigType::kList:
      for (const auto& item : split_config_list(value)) {
        if (item.empty()) return bad_value(def, value, "empty list element");
        if (!is_allowed(def, item)) {
          return bad_value(def, value, "'" + item + "' is not " + describe_valid_values(def));
        }
      }
      return Status::ok();
    case ConfigType::kString:
    case ConfigType::kPassword:
      if (!is_allowed(def, trim(value))) {
        return bad_value(def, value, "must be " + describe_valid_values(def));
      }
      return Status::ok();
  }
  return bad_value(def, value, "unknown type");
}

std::string describe_valid_values(const ConfigDef& def) {
  if (!def.allowed.empty()) {
    std::string s = "one of [";
    for (size_t i = 0; i < def.allowed.size(); ++i) {
      if (i > 0) s += ", ";
      s += def.allowed[i];
    }
    return s + "]";
  }
  bool numeric = def.type == ConfigType::kInt || def.type == ConfigType::kShort ||
                 def.type == ConfigType::kLong || def.type == ConfigType::kDouble;
  if (!numeric) return "";
  bool has_min = def.min != std::numeric_limits<int64_t>::min();
  bool has_max = def.max != std::numeric_limits<int64_t>::max();
  if (!has_min && !has_max) return "";
  // Appended piecewise: GCC 12 warns (-Wrestrict) on "literal" + std::string temporaries.
  std::string s = "[";
  s += has_min ? std::to_string(def.min) : std::string("...");
  s += ", ";
  s += has_max ? std::to_string(def.max) : std::string("...");
  s += "]";
  return s;
}

}  // namespace eddy::metadata
