#include "broker/logging.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include "common/build_info.h"

namespace eddy::broker {
namespace {

void append_json_string(spdlog::memory_buf_t& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out.append(std::string_view("\\\""));
        break;
      case '\\':
        out.append(std::string_view("\\\\"));
        break;
      case '\n':
        out.append(std::string_view("\\n"));
        break;
      case '\r':
        out.append(std::string_view("\\r"));
        break;
      case '\t':
        out.append(std::string_view("\\t"));
        break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

}  // namespace

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(msg.time.time_since_epoch()).count() % 1000;
  std::time_t secs = system_clock::to_time_t(msg.time);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  fmt::format_to(std::back_inserter(dest),
                 "{{\"ts\":\"{:%Y-%m-%dT%H:%M:%S}.{:03}Z\",\"level\":", tm, ms);
  auto level = spdlog::level::to_string_view(msg.level);
  append_json_string(dest, std::string_view(level.data(), level.size()));
  fmt::format_to(std::back_inserter(dest), ",\"thread\":{},\"msg\":", msg.thread_id);
  append_json_string(dest, std::string_view(msg.payload.data(), msg.payload.size()));
  dest.append(std::string_view("}\n"));
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

void configure_logging(const BrokerConfig& config) {
  if (config.get_string("log.format") == "json") {
    spdlog::set_formatter(std::make_unique<JsonLogFormatter>());
  } else {
    spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  }
  spdlog::set_level(spdlog::level::from_str(config.get_string("logger.level")));
}

void log_startup_summary(const BrokerConfig& config, const std::string& config_path) {
  spdlog::info("eddyd {}, built by {}; config file {}", build_info::describe(),
               build_info::kCompiler, config_path);
  std::string settings;
  for (const auto& [key, value] : config.explicit_values()) {
    const ConfigDef* def = find_broker_config(key);
    if (def != nullptr && def->default_value && *def->default_value == value) continue;
    if (!settings.empty()) settings += ", ";
    settings += key + "=" + value;
  }
  spdlog::info("settings that differ from the defaults: {}",
               settings.empty() ? std::string("none") : settings);
  std::string dirs;
  for (const auto& d : config.log_dirs()) dirs += (dirs.empty() ? "" : ", ") + d;
  spdlog::info("log dirs: {}; metadata log dir: {}", dirs, config.metadata_log_dir());
  std::string listeners;
  for (const auto& l : config.listeners()) {
    listeners += fmt::format("{}{}://{}:{}", listeners.empty() ? "" : ", ", l.name, l.host, l.port);
  }
  for (const auto& l : config.admin_listeners()) {
    listeners +=
        fmt::format("{}http://{}:{} (admin)", listeners.empty() ? "" : ", ", l.host, l.port);
  }
  spdlog::info("listeners: {}", listeners);
}

}  // namespace eddy::broker
