#include "cli/app/util.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace eddy::cli {

Result<std::pair<std::string, std::string>> split_key_value(const std::string& text,
                                                            const std::string& what) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return invalid_argument(what + ": expected KEY=VALUE, got '" + text + "'");
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

Result<std::vector<int32_t>> parse_int_list(const std::string& text, const std::string& what) {
  std::vector<int32_t> out;
  size_t start = 0;
  for (int n = 0; n < 100000 && start <= text.size(); ++n) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 0 || v > INT32_MAX) {
      return invalid_argument(what + ": '" + item + "' is not a non-negative integer");
    }
    out.push_back(static_cast<int32_t>(v));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string human_bytes(int64_t bytes) {
  if (bytes < 0) return "-";
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  }
  return buf;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> parse_timestamp_ms(const std::string& text) {
  bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits && text.size() <= 15)
    return static_cast<int64_t>(std::strtoll(text.c_str(), nullptr, 10));
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  int fields = std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed);
  if (fields < 3) {
    return invalid_argument("bad timestamp '" + text +
                            "': use YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM] or epoch milliseconds");
  }
  const char* rest = text.c_str() + consumed;
  int64_t millis = 0;
  int64_t offset_s = 0;
  if (*rest == 'T' || *rest == ' ') {
    int n = 0;
    if (std::sscanf(rest + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &n) < 3) {
      return invalid_argument("bad time of day in '" + text + "'");
    }
    rest += 1 + n;
    if (*rest == '.') {
      ++rest;
      int64_t scale = 100;
      while (*rest >= '0' && *rest <= '9') {
        millis += (*rest - '0') * scale;
        scale /= 10;
        ++rest;
      }
    }
    if (*rest == '+' || *rest == '-') {
      int oh = 0, om = 0;
      if (std::sscanf(rest + 1, "%2d:%2d", &oh, &om) < 2) {
        return invalid_argument("bad zone offset in '" + text + "'");
      }
      offset_s = (*rest == '+' ? 1 : -1) * (oh * 3600 + om * 60);
      rest += 6;
    } else if (*rest == 'Z') {
      ++rest;
    }
  }
  if (*rest != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return invalid_argument("bad timestamp '" + text + "'");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  int64_t epoch_s = static_cast<int64_t>(timegm(&tm));
  return (epoch_s - offset_s) * 1000 + millis;
}

Result<int64_t> parse_duration_ms(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  std::string unit = end;
  int64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (unit == "d") scale = 86'400'000;
  if (end == text.c_str() || scale == 0 || v < 0 || v > 1e7) {
    return invalid_argument("bad duration '" + text + "': use e.g. 500ms, 30s, 15m, 2h, 7d");
  }
  return static_cast<int64_t>(v * static_cast<double>(scale));
}

std::string format_timestamp_ms(int64_t ms) {
  if (ms < 0) return "-";
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

// Kafka's ConfigSource enum (DescribeConfigs v1+).
const char* config_source_name(int8_t source) {
  switch (source) {
    case 1:
      return "DYNAMIC_TOPIC_CONFIG";
    case 2:
      return "DYNAMIC_BROKER_CONFIG";
    case 3:
      return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case 4:
      return "STATIC_BROKER_CONFIG";
    case 5:
      return "DEFAULT_CONFIG";
    case 6:
      return "DYNAMIC_BROKER_LOGGER_CONFIG";
    default:
      return "UNKNOWN";
  }
}

}  // namespace eddy::cli
