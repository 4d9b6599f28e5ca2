#include "broker/controller_mutation_quota.h"

#include <gtest/gtest.h>

namespace eddy::broker {
namespace {

TEST(ControllerMutationQuotaTest, BurstIsElevenSecondsOfRate) {
  ManualClock clock;
  ControllerMutationQuota q(10, &clock);
  EXPECT_EQ(q.try_spend(110), 0);  // the whole burst, bucket at 0: not in debt
  EXPECT_TRUE(q.admits());
  EXPECT_EQ(q.try_spend(5), 0);  // admitted while not in debt; now 5 in debt
  EXPECT_FALSE(q.admits());
  EXPECT_EQ(q.try_spend(1), 500);  // 5 partitions at 10/s
}

TEST(ControllerMutationQuotaTest, OneLargeRequestIsAdmittedThenOthersWaitForTheDebt) {
  ManualClock clock;
  ControllerMutationQuota q(100, &clock);
  EXPECT_EQ(q.try_spend(100000), 0);
  // 100,000 - 1,100 = 98,900 in debt at 100/s.
  EXPECT_EQ(q.try_spend(1), 989000);
  clock.advance_ms(988999);
  EXPECT_GT(q.try_spend(1), 0);
  clock.advance_ms(1);
  EXPECT_EQ(q.try_spend(1), 0);
}

TEST(ControllerMutationQuotaTest, RefillNeverExceedsTheBurst) {
  ManualClock clock;
  ControllerMutationQuota q(1, &clock);
  clock.advance_ms(3'600'000);
  EXPECT_EQ(q.try_spend(12), 0);  // 11 tokens at most: 1 in debt
  EXPECT_EQ(q.try_spend(1), 1000);
}

TEST(ControllerMutationQuotaTest, PermissiveSpendAlwaysRecordsAndReportsTheThrottle) {
  ManualClock clock;
  ControllerMutationQuota q(10, &clock);
  EXPECT_EQ(q.spend(100), 0);
  EXPECT_EQ(q.spend(20), 1000);  // 10 in debt
  EXPECT_EQ(q.spend(10), 2000);  // still recorded while in debt
  EXPECT_EQ(q.try_spend(1), 2000);
}

}  // namespace
}  // namespace eddy::broker
