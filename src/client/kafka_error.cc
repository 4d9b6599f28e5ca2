#include "client/kafka_error.h"

#include "protocol/errors.h"

namespace eddy::client {

using protocol::ErrorCode;

const char* kafka_error_hint(int16_t code) {
  switch (ErrorCode{code}) {
    case ErrorCode::kUnknownTopicOrPartition:
      return "Check the name with `eddyctl topic list`.";
    case ErrorCode::kTopicAlreadyExists:
      return "Pick another name, or delete the topic first with `eddyctl topic delete`.";
    case ErrorCode::kInvalidConfig:
      return "Check the config name and value; `eddyctl topic describe` lists the valid keys.";
    case ErrorCode::kInvalidPartitions:
      return "The partition count must be positive and larger than the current count.";
    case ErrorCode::kInvalidReplicationFactor:
      return "The replication factor must be positive and at most the number of brokers.";
    case ErrorCode::kInvalidTopicException:
      return "Topic names use [a-zA-Z0-9._-], at most 249 characters, not '.' or '..'.";
    case ErrorCode::kGroupIdNotFound:
      return "Check the group id with `eddyctl group list`.";
    case ErrorCode::kNonEmptyGroup:
      return "Stop the group's consumers first; the group must be Empty.";
    case ErrorCode::kCoordinatorNotAvailable:
    case ErrorCode::kCoordinatorLoadInProgress:
    case ErrorCode::kNotCoordinator:
      return "The group coordinator is starting or moving; retry in a few seconds.";
    case ErrorCode::kOffsetOutOfRange:
      return "Pick an offset between the log start and log end offsets (`eddyctl topic describe`).";
    case ErrorCode::kPolicyViolation:
      return "The broker's policy rejected the request; see its log for the rule.";
    case ErrorCode::kUnsupportedVersion:
      return "The broker is too old or too new for this request.";
    case ErrorCode::kLeaderNotAvailable:
    case ErrorCode::kNotLeaderOrFollower:
      return "A leader election is in progress; retry in a few seconds.";
    case ErrorCode::kRequestTimedOut:
      return "The broker did not finish in time; retry, or raise --timeout.";
    case ErrorCode::kTopicDeletionDisabled:
      return "Set delete.topic.enable=true on the broker.";
    case ErrorCode::kClusterAuthorizationFailed:
    case ErrorCode::kTopicAuthorizationFailed:
    case ErrorCode::kGroupAuthorizationFailed:
      return "The principal lacks the ACL for this operation.";
    default:
      return "";
  }
}

Status kafka_error(int16_t code, const std::string& context,
                   const std::optional<std::string>& broker_message) {
  if (code == 0) return Status::ok();
  const protocol::ErrorInfo* info = protocol::find_error(code);
  std::string text = context + ": ";
  text += info != nullptr ? info->name : "UNKNOWN_ERROR";
  text += " (" + std::to_string(code) + ")";
  std::string message = broker_message.value_or("");
  if (message.empty() && info != nullptr) message = info->message;
  if (!message.empty()) text += ": " + message;
  std::string hint = kafka_error_hint(code);
  if (!hint.empty()) text += "\n  hint: " + hint;
  // kInvalidArgument is kept for local usage errors (exit 2): a broker refusal is never one.
  StatusCode status_code = StatusCode::kFailedPrecondition;
  switch (ErrorCode{code}) {
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kGroupIdNotFound:
    case ErrorCode::kUnknownTopicId:
      status_code = StatusCode::kNotFound;
      break;
    default:
      break;
  }
  return {status_code, text};
}

}  // namespace eddy::client
