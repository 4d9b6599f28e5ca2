#pragma once
// Turns a Kafka error code in a response into a Status an operator can act on: the broker's
// error name and code, its message, and a hint that says what to do. The StatusCode picks the
// eddyctl exit code (exit_codes.h in app/).

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace eddy::client {

// Ok for code 0; otherwise "<context>: UNKNOWN_TOPIC_OR_PARTITION (3): <message>. <hint>".
// `broker_message` (the response's ErrorMessage) is preferred to Kafka's default message.
Status kafka_error(int16_t code, const std::string& context,
                   const std::optional<std::string>& broker_message = std::nullopt);

// What an operator should do about `code`, or "" when there is nothing useful to add.
const char* kafka_error_hint(int16_t code);

}  // namespace eddy::client
