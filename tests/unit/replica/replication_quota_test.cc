// The replication throttle's pieces: Kafka's sampled rate and ReplicationQuotaManager
// (broker/replica/replication_quota.h) on a manual clock, and the throttled-replica lists of the
// topic keys (metadata/replication_throttle_config.h).
#include "broker/replica/replication_quota.h"

#include <gtest/gtest.h>

#include "metadata/dynamic_broker_config.h"
#include "metadata/replication_throttle_config.h"
#include "metadata/topic_config.h"

namespace eddy::broker {
namespace {

using metadata::check_throttled_replicas;
using metadata::parse_throttled_replicas;
using metadata::throttled_partitions;

TEST(SampledRate, IsTheSumOverAtLeastOneWindow) {
  SampledRate r(11, 1000);
  EXPECT_EQ(r.rate(0), 0);
  r.record(500, 0);
  // Less than one window has passed: the sum over one whole window.
  EXPECT_DOUBLE_EQ(r.rate(100), 500);
  r.record(500, 400);
  EXPECT_DOUBLE_EQ(r.rate(500), 1000);
  // Two and a half seconds after the first sample started: 1000 bytes over 2.5 s.
  EXPECT_DOUBLE_EQ(r.rate(2500), 400);
}

TEST(SampledRate, ForgetsWindowsOlderThanSamplesTimesWindow) {
  SampledRate r(3, 1000);
  r.record(3000, 0);
  r.record(300, 1000);  // a second window
  EXPECT_DOUBLE_EQ(r.rate(2000), 3300.0 / 2);
  // At 3000 the first window (started at 0) is 3 windows old: gone.
  EXPECT_DOUBLE_EQ(r.rate(3000), 300.0 / 2);
  // Everything is older than 3 s: nothing left.
  EXPECT_DOUBLE_EQ(r.rate(10'000), 0);
}

TEST(SampledRate, ReusesTheOldestSlotOnceTheRingIsFull) {
  SampledRate r(2, 1000);
  r.record(100, 0);
  r.record(200, 1000);
  r.record(400, 2000);  // replaces the window of 0
  EXPECT_DOUBLE_EQ(r.rate(2500), 600.0 / 1.5);
}

class ReplicationQuotaTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  ReplicationQuota quota_{ReplicationQuota::Options{11, 1000}, &clock_};
};

TEST_F(ReplicationQuotaTest, UnlimitedByDefault) {
  EXPECT_EQ(quota_.rate(), ReplicationQuota::kUnlimited);
  quota_.record(int64_t{1} << 40);
  EXPECT_FALSE(quota_.is_quota_exceeded());
}

TEST_F(ReplicationQuotaTest, ExceededAboveTheBoundUntilTimeBringsTheRateBack) {
  quota_.set_rate(1000);
  EXPECT_FALSE(quota_.is_quota_exceeded());
  quota_.record(1000);
  EXPECT_FALSE(quota_.is_quota_exceeded());  // exactly the bound is allowed (Kafka: <=)
  quota_.record(1000);
  EXPECT_TRUE(quota_.is_quota_exceeded());
  clock_.advance_ms(1500);  // 2000 bytes over 1.5 s
  EXPECT_TRUE(quota_.is_quota_exceeded());
  clock_.advance_ms(500);  // over 2 s: the bound again
  EXPECT_FALSE(quota_.is_quota_exceeded());
  EXPECT_DOUBLE_EQ(quota_.measured_rate(), 1000);
}

// What the fetch paths do: ask before each fetch, record what came. Over a long catch-up the
// bytes moved stay within the bound (plus one fetch) whatever the fetch size.
TEST_F(ReplicationQuotaTest, AskThenRecordKeepsTheRateAtTheBound) {
  const int64_t bound = 100'000, fetch = 64 * 1024;
  quota_.set_rate(bound);
  int64_t moved = 0, skipped = 0;
  for (int tick = 0; tick < 60'000 / 10; ++tick) {  // 60 s in fetch rounds of 10 ms
    if (quota_.is_quota_exceeded()) {
      ++skipped;
    } else {
      quota_.record(fetch);
      moved += fetch;
      EXPECT_LE(quota_.measured_rate(), static_cast<double>(bound + fetch));
    }
    clock_.advance_ms(10);
  }
  EXPECT_GT(skipped, 0);
  EXPECT_LE(moved, bound * 60 + fetch);
  EXPECT_GE(moved, bound * 50);  // throttled, not starved
  quota_.set_rate(ReplicationQuota::kUnlimited);
  EXPECT_FALSE(quota_.is_quota_exceeded());
}

TEST_F(ReplicationQuotaTest, ThrottledPartitionsByTopic) {
  const TopicPartition a0{"a", 0}, a1{"a", 1}, b7{"b", 7};
  EXPECT_FALSE(quota_.is_throttled(a0));
  quota_.mark_throttled("a", std::set<int32_t>{1});
  quota_.mark_throttled("b", std::nullopt);  // "*"
  EXPECT_FALSE(quota_.is_throttled(a0));
  EXPECT_TRUE(quota_.is_throttled(a1));
  EXPECT_TRUE(quota_.is_throttled(b7));
  quota_.mark_throttled("a", std::set<int32_t>{});  // no partition of this broker
  EXPECT_FALSE(quota_.is_throttled(a1));
  quota_.remove_throttle("b");
  EXPECT_FALSE(quota_.is_throttled(b7));
}

// Kafka's shouldLeaderThrottle / shouldFollowerThrottle: listed, out of sync, quota exceeded.
TEST_F(ReplicationQuotaTest, ShouldThrottleOnlyListedOutOfSyncReplicasOverTheBound) {
  const TopicPartition listed{"t", 0}, other{"t", 1};
  quota_.mark_throttled("t", std::set<int32_t>{0});
  quota_.set_rate(100);
  auto out_of_sync = [] { return false; };
  auto in_sync = [] { return true; };
  EXPECT_FALSE(quota_.should_throttle(listed, out_of_sync));  // nothing recorded yet
  quota_.record_if_throttled(other, 1000);                    // not listed: not recorded
  EXPECT_FALSE(quota_.should_throttle(listed, out_of_sync));
  quota_.record_if_throttled(listed, 1000);
  EXPECT_TRUE(quota_.should_throttle(listed, out_of_sync));
  EXPECT_FALSE(quota_.should_throttle(listed, in_sync));
  EXPECT_FALSE(quota_.should_throttle(other, out_of_sync));
  EXPECT_EQ(quota_.throttled_count(), 1u);
}

TEST(ThrottledReplicas, ParsesKafkasForms) {
  auto all = parse_throttled_replicas(" * ");
  ASSERT_TRUE(all.is_ok());
  EXPECT_TRUE(all->all);
  EXPECT_EQ(throttled_partitions(*all, 5), std::nullopt);

  auto none = parse_throttled_replicas("");
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->all);
  EXPECT_EQ(throttled_partitions(*none, 1), std::set<int32_t>{});

  auto list = parse_throttled_replicas("0:101, 1:102,,2:101");
  ASSERT_TRUE(list.is_ok());
  EXPECT_EQ(list->replicas.size(), 3u);
  EXPECT_EQ(throttled_partitions(*list, 101), (std::set<int32_t>{0, 2}));
  EXPECT_EQ(throttled_partitions(*list, 102), (std::set<int32_t>{1}));
  EXPECT_EQ(throttled_partitions(*list, 103), std::set<int32_t>{});
}

TEST(ThrottledReplicas, RefusesWhatKafkaRefusesNamingTheKey) {
  const metadata::TopicConfigDef* def =
      metadata::find_topic_config(metadata::kFollowerThrottledReplicas);
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->def.type, metadata::ConfigType::kList);
  EXPECT_EQ(def->def.default_value, "");
  for (const char* bad :
       {"0", "0:", ":1", "a:1", "0:1:2", "*,0:1", "-1:2", "0:99999999999", "0;1"}) {
    Status s = metadata::validate_config_value(def->def, bad);
    EXPECT_FALSE(s.is_ok()) << bad;
    EXPECT_NE(s.message().find("follower.replication.throttled.replicas must be the literal '*'"),
              std::string::npos)
        << s.message();
  }
  for (const char* good : {"", "*", "0:1", " 0:1 , 1:2 ", "*,"}) {
    EXPECT_TRUE(metadata::validate_config_value(def->def, good).is_ok()) << good;
  }
  // The topic validator (CreateTopics, AlterConfigs) uses the same check.
  EXPECT_FALSE(
      metadata::validate_topic_configs({{"leader.replication.throttled.replicas", "x"}}).is_ok());
}

TEST(ThrottledReplicas, RatesAreLongsOfAtLeastZero) {
  const metadata::ConfigDef* rate =
      metadata::find_dynamic_broker_only_config("follower.replication.throttled.rate");
  ASSERT_NE(rate, nullptr);
  EXPECT_TRUE(metadata::validate_config_value(*rate, "0").is_ok());
  EXPECT_TRUE(metadata::validate_config_value(*rate, "1048576").is_ok());
  Status s = metadata::validate_config_value(*rate, "-1");
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("follower.replication.throttled.rate"), std::string::npos);
  EXPECT_FALSE(metadata::validate_config_value(*rate, "fast").is_ok());
}

}  // namespace
}  // namespace eddy::broker
