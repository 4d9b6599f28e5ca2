#include "protocol/api.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "protocol/generated/messages.h"

namespace eddy::protocol {
namespace {

// The API table and the schemas agree: every schema has an entry with its name, a supported range
// inside the schema's range, and the schema's first flexible version.
TEST(ApiTable, MatchesTheGeneratedSchemas) {
  size_t schemas = 0;
#define EDDY_CHECK_API(Name, key)                                                                \
  {                                                                                              \
    ++schemas;                                                                                   \
    const ApiInfo* api = find_api(key);                                                          \
    ASSERT_NE(api, nullptr) << #Name;                                                            \
    EXPECT_EQ(std::string(api->name), #Name);                                                    \
    EXPECT_GE(api->min_version, Name##Request::kMinVersion) << #Name;                            \
    EXPECT_LE(api->max_version, Name##Request::kMaxVersion) << #Name;                            \
    EXPECT_EQ(Name##Request::kMinVersion, Name##Response::kMinVersion) << #Name;                 \
    EXPECT_EQ(Name##Request::kMaxVersion, Name##Response::kMaxVersion) << #Name;                 \
    EXPECT_EQ(api->flexible_min_version, Name##Request::kFlexibleMinVersion) << #Name;           \
    EXPECT_EQ(Name##Request::kFlexibleMinVersion, Name##Response::kFlexibleMinVersion) << #Name; \
  }
  EDDY_PROTOCOL_APIS(EDDY_CHECK_API)
#undef EDDY_CHECK_API
  EXPECT_EQ(schemas, all_apis().size());
}

TEST(ApiTable, OutOfScopeApisAreAbsent) {
  // Broker-to-controller APIs other than AlterPartition (56), BrokerRegistration (62),
  // BrokerHeartbeat (63), UnregisterBroker (64) and AllocateProducerIds (67), which Eddy's brokers
  // (and operators) send to the active controller, are absent too.
  std::set<int16_t> excluded = {4, 5, 6, 7, 52, 53, 54, 58, 59, 70, 73};
  for (int16_t k = 76; k <= 92; ++k) excluded.insert(k);
  for (int16_t k : excluded) EXPECT_EQ(find_api(k), nullptr) << k;
}

TEST(ApiTable, CoversKafka39And41RangesClientsNeed) {
  // librdkafka turns features on only when these versions are advertised.
  EXPECT_TRUE(find_api(ApiKey::kProduce)->supports(3));
  EXPECT_TRUE(find_api(ApiKey::kProduce)->supports(7));
  EXPECT_TRUE(find_api(ApiKey::kFetch)->supports(4));
  EXPECT_TRUE(find_api(ApiKey::kFetch)->supports(10));
  EXPECT_TRUE(find_api(ApiKey::kMetadata)->supports(0));  // kafka-python's probe
  EXPECT_TRUE(find_api(ApiKey::kJoinGroup)->supports(0));
  EXPECT_TRUE(find_api(ApiKey::kSaslHandshake)->supports(1));
}

TEST(ApiTable, HeaderVersionsFollowFlexibility) {
  EXPECT_EQ(request_header_version(0, 8), 1);
  EXPECT_EQ(request_header_version(0, 9), 2);
  EXPECT_EQ(request_header_version(17, 1), 1);  // SaslHandshake never flexible
  EXPECT_FALSE(request_header_version(4, 0).has_value());
}

}  // namespace
}  // namespace eddy::protocol
