#include "broker/replica/fetch_session_cache.h"

#include <gtest/gtest.h>

#include "protocol/errors.h"

namespace eddy::broker {
namespace {

using protocol::ErrorCode;
using protocol::to_int;

FetchPartitionInput input(const std::string& topic, int32_t p, int64_t offset) {
  FetchPartitionInput in;
  in.tp = TopicPartition{topic, p};
  in.fetch_offset = Offset(offset);
  return in;
}

FetchPartitionResult result(const std::string& topic, int32_t p, int64_t hw) {
  FetchPartitionResult r;
  r.tp = TopicPartition{topic, p};
  r.high_watermark = Offset(hw);
  r.last_stable_offset = Offset(hw);
  r.log_start_offset = Offset(0);
  return r;
}

TEST(FetchSessionCache, SessionlessFetchUsesNoSession) {
  ManualClock clock;
  FetchSessionCache cache({}, &clock);
  FetchSessionContext ctx = cache.begin(0, -1, {input("t", 0, 0)}, {});
  EXPECT_EQ(ctx.error, 0);
  EXPECT_EQ(ctx.session_id, 0);
  EXPECT_EQ(ctx.partitions.size(), 1u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(FetchSessionCache, FullFetchWithEpochZeroOpensASession) {
  ManualClock clock;
  FetchSessionCache cache({}, &clock);
  FetchSessionContext ctx = cache.begin(0, 0, {input("t", 0, 0), input("t", 1, 0)}, {});
  EXPECT_EQ(ctx.error, 0);
  EXPECT_NE(ctx.session_id, 0);
  EXPECT_FALSE(ctx.incremental);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(FetchSessionCache, IncrementalFetchReadsEveryPartitionOfTheSession) {
  ManualClock clock;
  FetchSessionCache cache({}, &clock);
  FetchSessionContext full = cache.begin(0, 0, {input("t", 0, 0), input("t", 1, 0)}, {});
  cache.finish(full, {result("t", 0, 5), result("t", 1, 5)});
  FetchSessionContext inc = cache.begin(full.session_id, 1, {input("t", 0, 5)}, {});
  ASSERT_EQ(inc.error, 0);
  EXPECT_TRUE(inc.incremental);
  ASSERT_EQ(inc.partitions.size(), 2u);
  EXPECT_EQ(inc.partitions[0].fetch_offset, Offset(5));  // updated by the request
  EXPECT_EQ(inc.partitions[1].fetch_offset, Offset(0));  // kept from the session
}

TEST(FetchSessionCache, IncrementalResponseOmitsUnchangedPartitions) {
  ManualClock clock;
  FetchSessionCache cache({}, &clock);
  FetchSessionContext full = cache.begin(0, 0, {input("t", 0, 0), input("t", 1, 0)}, {});
  EXPECT_EQ(cache.finish(full, {result("t", 0, 5), result("t", 1, 5)}).size(), 2u);
  FetchSessionContext inc = cache.begin(full.session_id, 1, {}, {});
  auto out = cache.finish(inc, {result("t", 0, 5), result("t", 1, 6)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tp.partition, 1);
}

TEST(FetchSessionCache, ForgottenPartitionLeavesTheSession) {
  ManualClock clock;
  FetchSessionCache cache({}, &clock);
  FetchSessionContext full = cache.begin(0, 0, {input("t", 0, 0), input("t", 1, 0)}, {});
  FetchSessionContext inc = cache.begin(full.session_id, 1, {}, {TopicPartition{"t", 0}});
  ASSERT_EQ(inc.partitions.size(), 1u);
  EXPECT_EQ(inc.partitions[0].tp.partition, 1);
}

TEST(FetchSessionCache, UnknownSessionIdIsNotFound) {
  ManualClock clock;
  FetchSessionCache cache({}, &clock);
  EXPECT_EQ(cache.begin(12345, 1, {}, {}).error, to_int(ErrorCode::kFetchSessionIdNotFound));
}

TEST(FetchSessionCache, WrongEpochIsInvalid) {
  ManualClock clock;
  FetchSessionCache cache({}, &clock);
  FetchSessionContext full = cache.begin(0, 0, {input("t", 0, 0)}, {});
  EXPECT_EQ(cache.begin(full.session_id, 2, {}, {}).error,
            to_int(ErrorCode::kInvalidFetchSessionEpoch));
  // A replayed request with an epoch already used is refused the same way.
  ASSERT_EQ(cache.begin(full.session_id, 1, {}, {}).error, 0);
  EXPECT_EQ(cache.begin(full.session_id, 1, {}, {}).error,
            to_int(ErrorCode::kInvalidFetchSessionEpoch));
}

TEST(FetchSessionCache, FinalEpochClosesTheSession) {
  ManualClock clock;
  FetchSessionCache cache({}, &clock);
  FetchSessionContext full = cache.begin(0, 0, {input("t", 0, 0)}, {});
  FetchSessionContext close = cache.begin(full.session_id, -1, {input("t", 0, 0)}, {});
  EXPECT_EQ(close.error, 0);
  EXPECT_EQ(close.session_id, 0);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(FetchSessionCache, FullCacheEvictsOnlyIdleSessions) {
  ManualClock clock;
  FetchSessionOptions o;
  o.max_sessions = 1;
  o.eviction_idle_ms = 1000;
  FetchSessionCache cache(o, &clock);
  FetchSessionContext a = cache.begin(0, 0, {input("t", 0, 0)}, {});
  ASSERT_NE(a.session_id, 0);
  FetchSessionContext b = cache.begin(0, 0, {input("t", 0, 0)}, {});
  EXPECT_EQ(b.session_id, 0);  // no room: served sessionless
  clock.advance_ms(1000);
  FetchSessionContext c = cache.begin(0, 0, {input("t", 0, 0)}, {});
  EXPECT_NE(c.session_id, 0);
  EXPECT_EQ(cache.begin(a.session_id, 1, {}, {}).error, to_int(ErrorCode::kFetchSessionIdNotFound));
}

}  // namespace
}  // namespace eddy::broker
