#pragma once
// Every Kafka API Eddy speaks: key, name, the version range we support and advertise in
// ApiVersions, and the first flexible version (which decides the header versions). This table is
// the one place those facts live; a unit test checks it against the generated message structs.
//
// Out of scope, and so absent: ZooKeeper-era inter-broker APIs (4-7), share groups (76-79, 83-92)
// and KRaft-internal APIs (Vote, BeginQuorumEpoch, EndQuorumEpoch, AlterPartition, Envelope,
// FetchSnapshot, ControllerRegistration, AssignReplicasToDirs, Add/Remove/UpdateRaftVoter):
// Eddy's controller quorum speaks protobuf, not these. Brokers do send BrokerRegistration,
// BrokerHeartbeat and AllocateProducerIds to the active controller, and operators
// UnregisterBroker.

#include <cstdint>
#include <optional>
#include <span>

namespace eddy::protocol {

enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kDeleteRecords = 21,
  kInitProducerId = 22,
  kOffsetForLeaderEpoch = 23,
  kAddPartitionsToTxn = 24,
  kAddOffsetsToTxn = 25,
  kEndTxn = 26,
  kWriteTxnMarkers = 27,
  kTxnOffsetCommit = 28,
  kDescribeAcls = 29,
  kCreateAcls = 30,
  kDeleteAcls = 31,
  kDescribeConfigs = 32,
  kAlterConfigs = 33,
  kAlterReplicaLogDirs = 34,
  kDescribeLogDirs = 35,
  kSaslAuthenticate = 36,
  kCreatePartitions = 37,
  kCreateDelegationToken = 38,
  kRenewDelegationToken = 39,
  kExpireDelegationToken = 40,
  kDescribeDelegationToken = 41,
  kDeleteGroups = 42,
  kElectLeaders = 43,
  kIncrementalAlterConfigs = 44,
  kAlterPartitionReassignments = 45,
  kListPartitionReassignments = 46,
  kOffsetDelete = 47,
  kDescribeClientQuotas = 48,
  kAlterClientQuotas = 49,
  kDescribeUserScramCredentials = 50,
  kAlterUserScramCredentials = 51,
  kDescribeQuorum = 55,
  kUpdateFeatures = 57,
  kDescribeCluster = 60,
  kDescribeProducers = 61,
  kBrokerRegistration = 62,
  kBrokerHeartbeat = 63,
  kUnregisterBroker = 64,
  kDescribeTransactions = 65,
  kListTransactions = 66,
  kAllocateProducerIds = 67,
  kConsumerGroupHeartbeat = 68,
  kConsumerGroupDescribe = 69,
  kGetTelemetrySubscriptions = 71,
  kPushTelemetry = 72,
  kListClientMetricsResources = 74,
  kDescribeTopicPartitions = 75,
};

struct ApiInfo {
  int16_t key;
  const char* name;  // Kafka's name, e.g. "OffsetForLeaderEpoch"
  int16_t min_version;
  int16_t max_version;
  int16_t flexible_min_version;  // -1: no flexible version

  bool supports(int16_t version) const { return version >= min_version && version <= max_version; }
  bool is_flexible(int16_t version) const {
    return flexible_min_version >= 0 && version >= flexible_min_version;
  }
};

// Every API above, in key order.
std::span<const ApiInfo> all_apis();
// nullptr for a key Eddy does not speak.
const ApiInfo* find_api(int16_t key);
inline const ApiInfo* find_api(ApiKey key) { return find_api(static_cast<int16_t>(key)); }

// Request header version: 2 for flexible versions, 1 otherwise. nullopt for an unknown key.
std::optional<int16_t> request_header_version(int16_t key, int16_t version);
// Response header version: 1 for flexible versions, 0 otherwise, and always 0 for ApiVersions
// (a client must be able to read it before it knows which versions the broker speaks).
int16_t response_header_version(int16_t key, int16_t version);

}  // namespace eddy::protocol
