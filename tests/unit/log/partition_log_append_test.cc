// Leader and follower appends: offset assignment, validation errors, rolls, LogAppendTime.

#include <gtest/gtest.h>

#include "common/crc32c.h"
#include "log/log_format.h"
#include "tests/unit/log/log_fixture.h"

namespace eddy::log::testing {
namespace {

using records::BatchCheck;

class AppendTest : public LogFixture {};

TEST_F(AppendTest, AssignsConsecutiveOffsetsAndLeaderEpoch) {
  auto log = open();
  Bytes a = make_batch(3), b = make_batch(2);
  auto ra = log->append(a, LeaderEpoch(7));
  ASSERT_TRUE(ra.is_ok());
  EXPECT_EQ(ra->base_offset, Offset(0));
  EXPECT_EQ(ra->last_offset, Offset(2));
  auto rb = log->append(b, LeaderEpoch(7));
  ASSERT_TRUE(rb.is_ok());
  EXPECT_EQ(rb->base_offset, Offset(3));
  EXPECT_EQ(rb->last_offset, Offset(4));
  EXPECT_EQ(log->log_end_offset(), Offset(5));

  auto batches = read_all_from(*log, 0);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].base_offset, 0);
  EXPECT_EQ(batches[1].base_offset, 3);
  EXPECT_EQ(batches[1].partition_leader_epoch, 7);
}

TEST_F(AppendTest, SeveralBatchesInOneRequestAreAppendedTogether) {
  auto log = open();
  Bytes req = make_batch(2);
  Bytes second = make_batch(4);
  req.insert(req.end(), second.begin(), second.end());
  auto r = log->append(req, LeaderEpoch(0));
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->batch_count, 2);
  EXPECT_EQ(r->last_offset, Offset(5));
  auto batches = read_all_from(*log, 0);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1].base_offset, 2);
}

TEST_F(AppendTest, StoredBatchKeepsAValidCrc) {
  auto log = open();
  append(*log, 5);
  append(*log, 5);
  auto r = log->read(Offset(5), 1 << 20, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  auto bytes = r->records.read_all();
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(records::check_batch(*bytes, 1 << 20).check, BatchCheck::kValid);
}

TEST_F(AppendTest, BadCrcIsCorruptionAndAppendsNothing) {
  auto log = open();
  append(*log);
  Bytes good = make_batch(1);
  Bytes bad = make_batch(1);
  bad[records::kBatchHeaderSize + 3] ^= 0x40;
  good.insert(good.end(), bad.begin(), bad.end());
  auto r = log->append(good, LeaderEpoch(0));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(log->log_end_offset(), Offset(1));
  EXPECT_EQ(read_all_from(*log, 0).size(), 1u);
}

// The replica layer checks a client's CRC while it validates the records; the log then takes
// its word for it instead of reading every batch a second time.
TEST_F(AppendTest, AlreadyVerifiedCrcIsNotCheckedAgainButEverythingElseIs) {
  auto log = open();
  Bytes bad_crc = make_batch(1);
  bad_crc[records::kBatchHeaderSize + 3] ^= 0x40;
  ASSERT_TRUE(log->append(bad_crc, LeaderEpoch(0), CrcCheck::kAlreadyVerified).is_ok());
  EXPECT_EQ(log->log_end_offset(), Offset(1));
  Bytes bad_count = make_batch(2);
  store_be32(bad_count.data() + records::kRecordsCountPos, 5);
  auto r = log->append(bad_count, LeaderEpoch(0), CrcCheck::kAlreadyVerified);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->log_end_offset(), Offset(1));
}

TEST_F(AppendTest, BadMagicIsCorruption) {
  auto log = open();
  Bytes b = make_batch(1);
  b[records::kMagicPos] = 1;
  auto r = log->append(b, LeaderEpoch(0));
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
}

TEST_F(AppendTest, TrailingPartialBatchIsCorruption) {
  auto log = open();
  Bytes b = make_batch(1);
  Bytes partial = make_batch(1);
  b.insert(b.end(), partial.begin(), partial.begin() + 30);
  auto r = log->append(b, LeaderEpoch(0));
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(log->log_end_offset(), Offset(0));
}

TEST_F(AppendTest, CountNotMatchingLastOffsetDeltaIsInvalidRecord) {
  auto log = open();
  BatchSpec s;
  s.records = 3;
  Bytes b = make_batch(s);
  store_be32(b.data() + records::kRecordsCountPos, 2);
  store_be32(b.data() + records::kCrcPos, records::compute_batch_crc(b));
  auto r = log->append(b, LeaderEpoch(0));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AppendTest, EmptyRequestIsInvalidRecord) {
  auto log = open();
  Bytes empty;
  EXPECT_EQ(log->append(empty, LeaderEpoch(0)).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AppendTest, BatchOverMaxMessageBytesIsTooLarge) {
  config_.max_message_bytes = 1000;
  auto log = open();
  Bytes b = make_batch(1, 2000);
  EXPECT_EQ(log->append(b, LeaderEpoch(0)).status().code(), StatusCode::kTooLarge);
  Bytes ok = make_batch(1, 500);
  EXPECT_TRUE(log->append(ok, LeaderEpoch(0)).is_ok());
}

TEST_F(AppendTest, RollsWhenSegmentBytesWouldBeExceeded) {
  config_.segment_bytes = 1000;
  auto log = open();
  for (int i = 0; i < 10; ++i) append(*log, 1, 300);  // 361 bytes each: two per segment
  EXPECT_EQ(log->segment_count(), 5);
  auto bases = log->segment_base_offsets();
  ASSERT_EQ(bases.size(), 5u);
  for (size_t i = 0; i < bases.size(); ++i) EXPECT_EQ(bases[i], Offset(2 * i));
  EXPECT_EQ(read_all_from(*log, 0).size(), 10u);
}

TEST_F(AppendTest, RollsWhenSegmentMsPassed) {
  config_.segment_ms = 1000;
  auto log = open();
  append(*log);
  clock_.advance_ms(999);
  append(*log);
  EXPECT_EQ(log->segment_count(), 1);
  clock_.advance_ms(1);
  append(*log);
  EXPECT_EQ(log->segment_count(), 2);
  EXPECT_EQ(log->segment_base_offsets().back(), Offset(2));
}

TEST_F(AppendTest, RollsWhenOffsetIndexIsFull) {
  config_.index_interval_bytes = 0;  // an entry for every batch after the first
  config_.segment_index_bytes = 4 * kOffsetIndexEntrySize;  // four entries
  auto log = open();
  for (int i = 0; i < 12; ++i) append(*log);
  EXPECT_GE(log->segment_count(), 2);
  EXPECT_EQ(read_all_from(*log, 0).size(), 12u);
}

TEST_F(AppendTest, LogAppendTimeRewritesMaxTimestampAttributeAndCrc) {
  config_.message_timestamp_type = records::TimestampType::kLogAppendTime;
  auto log = open();
  clock_.set_wall_ms(1'800'000'000'000);
  Bytes b = make_batch(2, 100, 5);
  auto r = log->append(b, LeaderEpoch(0));
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->log_append_time_ms, 1'800'000'000'000);
  auto read = log->read(Offset(0), 1 << 20, log->log_end_offset());
  ASSERT_TRUE(read.is_ok());
  auto bytes = read->records.read_all();
  ASSERT_TRUE(bytes.is_ok());
  auto check = records::check_batch(*bytes, 1 << 20);
  ASSERT_EQ(check.check, BatchCheck::kValid) << check.status.to_string();
  EXPECT_EQ(check.header.max_timestamp, 1'800'000'000'000);
  EXPECT_EQ(check.header.base_timestamp, 5);  // Kafka leaves the first timestamp alone
  EXPECT_EQ(check.header.timestamp_type(), records::TimestampType::kLogAppendTime);
}

TEST_F(AppendTest, CreateTimeKeepsProducerTimestamps) {
  auto log = open();
  Bytes b = make_batch(1, 100, 42);
  auto r = log->append(b, LeaderEpoch(0));
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->log_append_time_ms, -1);
  auto batches = read_all_from(*log, 0);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].max_timestamp, 42);
  EXPECT_EQ(batches[0].timestamp_type(), records::TimestampType::kCreateTime);
}

TEST_F(AppendTest, ConfigChangeAppliesToTheNextAppend) {
  auto log = open();
  append(*log);
  LogConfig c = log->config();
  c.max_message_bytes = 100;
  log->update_config(c);
  Bytes b = make_batch(1, 200);
  EXPECT_EQ(log->append(b, LeaderEpoch(0)).status().code(), StatusCode::kTooLarge);
}

TEST_F(AppendTest, FollowerAppendKeepsOffsetsAndLearnsEpochs) {
  auto log = open();
  BatchSpec s;
  s.records = 3;
  s.base_offset = 0;
  s.leader_epoch = 1;
  Bytes b = make_batch(s);
  s.base_offset = 3;
  s.leader_epoch = 4;
  Bytes c = make_batch(s);
  b.insert(b.end(), c.begin(), c.end());
  auto r = log->append_as_follower(b);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(log->log_end_offset(), Offset(6));
  auto epochs = log->epoch_entries();
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[0], std::make_pair(LeaderEpoch(1), Offset(0)));
  EXPECT_EQ(epochs[1], std::make_pair(LeaderEpoch(4), Offset(3)));
}

TEST_F(AppendTest, FollowerAppendRejectsAGap) {
  auto log = open();
  BatchSpec s;
  s.base_offset = 5;
  Bytes b = make_batch(s);
  EXPECT_EQ(log->append_as_follower(b).status().code(), StatusCode::kOutOfRange);
  s.base_offset = 0;
  Bytes first = make_batch(s);
  s.base_offset = 2;  // skips offset 1
  Bytes gap = make_batch(s);
  first.insert(first.end(), gap.begin(), gap.end());
  EXPECT_EQ(log->append_as_follower(first).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->log_end_offset(), Offset(0));
}

TEST_F(AppendTest, NoSpaceDuringAppendLeavesTheLogUnchanged) {
  auto log = open();
  append(*log);
  uint64_t size = file_size(segment_path(dir(), 0, ".log"));
  faults_.fail_writes(ENOSPC, 1, /*partial_bytes=*/50);
  Bytes b = make_batch(1);
  auto r = log->append(b, LeaderEpoch(0));
  EXPECT_EQ(r.status().code(), StatusCode::kNoSpace);
  EXPECT_EQ(file_size(segment_path(dir(), 0, ".log")), size);
  EXPECT_EQ(log->log_end_offset(), Offset(1));
  // Space is back: the next append lands right after the first batch.
  EXPECT_EQ(append(*log), 1);
  EXPECT_EQ(read_all_from(*log, 0).size(), 2u);
}

TEST_F(AppendTest, TornIndexWriteFailsNothingAndIsRepairedByTheNextPersist) {
  config_.index_interval_bytes = 0;
  config_.segment_bytes = 1000;
  auto log = open();
  for (int i = 0; i < 6; ++i) append(*log, 1, 300);  // sealed segments with index entries
  // The flush's first index write tears after 4 bytes; the data fsync is unaffected.
  faults_.fail_writes(EIO, 1, /*partial_bytes=*/4);
  EXPECT_TRUE(log->flush().is_ok());
  ASSERT_TRUE(log->close().is_ok());
  RecoveryReport report;
  log = open(&report);
  EXPECT_TRUE(report.clean_shutdown);
  EXPECT_EQ(report.indexes_rebuilt, 0);
  EXPECT_EQ(read_all_from(*log, 0).size(), 6u);
}

}  // namespace
}  // namespace eddy::log::testing
