#include "protocol/api.h"

#include <algorithm>
#include <iterator>

namespace eddy::protocol {

namespace {

// Ranges: the union of Kafka 3.9's and 4.1's, so clients of either era find their versions.
constexpr ApiInfo kApis[] = {
    {0, "Produce", 0, 13, 9},
    {1, "Fetch", 0, 18, 12},
    {2, "ListOffsets", 0, 10, 6},
    {3, "Metadata", 0, 13, 9},
    {8, "OffsetCommit", 0, 9, 8},
    {9, "OffsetFetch", 0, 9, 6},
    {10, "FindCoordinator", 0, 6, 3},
    {11, "JoinGroup", 0, 9, 6},
    {12, "Heartbeat", 0, 4, 4},
    {13, "LeaveGroup", 0, 5, 4},
    {14, "SyncGroup", 0, 5, 4},
    {15, "DescribeGroups", 0, 6, 5},
    {16, "ListGroups", 0, 5, 3},
    {17, "SaslHandshake", 0, 1, -1},
    {18, "ApiVersions", 0, 4, 3},
    {19, "CreateTopics", 0, 7, 5},
    {20, "DeleteTopics", 0, 6, 4},
    {21, "DeleteRecords", 0, 2, 2},
    {22, "InitProducerId", 0, 5, 2},
    {23, "OffsetForLeaderEpoch", 0, 4, 4},
    {24, "AddPartitionsToTxn", 0, 5, 3},
    {25, "AddOffsetsToTxn", 0, 4, 3},
    {26, "EndTxn", 0, 5, 3},
    {27, "WriteTxnMarkers", 0, 1, 1},
    {28, "TxnOffsetCommit", 0, 5, 3},
    {29, "DescribeAcls", 0, 3, 2},
    {30, "CreateAcls", 0, 3, 2},
    {31, "DeleteAcls", 0, 3, 2},
    {32, "DescribeConfigs", 0, 4, 4},
    {33, "AlterConfigs", 0, 2, 2},
    {34, "AlterReplicaLogDirs", 0, 2, 2},
    {35, "DescribeLogDirs", 0, 4, 2},
    {36, "SaslAuthenticate", 0, 2, 2},
    {37, "CreatePartitions", 0, 3, 2},
    {38, "CreateDelegationToken", 0, 3, 2},
    {39, "RenewDelegationToken", 0, 2, 2},
    {40, "ExpireDelegationToken", 0, 2, 2},
    {41, "DescribeDelegationToken", 0, 3, 2},
    {42, "DeleteGroups", 0, 2, 2},
    {43, "ElectLeaders", 0, 2, 2},
    {44, "IncrementalAlterConfigs", 0, 1, 1},
    {45, "AlterPartitionReassignments", 0, 1, 0},
    {46, "ListPartitionReassignments", 0, 0, 0},
    {47, "OffsetDelete", 0, 0, -1},
    {48, "DescribeClientQuotas", 0, 1, 1},
    {49, "AlterClientQuotas", 0, 1, 1},
    {50, "DescribeUserScramCredentials", 0, 0, 0},
    {51, "AlterUserScramCredentials", 0, 0, 0},
    {55, "DescribeQuorum", 0, 2, 0},
    // Broker to controller: a partition leader's ISR changes.
    {56, "AlterPartition", 2, 3, 0},
    {57, "UpdateFeatures", 0, 2, 0},
    {60, "DescribeCluster", 0, 2, 0},
    {61, "DescribeProducers", 0, 0, 0},
    // Broker to controller (KRaft): Eddy's brokers send them to the active controller.
    {62, "BrokerRegistration", 0, 0, 0},
    {63, "BrokerHeartbeat", 0, 0, 0},
    {64, "UnregisterBroker", 0, 0, 0},
    {65, "DescribeTransactions", 0, 0, 0},
    {66, "ListTransactions", 0, 2, 0},
    {67, "AllocateProducerIds", 0, 0, 0},
    {68, "ConsumerGroupHeartbeat", 0, 1, 0},
    {69, "ConsumerGroupDescribe", 0, 1, 0},
    {71, "GetTelemetrySubscriptions", 0, 0, 0},
    {72, "PushTelemetry", 0, 0, 0},
    {74, "ListClientMetricsResources", 0, 1, 0},
    {75, "DescribeTopicPartitions", 0, 0, 0},
};

constexpr bool sorted_by_key() {
  for (size_t i = 1; i < std::size(kApis); ++i) {
    if (kApis[i - 1].key >= kApis[i].key) return false;
  }
  return true;
}
static_assert(sorted_by_key(), "kApis must be in api key order");

}  // namespace

std::span<const ApiInfo> all_apis() { return kApis; }

const ApiInfo* find_api(int16_t key) {
  auto it = std::lower_bound(std::begin(kApis), std::end(kApis), key,
                             [](const ApiInfo& a, int16_t k) { return a.key < k; });
  if (it == std::end(kApis) || it->key != key) return nullptr;
  return &*it;
}

std::optional<int16_t> request_header_version(int16_t key, int16_t version) {
  const ApiInfo* api = find_api(key);
  if (api == nullptr) return std::nullopt;
  return api->is_flexible(version) ? 2 : 1;
}

int16_t response_header_version(int16_t key, int16_t version) {
  if (key == static_cast<int16_t>(ApiKey::kApiVersions)) return 0;
  const ApiInfo* api = find_api(key);
  return api != nullptr && api->is_flexible(version) ? 1 : 0;
}

}  // namespace eddy::protocol
