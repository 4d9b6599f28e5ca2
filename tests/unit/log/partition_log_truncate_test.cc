// Truncation (replication), DeleteRecords and retention.

#include <gtest/gtest.h>

#include "tests/unit/log/log_fixture.h"

namespace eddy::log::testing {
namespace {

class TruncateTest : public LogFixture {};

TEST_F(TruncateTest, TruncateThenAppendContinuesAtTheCut) {
  auto log = open();
  for (int i = 0; i < 5; ++i) append(*log, 2);  // batches at 0,2,4,6,8
  ASSERT_TRUE(log->truncate_to(Offset(6)).is_ok());
  EXPECT_EQ(log->log_end_offset(), Offset(6));
  EXPECT_EQ(append(*log, 3), 6);
  auto batches = read_all_from(*log, 0);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches.back().base_offset, 6);
  EXPECT_EQ(batches.back().records_count, 3);
}

TEST_F(TruncateTest, TruncateInsideABatchRemovesTheWholeBatch) {
  auto log = open();
  append(*log, 4);  // 0-3
  append(*log, 4);  // 4-7
  ASSERT_TRUE(log->truncate_to(Offset(5)).is_ok());
  EXPECT_EQ(log->log_end_offset(), Offset(4));
  EXPECT_EQ(read_all_from(*log, 0).size(), 1u);
}

TEST_F(TruncateTest, TruncateAcrossSegmentsDeletesLaterSegmentFiles) {
  config_.segment_bytes = 1000;
  auto log = open();
  for (int i = 0; i < 8; ++i) append(*log, 1, 300);  // segments at 0,2,4,6
  ASSERT_EQ(log->segment_count(), 4);
  ASSERT_TRUE(log->truncate_to(Offset(3)).is_ok());
  EXPECT_EQ(log->log_end_offset(), Offset(3));
  EXPECT_EQ(log->segment_count(), 2);
  EXPECT_FALSE(std::filesystem::exists(segment_path(dir(), 4, ".log")));
  EXPECT_FALSE(std::filesystem::exists(segment_path(dir(), 6, ".index")));
  EXPECT_EQ(append(*log), 3);
  ASSERT_TRUE(log->close().is_ok());
  log = open();
  EXPECT_EQ(log->log_end_offset(), Offset(4));
  EXPECT_EQ(read_all_from(*log, 0).size(), 4u);
}

TEST_F(TruncateTest, TruncateAtASegmentBaseEmptiesThatSegment) {
  config_.segment_bytes = 1000;
  auto log = open();
  for (int i = 0; i < 4; ++i) append(*log, 1, 300);  // segments at 0,2
  ASSERT_TRUE(log->truncate_to(Offset(2)).is_ok());
  EXPECT_EQ(log->log_end_offset(), Offset(2));
  EXPECT_EQ(append(*log), 2);
  EXPECT_EQ(read_all_from(*log, 0).size(), 3u);
}

TEST_F(TruncateTest, TruncateDropsLeaderEpochsStartingAtOrAfterTheCut) {
  auto log = open();
  append(*log, 1, 100, 0, 1);  // epoch 1 at 0
  append(*log, 1, 100, 0, 2);  // epoch 2 at 1
  append(*log, 1, 100, 0, 3);  // epoch 3 at 2
  ASSERT_TRUE(log->truncate_to(Offset(1)).is_ok());
  EXPECT_EQ(log->latest_epoch(), LeaderEpoch(1));
  auto e = log->end_offset_for_epoch(LeaderEpoch(1));
  EXPECT_EQ(e.leader_epoch, LeaderEpoch(1));
  EXPECT_EQ(e.end_offset, Offset(1));
}

TEST_F(TruncateTest, TruncateFailsDurabilityWaitersAboveTheCut) {
  auto log = open();
  append(*log);
  ASSERT_TRUE(log->flush().is_ok());
  append(*log);
  append(*log);
  std::vector<StatusCode> got;
  log->on_durable(Offset(1), [&](const Status& s) { got.push_back(s.code()); });
  log->on_durable(Offset(2), [&](const Status& s) { got.push_back(s.code()); });
  ASSERT_TRUE(log->truncate_to(Offset(1)).is_ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], StatusCode::kUnavailable);
  EXPECT_EQ(got[1], StatusCode::kUnavailable);
  EXPECT_EQ(log->flushed_offset(), Offset(1));
}

TEST_F(TruncateTest, TruncateFullyAndStartAtRestartsTheLogEmpty) {
  auto log = open();
  for (int i = 0; i < 3; ++i) append(*log);
  ASSERT_TRUE(log->truncate_fully_and_start_at(Offset(100)).is_ok());
  EXPECT_EQ(log->log_start_offset(), Offset(100));
  EXPECT_EQ(log->log_end_offset(), Offset(100));
  EXPECT_EQ(log->segment_base_offsets(), std::vector<Offset>{Offset(100)});
  EXPECT_FALSE(std::filesystem::exists(segment_path(dir(), 0, ".log")));
  EXPECT_EQ(append(*log), 100);
  ASSERT_TRUE(log->close().is_ok());
  log = open();
  EXPECT_EQ(log->log_start_offset(), Offset(100));
  EXPECT_EQ(log->log_end_offset(), Offset(101));
}

TEST_F(TruncateTest, DeleteRecordsMovesTheStartAndRetentionDropsWholeSegments) {
  config_.segment_bytes = 1000;
  auto log = open();
  for (int i = 0; i < 8; ++i) append(*log, 1, 300);  // segments at 0,2,4,6
  ASSERT_TRUE(log->delete_records_before(Offset(5)).is_ok());
  EXPECT_EQ(log->log_start_offset(), Offset(5));
  auto deleted = log->enforce_retention();
  ASSERT_TRUE(deleted.is_ok());
  EXPECT_EQ(*deleted, 2);  // 0 and 2; 4 still holds offset 5
  EXPECT_EQ(log->segment_base_offsets().front(), Offset(4));
  EXPECT_EQ(log->log_start_offset(), Offset(5));
  EXPECT_EQ(log->delete_records_before(Offset(100)).code(), StatusCode::kOutOfRange);
}

TEST_F(TruncateTest, DeleteRecordsNeverMovesTheStartBack) {
  auto log = open();
  for (int i = 0; i < 4; ++i) append(*log);
  ASSERT_TRUE(log->delete_records_before(Offset(3)).is_ok());
  ASSERT_TRUE(log->delete_records_before(Offset(1)).is_ok());
  EXPECT_EQ(log->log_start_offset(), Offset(3));
}

TEST_F(TruncateTest, RetentionByTimeDeletesExpiredSealedSegments) {
  config_.segment_bytes = 1000;
  config_.retention_ms = 10'000;
  auto log = open();
  int64_t now = clock_.wall_ms();
  for (int i = 0; i < 6; ++i) append(*log, 1, 300, now + i * 1000);  // segments at 0,2,4
  clock_.set_wall_ms(now + 11'500);  // segment 0 (max ts now+1000) is past 10 s
  auto deleted = log->enforce_retention();
  ASSERT_TRUE(deleted.is_ok());
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(log->log_start_offset(), Offset(2));
  clock_.set_wall_ms(now + 100'000);
  deleted = log->enforce_retention();
  EXPECT_EQ(*deleted, 1);  // the active segment stays
  EXPECT_EQ(log->segment_base_offsets(), std::vector<Offset>{Offset(4)});
  EXPECT_EQ(log->log_start_offset(), Offset(4));
}

TEST_F(TruncateTest, RetentionBySizeKeepsTheNewestBytes) {
  config_.segment_bytes = 1000;
  config_.retention_bytes = 1500;
  config_.retention_ms = -1;
  auto log = open();
  for (int i = 0; i < 8; ++i) append(*log, 1, 300);  // 4 segments of 722 bytes
  auto deleted = log->enforce_retention();
  ASSERT_TRUE(deleted.is_ok());
  // 2888 bytes: dropping the oldest 722 leaves 2166 >= 1500, dropping another would leave 1444.
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(log->size_bytes(), 3u * 722);
  EXPECT_EQ(log->log_start_offset(), Offset(2));
}

TEST_F(TruncateTest, RetentionSurvivesReopenWithTheNewStart) {
  config_.segment_bytes = 1000;
  config_.retention_bytes = 700;
  config_.retention_ms = -1;
  {
    auto log = open();
    for (int i = 0; i < 6; ++i) append(*log, 1, 300);
    ASSERT_TRUE(log->enforce_retention().is_ok());
    ASSERT_TRUE(log->close().is_ok());
  }
  auto log = open();
  EXPECT_EQ(log->log_start_offset(), Offset(4));
  EXPECT_EQ(read_all_from(*log, 4).size(), 2u);
}

TEST_F(TruncateTest, SliceOfADeletedSegmentStaysReadable) {
  config_.segment_bytes = 1000;
  config_.retention_bytes = 0;
  config_.retention_ms = -1;
  auto log = open();
  for (int i = 0; i < 4; ++i) append(*log, 1, 300);
  auto r = log->read(Offset(0), 1 << 20, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  auto deleted = log->enforce_retention();
  ASSERT_TRUE(deleted.is_ok());
  ASSERT_EQ(*deleted, 1);
  // The file is unlinked, yet the slice's open fd still reads it.
  EXPECT_FALSE(std::filesystem::exists(segment_path(dir(), 0, ".log")));
  auto bytes = r->records.read_all();
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(parse_batches(*bytes).size(), 2u);
}

}  // namespace
}  // namespace eddy::log::testing
