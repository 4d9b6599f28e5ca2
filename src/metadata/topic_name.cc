#include "metadata/topic_name.h"

#include <string>

namespace eddy::metadata {

Status validate_topic_name(std::string_view name) {
  if (name.empty()) return invalid_argument("topic name is empty");
  if (name == "." || name == "..") {
    return invalid_argument("topic name cannot be '.' or '..'");
  }
  if (name.size() > kMaxTopicNameLength) {
    return invalid_argument("topic name is longer than 249 characters");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return invalid_argument("topic name '" + std::string(name) +
                              "' has characters outside [a-zA-Z0-9._-]");
    }
  }
  return Status::ok();
}

bool is_internal_topic(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

}  // namespace eddy::metadata
