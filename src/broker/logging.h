#pragma once
// eddyd's logs: the format (log.format: text lines, or one JSON object per line for log
// shippers) and the start-up summary. Rate-limited repeats: common/log_rate_limiter.h.
//
// JSON lines: {"ts":"2026-12-06T22:31:02.123Z","level":"error","thread":1234,"msg":"..."}, the
// message escaped per RFC 8259, one object per line, nothing else on stdout.

#include <spdlog/formatter.h>

#include <memory>
#include <string>

#include "broker/config/broker_config.h"

namespace eddy::broker {

// spdlog's formatter for log.format=json.
class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// Applies logger.level and log.format to spdlog's default logger.
void configure_logging(const BrokerConfig& config);

// The start-up lines: version and build, the config file, every setting that differs from its
// default, the log dirs and the listeners, once.
void log_startup_summary(const BrokerConfig& config, const std::string& config_path);

}  // namespace eddy::broker
