// The log cleaner and reads (log/log_cleaner.h, PartitionLog::read): holes served to replicas and
// consumers, record-less batches passed over for consumers, scrubs and reads across swaps.

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "log/file_handle_budget.h"
#include "log/log_segment.h"
#include "tests/unit/log/cleaner_fixture.h"

namespace eddy::log::testing {
namespace {

TEST_F(CleanerTest, HolesAreServedByReadAndOffsetForTimestamp) {
  auto log = open();
  // a@0..9 superseded by a@10; b@11 kept.
  for (int i = 0; i < 10; ++i) {
    std::string value = "v";
    value += std::to_string(i);  // not "v" + ...: GCC 12 warns wrongly (-Wrestrict) on that
    append_kv(*log, {{"a", value}});
    clock_.advance_ms(10);
  }
  int64_t ts_a10 = clock_.wall_ms();
  append_kv(*log, {{"a", "last"}, {"b", "b"}});
  seal(*log);
  clean(*log);
  // A read at an offset that was removed answers the batch covering it (an empty filler), and
  // the next read goes on to the next record.
  auto r = log->read(Offset(3), 1 << 20, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  auto recs = read_records(*log);
  ASSERT_GE(recs.size(), 2u);
  EXPECT_EQ(recs[0].offset, 10);
  EXPECT_EQ(recs[1].offset, 11);
  // ListOffsets by the timestamp of a removed record: the first kept record at or after it.
  auto t = log->offset_for_timestamp(ts_a10 - 50);
  ASSERT_TRUE(t.is_ok());
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->offset.value(), 10);
  // Earliest and latest are unchanged.
  EXPECT_EQ(log->log_start_offset().value(), 0);
}

// Segments whose records were all removed hold only record-less batches. A consumer's read at
// their offsets is served, in one response, from the first batch with records however many such
// segments come first (librdkafka took ten record-less responses in a row for a record too large
// and gave up with MSG_SIZE_TOO_LARGE); a replica's read still gets every batch, contiguous.
TEST_F(CleanerTest, AConsumerReadPassesOverSegmentsWithNoRecordsInOneResponse) {
  auto log = open();
  auto want = write_updates(*log, 2000, 10);
  clean(*log);
  // The batches of the first segments, as a replica reads them: none has a record left.
  auto batches = [](const ReadResult& r) {
    std::vector<records::BatchHeader> out;
    Bytes bytes = *r.records.read_all();
    for (size_t pos = 0; pos < bytes.size();) {
      out.push_back(records::read_batch_header(bytes.data() + pos));
      pos += out.back().size_bytes();
    }
    return out;
  };
  int64_t first_record = -1;
  int empty_segments = 0;
  for (int64_t cur = 0; first_record < 0 && cur < log->log_end_offset().value();) {
    auto r = log->read(Offset(cur), 1 << 20, log->log_end_offset());
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(r->first_offset.value(), cur);  // contiguous
    for (const auto& h : batches(*r)) {
      if (h.records_count > 0) {
        first_record = h.base_offset;
        break;
      }
    }
    if (first_record < 0) ++empty_segments;
    cur = r->next_offset.value();
  }
  ASSERT_GT(first_record, 0);
  ASSERT_GE(empty_segments, 10);
  // A consumer at 0 gets the first batch with records at once.
  auto r = log->read(Offset(0), 1 << 20, log->log_end_offset(), ReadFor::kConsumer);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_FALSE(r->records.empty());
  auto got = batches(*r);
  EXPECT_EQ(got.front().base_offset, first_record);
  EXPECT_GT(got.front().records_count, 0);
  EXPECT_EQ(r->first_offset.value(), first_record);
  // Nothing with records below the bound: the last record-less batch alone, which moves the
  // consumer's position up to the bound instead of leaving it below with an empty answer.
  r = log->read(Offset(0), 1 << 20, Offset(first_record), ReadFor::kConsumer);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  got = batches(*r);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.front().records_count, 0);
  EXPECT_EQ(r->next_offset.value(), first_record);
  // What is passed over is bounded by max_bytes: a small fetch passes over what its bytes allow
  // and is served the batch after, which moves it on.
  r = log->read(Offset(0), 100, log->log_end_offset(), ReadFor::kConsumer);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_FALSE(r->records.empty());
  EXPECT_GT(r->next_offset.value(), 0);
  expect_latest(*log, want);
}

// Only a batch that is its header alone is passed over: one whose count was damaged to 0 but that
// carries records is served, for the client's CRC check to report, never skipped in silence.
TEST_F(CleanerTest, AConsumerReadServesABatchWhoseCountSaysNoRecordsButCarriesSome) {
  auto log = with_first_batch_damaged({{"a", "1"}}, [](Bytes& data) {
    for (size_t i = 0; i < 4; ++i) data[records::kRecordsCountPos + i] = 0;
  });
  auto r = log->read(Offset(0), 1 << 20, log->log_end_offset(), ReadFor::kConsumer);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->first_offset.value(), 0);
}

// The scrubber stopped inside a segment that a cleaner's swap then replaced by a new file at
// the same base offset: the scrubber starts that segment over instead of reading the new file
// at the old file's position, which made it report damage that was not there (and fetches of
// the offsets it named answered CORRUPT_MESSAGE: the confluent-kafka stall at offset 0).
TEST_F(CleanerTest, AScrubInASegmentTheCleanerReplacedStartsItOver) {
  auto log = open();
  // Batches of 5 keys written once and 5 updated later: cleaning rewrites every batch shorter,
  // so that the old file's positions fall inside the new file's batches.
  for (int b = 0; b < 40; ++b) {
    std::vector<std::pair<std::string, std::optional<std::string>>> kvs;
    for (int i = 0; i < 10; ++i) {
      std::string key =
          i % 2 == 0 ? "once-" + std::to_string(b * 10 + i) : "hot-" + std::to_string(i);
      kvs.emplace_back(key, std::string(30, 'x'));
    }
    append_kv(*log, kvs);
  }
  seal(*log);
  ScrubCursor cursor;
  auto p = log->scrub(&cursor, 500);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ASSERT_EQ(cursor.segment_base, 0);
  ASSERT_GT(cursor.position, 0u);
  CleanStats s = clean(*log);
  ASSERT_GT(s.segments_out, 0);
  ASSERT_EQ(log->segment_base_offsets().front().value(), 0);
  bool complete = false;
  for (int i = 0; i < 100 && !complete; ++i) {
    p = log->scrub(&cursor, 1 << 20);
    ASSERT_TRUE(p.is_ok()) << p.status().to_string();
    complete = p->pass_complete;
  }
  EXPECT_TRUE(complete);
  EXPECT_FALSE(log->has_damage());
  auto r = log->read(Offset(0), 1 << 20, log->log_end_offset());
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
}

// A segment that holds one offset (a compacted __consumer_offsets rolls by segment.ms after
// a single commit): once the scrubber finished it, the next segment's base is the finished
// one's plus one, and the scrubber must not take the finished segment's cursor for the next
// one's (it recorded damage at offset 0 of segment 1: "batch base offset 1 where 0 was
// expected").
TEST_F(CleanerTest, AScrubOfASegmentOfOneOffsetStartsTheNextOneAfresh) {
  auto log = open();
  append_kv(*log, {{"a", "1"}});
  seal(*log);
  ASSERT_EQ(log->segment_base_offsets().at(1).value(), 1);
  write_updates(*log, 50, 5);
  ScrubCursor cursor;
  bool complete = false;
  for (int i = 0; i < 100 && !complete; ++i) {
    auto p = log->scrub(&cursor, 1 << 20);
    ASSERT_TRUE(p.is_ok()) << p.status().to_string();
    complete = p->pass_complete;
  }
  EXPECT_TRUE(complete);
  EXPECT_FALSE(log->has_damage());
}

// Readers read from the start while the cleaner swaps segments under them, with a file-handle
// budget so small that the replaced segments' files get closed: every read succeeds and moves
// on, none reopens a replaced segment's file by a name that now names the cleaned file (or
// nothing), and none takes a swap for damage.
TEST_F(CleanerTest, ReadersDuringSwapsAlwaysMoveOn) {
  FileHandleBudget budget(3);  // few descriptors: replaced segments' files get closed and reopened
  PartitionLogOptions o = options();
  o.file_budget = &budget;
  auto opened = PartitionLog::open(o);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  std::shared_ptr<PartitionLog> log = std::move(opened).value();
  write_updates(*log, 400, 20);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> stalls{0}, errors{0}, scans{0};
  std::mutex mu;
  std::string first_problem;
  auto problem = [&](const std::string& what) {
    std::lock_guard lock(mu);
    if (first_problem.empty()) first_problem = what;
  };
  auto reader = [&](uint64_t max_bytes) {
    while (!stop.load()) {
      int64_t cur = log->log_start_offset().value();
      const int64_t end = log->log_end_offset().value();
      while (cur < end) {
        // Up to the log end as it is now, as a follower (or a consumer of a single replica)
        // reads: everything the cleaner touched is below it.
        auto r = log->read(Offset(cur), max_bytes, log->log_end_offset());
        if (!r.is_ok()) {
          ++errors;
          problem("read at " + std::to_string(cur) + ": " + r.status().to_string());
          break;
        }
        if (r->records.empty() || r->next_offset.value() <= cur) {
          ++stalls;
          problem("no progress at " + std::to_string(cur) + " of " + std::to_string(end));
          break;
        }
        cur = r->next_offset.value();
      }
      ++scans;
    }
  };
  std::thread small(reader, 100);
  std::thread large(reader, 1 << 20);
  for (int round = 0; round < 40; ++round) {
    write_updates(*log, 200, 20);
    clean(*log);
  }
  stop = true;
  small.join();
  large.join();
  EXPECT_GT(scans.load(), 0);
  EXPECT_EQ(errors.load(), 0) << first_problem;
  EXPECT_EQ(stalls.load(), 0) << first_problem;
  EXPECT_FALSE(log->has_damage());
}

}  // namespace
}  // namespace eddy::log::testing
