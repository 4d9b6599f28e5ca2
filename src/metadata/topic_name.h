#pragma once
// Kafka's topic name rules: not empty, not "." or "..", at most 249 characters, only
// [a-zA-Z0-9._-]. A violation is INVALID_TOPIC_EXCEPTION on the wire.

#include <string_view>

#include "common/status.h"

namespace eddy::metadata {

inline constexpr size_t kMaxTopicNameLength = 249;

Status validate_topic_name(std::string_view name);

// Internal topics clients may not create or delete through the admin API.
bool is_internal_topic(std::string_view name);

}  // namespace eddy::metadata
