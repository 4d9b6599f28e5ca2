#pragma once
// The records a group coordinator keeps in the internal compacted topic __consumer_offsets, in
// Kafka's own byte layout so that Kafka's tools can read an Eddy offsets topic and vice versa.
//
// Every record key and value starts with an int16 schema version. Keys select the record type:
//   key version 0 or 1  OffsetCommitKey    group string, topic string, partition int32
//   key version 2       GroupMetadataKey   group string
// Values (we write the newest non-flexible versions; we read 0..3):
//   OffsetCommitValue v3   offset int64, leader_epoch int32, metadata string, commit_timestamp
//   int64
//                          (v1 adds expire_timestamp int64 after commit_timestamp; v0/v2 lack
//                          leader_epoch)
//   GroupMetadataValue v3  protocol_type string, generation int32, protocol string?, leader
//                          string?, current_state_timestamp int64 (v2+), members [
//                          member_id string, group_instance_id string? (v3+), client_id string,
//                          client_host string, rebalance_timeout int32 (v1+), session_timeout
//                          int32, subscription bytes, assignment bytes ]
// Strings are int16 length + UTF-8 (-1 = null), bytes are int32 length + data, arrays are int32
// count + elements. A null value is a tombstone: the offset or group was deleted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace eddy::group {

inline constexpr std::string_view kOffsetsTopic = "__consumer_offsets";

inline constexpr int16_t kOffsetCommitKeyVersion = 1;
inline constexpr int16_t kGroupMetadataKeyVersion = 2;
inline constexpr int16_t kOffsetCommitValueVersion = 3;
inline constexpr int16_t kGroupMetadataValueVersion = 3;

// The __consumer_offsets partition that owns a group: abs(Java String.hashCode(group_id)) % n,
// so that Eddy and Kafka place every group on the same partition. group_id is UTF-8; Java hashes
// its UTF-16 code units.
int32_t partition_for_group(std::string_view group_id, int32_t num_partitions);
int32_t java_string_hash(std::string_view utf8);

struct OffsetCommitKey {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  bool operator==(const OffsetCommitKey&) const = default;
};

struct OffsetCommitValue {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = -1;
  int64_t expire_timestamp_ms = -1;  // only in value version 1
  bool operator==(const OffsetCommitValue&) const = default;
};

struct GroupMetadataKey {
  std::string group;
  bool operator==(const GroupMetadataKey&) const = default;
};

struct MemberMetadataRecord {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  Bytes subscription;
  Bytes assignment;
  bool operator==(const MemberMetadataRecord&) const = default;
};

struct GroupMetadataValue {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t current_state_timestamp_ms = -1;
  std::vector<MemberMetadataRecord> members;
  bool operator==(const GroupMetadataValue&) const = default;
};

using CoordinatorKey = std::variant<OffsetCommitKey, GroupMetadataKey>;

Bytes encode_key(const OffsetCommitKey& key);
Bytes encode_key(const GroupMetadataKey& key);
Bytes encode_value(const OffsetCommitValue& value);
Bytes encode_value(const GroupMetadataValue& value);

// Decoders never read past `bytes` and never allocate more than the bytes remaining justify.
Result<CoordinatorKey> decode_key(ByteSpan bytes);
Result<OffsetCommitValue> decode_offset_commit_value(ByteSpan bytes);
Result<GroupMetadataValue> decode_group_metadata_value(ByteSpan bytes);

// The topics of a ConsumerProtocolSubscription (the "consumer" protocol type's member metadata,
// versions 0..3): int16 version, then [topic string]. Used to tell whether a group still
// subscribes to a topic whose offsets someone wants to delete or expire.
Result<std::vector<std::string>> decode_subscription_topics(ByteSpan bytes);

}  // namespace eddy::group
