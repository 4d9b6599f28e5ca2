#pragma once
// Small helpers the eddyctl commands share: key=value parsing, number formatting and times.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace eddy::cli {

// "key=value" -> {key, value}; kInvalidArgument naming `what` when there is no '=' or no key.
Result<std::pair<std::string, std::string>> split_key_value(const std::string& text,
                                                            const std::string& what);
// "1,2,5" -> {1, 2, 5}.
Result<std::vector<int32_t>> parse_int_list(const std::string& text, const std::string& what);
// 1536 -> "1.5 KiB".
std::string human_bytes(int64_t bytes);
// Milliseconds since the epoch now.
int64_t now_ms();
// "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.250+02:00", "2024-05-01" (UTC), or milliseconds
// since the epoch -> milliseconds since the epoch.
Result<int64_t> parse_timestamp_ms(const std::string& text);
// "90s", "15m", "2h", "7d", "500ms" -> milliseconds.
Result<int64_t> parse_duration_ms(const std::string& text);
// Milliseconds since the epoch -> "2024-05-01T12:00:00.000Z".
std::string format_timestamp_ms(int64_t ms);
// A DescribeConfigs config_source number -> Kafka's ConfigSource name ("DYNAMIC_TOPIC_CONFIG").
const char* config_source_name(int8_t source);

}  // namespace eddy::cli
