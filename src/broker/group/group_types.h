#pragma once
// The coordinator's own request and result types, one per group API. They carry what every
// version of a Kafka group request carries, in plain C++ types, so that the state machine is
// independent of the wire codecs: the handlers in src/broker/handlers translate generated
// messages to these and back.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "protocol/errors.h"

namespace eddy::group {

// Answers carry Kafka's error codes: err::kUnknownMemberId and so on.
using ErrorCode = protocol::ErrorCode;
using err = protocol::ErrorCode;

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct JoinProtocol {
  std::string name;
  Bytes metadata;
  bool operator==(const JoinProtocol&) const = default;
};

struct JoinGroupParams {
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;  // v0 requests: the handler passes the session timeout
  std::string member_id;             // "" = a new member
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<JoinProtocol> protocols;
  std::string client_id;
  std::string client_host;
  bool require_known_member_id = false;   // JoinGroup v4+: MEMBER_ID_REQUIRED round trip
  bool supports_skip_assignment = false;  // JoinGroup v9+
  std::string reason;                     // JoinGroup v8+ (KIP-800): why it joins; "" if not said
};

struct JoinGroupMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Bytes metadata;
};

struct JoinGroupResult {
  ErrorCode error_code = err::kNone;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  bool skip_assignment = false;
  std::string member_id;
  std::vector<JoinGroupMember> members;  // only the leader's answer lists the members
};

struct SyncGroupParams {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;  // v5+
  std::optional<std::string> protocol_name;  // v5+
  std::vector<std::pair<std::string, Bytes>> assignments;
};

struct SyncGroupResult {
  ErrorCode error_code = err::kNone;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;
};

struct HeartbeatParams {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct LeaveMember {
  LeaveMember(std::string member, std::optional<std::string> instance, std::string why = {})
      : member_id(std::move(member)),
        group_instance_id(std::move(instance)),
        reason(std::move(why)) {}
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string reason;  // LeaveGroup v5+ (KIP-800): why it leaves; "" if not said
};

struct LeaveMemberResult {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  ErrorCode error_code = err::kNone;
};

struct LeaveGroupResult {
  ErrorCode error_code = err::kNone;
  std::vector<LeaveMemberResult> members;
};

struct OffsetCommitEntry {
  TopicPartition tp;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
};

struct OffsetCommitParams {
  std::string group_id;
  int32_t generation_id = -1;  // -1: a commit from outside group management (standalone/admin)
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<OffsetCommitEntry> offsets;
};

struct PartitionError {
  TopicPartition tp;
  ErrorCode error_code = err::kNone;
};

struct OffsetCommitResult {
  std::vector<PartitionError> partitions;
};

struct FetchedOffset {
  TopicPartition tp;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  ErrorCode error_code = err::kNone;
};

struct OffsetFetchResult {
  ErrorCode error_code = err::kNone;
  std::vector<FetchedOffset> partitions;
};

struct OffsetDeleteResult {
  ErrorCode error_code = err::kNone;
  std::vector<PartitionError> partitions;
};

struct ListedGroup {
  std::string group_id;
  std::string protocol_type;
  std::string state;
};

struct DescribedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  Bytes metadata;
  Bytes assignment;
};

struct DescribedGroup {
  ErrorCode error_code = err::kNone;
  std::string group_id;
  std::string state;
  std::string protocol_type;
  std::string protocol;
  std::vector<DescribedMember> members;
};

struct DeleteGroupResult {
  std::string group_id;
  ErrorCode error_code = err::kNone;
};

// Answers reach the caller through these. The coordinator invokes each exactly once, never while
// holding its lock, on whatever thread completed the operation (the caller's thread, the ticking
// thread or the log's flusher thread).
using JoinCallback = std::function<void(JoinGroupResult)>;
using SyncCallback = std::function<void(SyncGroupResult)>;
using OffsetCommitCallback = std::function<void(OffsetCommitResult)>;
using OffsetDeleteCallback = std::function<void(OffsetDeleteResult)>;
using DeleteGroupsCallback = std::function<void(std::vector<DeleteGroupResult>)>;

}  // namespace eddy::group
