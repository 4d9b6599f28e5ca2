#pragma once
// Errors are values across module boundaries. A Status is a code from a small, layer-neutral set
// plus a human message; the protocol layer maps codes to Kafka error codes where a client sees
// them.

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace eddy {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller sent something malformed (Kafka: INVALID_RECORD, INVALID_REQUEST)
  kCorruption,       // bytes fail their checksum or structure (Kafka: CORRUPT_MESSAGE)
  kTooLarge,         // over a configured size limit (Kafka: MESSAGE_TOO_LARGE)
  kNotFound,         // no such topic, partition, segment, member
  kAlreadyExists,
  kOutOfRange,  // an offset outside [log start, log end] (Kafka: OFFSET_OUT_OF_RANGE)
  kIoError,     // the operating system refused a read, write or sync
  kNoSpace,     // ENOSPC / EDQUOT: the disk is full
  kTimeout,
  kUnavailable,         // try again later: not leader, not enough replicas, shutting down
  kFailedPrecondition,  // the state does not allow the operation (fenced epoch, wrong generation)
  kUnsupported,         // a version, codec or feature we do not implement
  kCancelled,
  kInternal,  // a bug: an invariant did not hold
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: batch CRC mismatch at position 4096"
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
inline Status too_large(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status failed_precondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
// An errno from a system call, with what we were doing: ENOSPC becomes kNoSpace.
Status errno_status(int err, const std::string& context);

// Result<T> holds either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).is_ok() && "a Result built from a Status must be an error");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace eddy

// Propagate a non-ok Status to the caller.
#define EDDY_RETURN_IF_ERROR(expr)                  \
  do {                                              \
    ::eddy::Status eddy_status_ = (expr);           \
    if (!eddy_status_.is_ok()) return eddy_status_; \
  } while (0)

#define EDDY_CONCAT_INNER(a, b) a##b
#define EDDY_CONCAT(a, b) EDDY_CONCAT_INNER(a, b)
// EDDY_ASSIGN_OR_RETURN(auto x, make_x()); returns the Status when make_x() fails.
#define EDDY_ASSIGN_OR_RETURN(lhs, expr) \
  EDDY_ASSIGN_OR_RETURN_IMPL(EDDY_CONCAT(eddy_result_, __LINE__), lhs, expr)
#define EDDY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.is_ok()) return tmp.status();           \
  lhs = std::move(tmp).value()
