#include "protocol/errors.h"

#include <algorithm>

namespace eddy::protocol {

namespace {

constexpr ErrorInfo kErrors[] = {
#define EDDY_KAFKA_ERROR_INFO(e, code, name, retriable, message) \
  {ErrorCode::e, name, retriable, message},
    EDDY_KAFKA_ERRORS(EDDY_KAFKA_ERROR_INFO)
#undef EDDY_KAFKA_ERROR_INFO
};

constexpr bool sorted_by_code() {
  for (size_t i = 1; i < std::size(kErrors); ++i) {
    if (to_int(kErrors[i - 1].code) >= to_int(kErrors[i].code)) return false;
  }
  return true;
}
static_assert(sorted_by_code(), "EDDY_KAFKA_ERRORS must list codes in ascending order");

}  // namespace

std::span<const ErrorInfo> all_errors() { return kErrors; }

const ErrorInfo* find_error(int16_t code) {
  auto it = std::lower_bound(std::begin(kErrors), std::end(kErrors), code,
                             [](const ErrorInfo& e, int16_t c) { return to_int(e.code) < c; });
  if (it == std::end(kErrors) || to_int(it->code) != code) return nullptr;
  return &*it;
}

const char* error_name(ErrorCode code) {
  const ErrorInfo* e = find_error(to_int(code));
  return e ? e->name : "UNKNOWN";
}

const char* error_message(ErrorCode code) {
  const ErrorInfo* e = find_error(to_int(code));
  return e ? e->message : "";
}

bool is_retriable(ErrorCode code) {
  const ErrorInfo* e = find_error(to_int(code));
  return e != nullptr && e->retriable;
}

ErrorCode from_status(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return ErrorCode::kNone;
    case StatusCode::kInvalidArgument:
      return ErrorCode::kInvalidRequest;
    case StatusCode::kCorruption:
      return ErrorCode::kCorruptMessage;
    case StatusCode::kTooLarge:
      return ErrorCode::kMessageTooLarge;
    case StatusCode::kNotFound:
      return ErrorCode::kUnknownTopicOrPartition;
    case StatusCode::kAlreadyExists:
      return ErrorCode::kTopicAlreadyExists;
    case StatusCode::kOutOfRange:
      return ErrorCode::kOffsetOutOfRange;
    case StatusCode::kIoError:
    case StatusCode::kNoSpace:
      return ErrorCode::kKafkaStorageError;
    case StatusCode::kTimeout:
      return ErrorCode::kRequestTimedOut;
    case StatusCode::kUnavailable:
      return ErrorCode::kNotLeaderOrFollower;
    case StatusCode::kFailedPrecondition:
      return ErrorCode::kInvalidRequest;
    case StatusCode::kUnsupported:
      return ErrorCode::kUnsupportedVersion;
    case StatusCode::kCancelled:
    case StatusCode::kInternal:
      return ErrorCode::kUnknownServerError;
  }
  return ErrorCode::kUnknownServerError;
}

}  // namespace eddy::protocol
