#include "log/leader_epoch_cache.h"

#include <gtest/gtest.h>

#include "log/log_format.h"
#include "tests/unit/log/log_test_util.h"

namespace eddy::log::testing {
namespace {

std::pair<LeaderEpoch, Offset> eo(int32_t e, int64_t o) { return {LeaderEpoch(e), Offset(o)}; }

TEST(LeaderEpochCacheTest, AssignKeepsOnlyNewerEpochs) {
  TempDir tmp;
  LeaderEpochCache c(tmp.path());
  c.assign(LeaderEpoch(1), Offset(0));
  c.assign(LeaderEpoch(1), Offset(5));  // same epoch: already known
  c.assign(LeaderEpoch(0), Offset(6));  // older: ignored
  c.assign(LeaderEpoch(3), Offset(10));
  auto e = c.entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].epoch, LeaderEpoch(3));
  EXPECT_EQ(e[1].start_offset, Offset(10));
  EXPECT_EQ(c.latest_epoch(), LeaderEpoch(3));
}

TEST(LeaderEpochCacheTest, EndOffsetForFollowsKafkaRules) {
  TempDir tmp;
  LeaderEpochCache c(tmp.path());
  EXPECT_EQ(c.end_offset_for(LeaderEpoch(1), Offset(50)), eo(-1, -1));
  c.assign(LeaderEpoch(2), Offset(10));
  c.assign(LeaderEpoch(4), Offset(20));
  c.assign(LeaderEpoch(7), Offset(30));
  EXPECT_EQ(c.end_offset_for(LeaderEpoch(7), Offset(50)), eo(7, 50));  // latest: the LEO
  EXPECT_EQ(c.end_offset_for(LeaderEpoch(4), Offset(50)), eo(4, 30));
  EXPECT_EQ(c.end_offset_for(LeaderEpoch(5), Offset(50)), eo(4, 30));   // unknown: floor epoch
  EXPECT_EQ(c.end_offset_for(LeaderEpoch(1), Offset(50)), eo(1, 10));   // before all
  EXPECT_EQ(c.end_offset_for(LeaderEpoch(8), Offset(50)), eo(-1, -1));  // after all
  EXPECT_EQ(c.end_offset_for(LeaderEpoch(-1), Offset(50)), eo(-1, -1));
}

TEST(LeaderEpochCacheTest, TruncateFromEndAndStart) {
  TempDir tmp;
  LeaderEpochCache c(tmp.path());
  c.assign(LeaderEpoch(1), Offset(0));
  c.assign(LeaderEpoch(2), Offset(10));
  c.assign(LeaderEpoch(3), Offset(20));
  c.truncate_from_end(Offset(20));
  EXPECT_EQ(c.latest_epoch(), LeaderEpoch(2));
  c.truncate_from_start(Offset(15));
  auto e = c.entries();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].epoch, LeaderEpoch(2));
  EXPECT_EQ(e[0].start_offset, Offset(15));
}

TEST(LeaderEpochCacheTest, PersistAndLoadRoundTrip) {
  TempDir tmp;
  {
    LeaderEpochCache c(tmp.path());
    c.assign(LeaderEpoch(1), Offset(0));
    c.assign(LeaderEpoch(6), Offset(42));
    ASSERT_TRUE(c.persist().is_ok());
  }
  LeaderEpochCache c(tmp.path());
  ASSERT_TRUE(c.load().is_ok());
  auto e = c.entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].epoch, LeaderEpoch(6));
  EXPECT_EQ(e[1].start_offset, Offset(42));
}

TEST(LeaderEpochCacheTest, DamagedFileIsCorruptionAndLeavesTheCacheEmpty) {
  TempDir tmp;
  write_file(tmp.path() + "/" + kLeaderEpochCheckpointFile,
             Bytes{'0', '\n', '2', '\n', '5', ' ', '1', '\n', '3', ' ', '2', '\n'});
  LeaderEpochCache c(tmp.path());
  EXPECT_EQ(c.load().code(), StatusCode::kCorruption);
  EXPECT_TRUE(c.entries().empty());
}

TEST(LeaderEpochCacheTest, MissingFileIsAnEmptyCache) {
  TempDir tmp;
  LeaderEpochCache c(tmp.path());
  EXPECT_TRUE(c.load().is_ok());
  EXPECT_EQ(c.latest_epoch(), kNoLeaderEpoch);
}

}  // namespace
}  // namespace eddy::log::testing
