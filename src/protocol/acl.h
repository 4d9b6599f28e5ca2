#pragma once
// The ACL vocabulary of the wire (Kafka's AclOperation and ResourceType codes) and the
// authorized-operations bit field that Metadata, DescribeCluster and DescribeGroups answer when a
// client asks for it (KIP-430).
//
// Eddy has no authorizer: like Kafka without one (AuthHelper.authorizedOperations), every
// operation a resource type supports is authorized, so the field lists exactly those
// (AclEntry.supportedOperations). A field not asked for stays at kAuthorizedOperationsOmitted.

#include <cstdint>
#include <initializer_list>

namespace eddy::protocol {

enum class AclOperation : int8_t {
  kRead = 3,
  kWrite = 4,
  kCreate = 5,
  kDelete = 6,
  kAlter = 7,
  kDescribe = 8,
  kClusterAction = 9,
  kDescribeConfigs = 10,
  kAlterConfigs = 11,
  kIdempotentWrite = 12,
};

enum class AclResourceType : int8_t {
  kTopic = 2,
  kGroup = 3,
  kCluster = 4,
};

// Kafka's INT32 MIN_VALUE: "not requested".
inline constexpr int32_t kAuthorizedOperationsOmitted = INT32_MIN;

// Utils.to32BitField: bit `code` set for each operation.
constexpr int32_t to_bit_field(std::initializer_list<AclOperation> ops) {
  int32_t field = 0;
  for (AclOperation op : ops) field |= int32_t{1} << static_cast<int>(op);
  return field;
}

constexpr int32_t supported_operations(AclResourceType type) {
  using enum AclOperation;
  switch (type) {
    case AclResourceType::kTopic:
      return to_bit_field(
          {kRead, kWrite, kCreate, kDescribe, kDelete, kAlter, kDescribeConfigs, kAlterConfigs});
    case AclResourceType::kGroup:
      return to_bit_field({kRead, kDescribe, kDelete, kDescribeConfigs, kAlterConfigs});
    case AclResourceType::kCluster:
      return to_bit_field({kCreate, kClusterAction, kDescribeConfigs, kAlterConfigs,
                           kIdempotentWrite, kAlter, kDescribe});
  }
  return 0;
}

// What a request asking (or not) for authorized operations on a resource of `type` is answered.
constexpr int32_t authorized_operations(bool requested, AclResourceType type) {
  return requested ? supported_operations(type) : kAuthorizedOperationsOmitted;
}

static_assert(supported_operations(AclResourceType::kTopic) == 3576);
static_assert(supported_operations(AclResourceType::kCluster) == 8096);

}  // namespace eddy::protocol
