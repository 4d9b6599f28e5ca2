#include "cli/app/json.h"

#include <cmath>
#include <cstdio>

namespace eddy::cli {

std::string json_escape(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

Json& Json::push(Json v) {
  std::get<std::shared_ptr<Array>>(v_)->push_back(std::move(v));
  return *this;
}

Json& Json::set(std::string key, Json v) {
  std::get<std::shared_ptr<Object>>(v_)->emplace_back(std::move(key), std::move(v));
  return *this;
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

void Json::dump_to(std::string& out, int indent, int depth) const {
  auto newline = [&](int d) {
    if (indent <= 0) return;
    out += '\n';
    out.append(static_cast<size_t>(d * indent), ' ');
  };
  if (std::holds_alternative<std::nullptr_t>(v_)) {
    out += "null";
  } else if (auto* b = std::get_if<bool>(&v_)) {
    out += *b ? "true" : "false";
  } else if (auto* i = std::get_if<int64_t>(&v_)) {
    out += std::to_string(*i);
  } else if (auto* d = std::get_if<double>(&v_)) {
    if (!std::isfinite(*d)) {
      out += "null";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", *d);
      out += buf;
    }
  } else if (auto* s = std::get_if<std::string>(&v_)) {
    out += json_escape(*s);
  } else if (auto* a = std::get_if<std::shared_ptr<Array>>(&v_)) {
    out += '[';
    for (size_t n = 0; n < (*a)->size(); ++n) {
      if (n > 0) out += ',';
      newline(depth + 1);
      (**a)[n].dump_to(out, indent, depth + 1);
    }
    if (!(*a)->empty()) newline(depth);
    out += ']';
  } else if (auto* o = std::get_if<std::shared_ptr<Object>>(&v_)) {
    out += '{';
    for (size_t n = 0; n < (*o)->size(); ++n) {
      if (n > 0) out += ',';
      newline(depth + 1);
      out += json_escape((**o)[n].first);
      out += indent > 0 ? ": " : ":";
      (**o)[n].second.dump_to(out, indent, depth + 1);
    }
    if (!(*o)->empty()) newline(depth);
    out += '}';
  }
}

}  // namespace eddy::cli
