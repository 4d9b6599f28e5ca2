// Reads: index lookups at every boundary, bounds, max_bytes, segments, timestamps.

#include <gtest/gtest.h>

#include "tests/unit/log/log_fixture.h"

namespace eddy::log::testing {
namespace {

class ReadTest : public LogFixture {
 protected:
  // Batches of 1..4 records, 50..450 payload bytes, across several segments.
  std::shared_ptr<PartitionLog> filled_log(int batches) {
    auto log = open();
    for (int i = 0; i < batches; ++i) append(*log, 1 + i % 4, 50 + (i * 97) % 400);
    return log;
  }

  // Every offset is found in exactly the batch that holds it.
  void expect_every_offset_found(const PartitionLog& log) {
    for (int64_t o = 0; o < log.log_end_offset().value(); ++o) {
      auto r = log.read(Offset(o), 1, log.log_end_offset());
      ASSERT_TRUE(r.is_ok()) << "offset " << o << ": " << r.status().to_string();
      auto bytes = r->records.read_all();
      ASSERT_TRUE(bytes.is_ok());
      auto batches = parse_batches(*bytes);
      ASSERT_EQ(batches.size(), 1u) << "offset " << o;
      EXPECT_LE(batches[0].base_offset, o);
      EXPECT_GE(batches[0].last_offset(), o);
      EXPECT_EQ(r->first_offset.value(), batches[0].base_offset);
      EXPECT_EQ(r->next_offset.value(), batches[0].next_offset());
    }
  }
};

TEST_F(ReadTest, IndexLookupFindsEveryOffsetWithAnEntryPerBatch) {
  config_.index_interval_bytes = 0;
  config_.segment_bytes = 4000;
  auto log = filled_log(60);
  ASSERT_GT(log->segment_count(), 3);
  expect_every_offset_found(*log);
}

TEST_F(ReadTest, IndexLookupFindsEveryOffsetWithASparseIndex) {
  config_.index_interval_bytes = 700;
  config_.segment_bytes = 4000;
  auto log = filled_log(60);
  expect_every_offset_found(*log);
}

TEST_F(ReadTest, IndexLookupFindsEveryOffsetWithNoIndexEntries) {
  config_.index_interval_bytes = 1 << 30;
  auto log = filled_log(40);
  expect_every_offset_found(*log);
}

TEST_F(ReadTest, ReadAtTheLogEndIsEmpty) {
  auto log = filled_log(3);
  auto r = log->read(log->log_end_offset(), 1 << 20, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->records.empty());
  EXPECT_EQ(r->next_offset, log->log_end_offset());
}

TEST_F(ReadTest, ReadBeyondTheEndIsOutOfRange) {
  auto log = filled_log(3);
  auto r = log->read(log->log_end_offset() + 1, 1 << 20, log->log_end_offset());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
}

TEST_F(ReadTest, ReadBelowTheLogStartIsOutOfRange) {
  auto log = filled_log(5);
  ASSERT_TRUE(log->delete_records_before(Offset(3)).is_ok());
  EXPECT_EQ(log->read(Offset(2), 1 << 20, log->log_end_offset()).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_TRUE(log->read(Offset(3), 1 << 20, log->log_end_offset()).is_ok());
}

TEST_F(ReadTest, UpperBoundExcludesBatchesReachingIt) {
  auto log = open();
  append(*log, 2);  // 0-1
  append(*log, 2);  // 2-3
  append(*log, 2);  // 4-5
  auto r = log->read(Offset(0), 1 << 20, Offset(4));
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->next_offset, Offset(4));
  EXPECT_EQ(parse_batches(*r->records.read_all()).size(), 2u);
  // A bound inside a batch leaves that batch out.
  r = log->read(Offset(0), 1 << 20, Offset(3));
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->next_offset, Offset(2));
  // At the bound: nothing.
  r = log->read(Offset(4), 1 << 20, Offset(4));
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r->records.empty());
}

TEST_F(ReadTest, MaxBytesReturnsWholeBatchesOnly) {
  auto log = open();
  for (int i = 0; i < 5; ++i) append(*log, 1, 139);  // 200 bytes each
  auto r = log->read(Offset(0), 450, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->records.length, 400u);
  EXPECT_EQ(r->next_offset, Offset(2));
}

TEST_F(ReadTest, EveryMaxBytesEndsOnTheLastWholeBatchThatFits) {
  config_.index_interval_bytes = 0;  // an index entry on every batch boundary to jump to
  auto log = open();
  std::vector<uint64_t> sizes;
  for (int i = 0; i < 40; ++i) {
    size_t payload = 10 + (i * 53) % 250;
    append(*log, 1, payload);
    sizes.push_back(records::kBatchHeaderSize + payload);
  }
  for (int64_t start : {0, 1, 7, 20, 39}) {
    for (uint64_t max_bytes = 1; max_bytes < 6000; max_bytes += 37) {
      uint64_t expect = sizes[start];
      int64_t next = start + 1;
      while (next < 40 && expect + sizes[next] <= max_bytes) expect += sizes[next++];
      auto r = log->read(Offset(start), max_bytes, log->log_end_offset());
      ASSERT_TRUE(r.is_ok());
      EXPECT_EQ(r->records.length, expect) << "start " << start << " max_bytes " << max_bytes;
      EXPECT_EQ(r->next_offset, Offset(next));
    }
  }
  // The bound cuts the jump short too.
  auto r = log->read(Offset(0), 1 << 20, Offset(10));
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->next_offset, Offset(10));
}

TEST_F(ReadTest, AtLeastOneBatchEvenWhenLargerThanMaxBytes) {
  auto log = open();
  append(*log, 1, 5000);
  append(*log, 1, 10);
  auto r = log->read(Offset(0), 100, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->records.length, 5061u);
  EXPECT_EQ(r->next_offset, Offset(1));
}

TEST_F(ReadTest, ReadStopsAtTheSegmentEnd) {
  config_.segment_bytes = 1000;
  auto log = open();
  for (int i = 0; i < 4; ++i) append(*log, 1, 300);  // two per segment
  auto r = log->read(Offset(0), 1 << 20, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->next_offset, Offset(2));
  r = log->read(Offset(2), 1 << 20, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->first_offset, Offset(2));
  EXPECT_EQ(r->next_offset, Offset(4));
}

TEST_F(ReadTest, SliceIsAFileRangeOfTheSegment) {
  auto log = open();
  append(*log, 1, 100);
  append(*log, 1, 100);
  auto r = log->read(Offset(1), 1 << 20, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  EXPECT_GE(r->records.fd, 0);
  EXPECT_EQ(r->records.position, 161u);
  EXPECT_EQ(r->records.length, 161u);
}

TEST_F(ReadTest, OffsetForTimestampFindsTheFirstBatchAtOrAfterIt) {
  config_.segment_bytes = 1000;
  config_.index_interval_bytes = 0;
  auto log = open();
  for (int i = 0; i < 10; ++i) append(*log, 2, 200, 1000 + 100 * i);  // offsets 2i, 2i+1
  auto at = [&](int64_t ts) { return log->offset_for_timestamp(ts); };
  auto r = at(0);
  ASSERT_TRUE(r.is_ok() && r->has_value());
  EXPECT_EQ((*r)->offset, Offset(0));
  r = at(1000);
  EXPECT_EQ((*r)->offset, Offset(0));
  r = at(1001);
  EXPECT_EQ((*r)->offset, Offset(2));
  EXPECT_EQ((*r)->timestamp_ms, 1100);
  r = at(1550);
  EXPECT_EQ((*r)->offset, Offset(12));
  r = at(1900);
  EXPECT_EQ((*r)->offset, Offset(18));
  r = at(1901);
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->has_value());
}

TEST_F(ReadTest, OffsetForTimestampWithOutOfOrderTimestamps) {
  auto log = open();
  append(*log, 1, 100, 500);
  append(*log, 1, 100, 300);
  append(*log, 1, 100, 700);
  auto r = log->offset_for_timestamp(400);
  ASSERT_TRUE(r.is_ok() && r->has_value());
  EXPECT_EQ((*r)->offset, Offset(0));
  r = log->offset_for_timestamp(600);
  EXPECT_EQ((*r)->offset, Offset(2));
}

TEST_F(ReadTest, OffsetForTimestampSurvivesReopen) {
  config_.index_interval_bytes = 0;
  {
    auto log = open();
    for (int i = 0; i < 10; ++i) append(*log, 1, 100, 100 * i);
    ASSERT_TRUE(log->close().is_ok());
  }
  auto log = open();
  auto r = log->offset_for_timestamp(450);
  ASSERT_TRUE(r.is_ok() && r->has_value());
  EXPECT_EQ((*r)->offset, Offset(5));
}

}  // namespace
}  // namespace eddy::log::testing
