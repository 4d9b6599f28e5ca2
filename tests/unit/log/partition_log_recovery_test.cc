// Reopening after clean and unclean stops; crash damage of every kind; fsync failure.

#include <gtest/gtest.h>

#include <random>

#include "log/log_format.h"
#include "tests/unit/log/log_fixture.h"

namespace eddy::log::testing {
namespace {

class RecoveryTest : public LogFixture {
 protected:
  // Appends `n` batches of varying sizes; returns the end position of each batch in its file
  // (single segment: segment_bytes is 1 MiB).
  std::vector<uint64_t> fill(PartitionLog& log, int n) {
    std::vector<uint64_t> ends;
    uint64_t pos = 0;
    for (int i = 0; i < n; ++i) {
      size_t payload = 20 + (i * 37) % 300;
      append(log, 1 + i % 3, payload);
      pos += records::kBatchHeaderSize + payload;
      ends.push_back(pos);
    }
    return ends;
  }

  // The log holds exactly the first `n` batches the fill() wrote, all readable.
  void expect_prefix(const PartitionLog& log, int n) {
    auto batches = read_all_from(log, 0);
    ASSERT_EQ(static_cast<int>(batches.size()), n);
    int64_t next = 0;
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(batches[i].base_offset, next);
      EXPECT_EQ(batches[i].records_count, 1 + i % 3);
      next = batches[i].next_offset();
    }
    EXPECT_EQ(log.log_end_offset(), Offset(next));
  }

  // fill(n) and a clean close; returns fill()'s batch end positions.
  std::vector<uint64_t> fill_and_close(int n) {
    auto log = open();
    auto ends = fill(*log, n);
    EXPECT_TRUE(log->close().is_ok());
    return ends;
  }

  static Bytes random_bytes(size_t n, uint32_t seed) {
    Bytes out(n);
    std::mt19937 rng(seed);
    for (auto& b : out) b = static_cast<uint8_t>(rng());
    return out;
  }

  std::string log_file() const { return segment_path(dir(), 0, kLogSuffix); }
};

TEST_F(RecoveryTest, CleanReopenKeepsEverythingWithoutScanning) {
  fill_and_close(20);
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_TRUE(report.clean_shutdown);
  EXPECT_EQ(report.segments_scanned, 0);
  EXPECT_FALSE(report.truncated);
  expect_prefix(*log, 20);
  EXPECT_FALSE(std::filesystem::exists(dir() + "/" + kCleanShutdownFile));
}

TEST_F(RecoveryTest, CheckpointsRoundTrip) {
  {
    auto log = open();
    append(*log, 1, 100, 0, 3);
    append(*log, 1, 100, 0, 3);
    append(*log, 1, 100, 0, 5);
    append(*log, 1, 100, 0, 5);
    ASSERT_TRUE(log->delete_records_before(Offset(1)).is_ok());
    ASSERT_TRUE(log->close().is_ok());
  }
  auto cp = read_file(dir() + "/" + kCheckpointFile);
  EXPECT_EQ(std::string(cp.begin(), cp.end()), "0\n2\nlog_start_offset 1\nrecovery_point 4\n");
  auto epochs = read_file(dir() + "/" + kLeaderEpochCheckpointFile);
  EXPECT_EQ(std::string(epochs.begin(), epochs.end()), "0\n2\n3 1\n5 2\n");
  auto log = open();
  EXPECT_EQ(log->log_start_offset(), Offset(1));
  EXPECT_EQ(log->recovery_point(), Offset(4));
  auto e = log->epoch_entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0], std::make_pair(LeaderEpoch(3), Offset(1)));
  EXPECT_EQ(e[1], std::make_pair(LeaderEpoch(5), Offset(2)));
}

TEST_F(RecoveryTest, UncleanReopenScansAndKeepsIntactBatches) {
  {
    auto log = open();
    fill(*log, 15);
  }  // no close(): no marker
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_FALSE(report.clean_shutdown);
  EXPECT_EQ(report.segments_scanned, 1);
  EXPECT_EQ(report.batches_recovered, 15);
  EXPECT_FALSE(report.truncated);
  expect_prefix(*log, 15);
}

TEST_F(RecoveryTest, UncleanRecoveryRelearnsLeaderEpochs) {
  {
    auto log = open();
    append(*log, 1, 100, 0, 2);
    append(*log, 1, 100, 0, 9);
  }
  std::filesystem::remove(dir() + "/" + kLeaderEpochCheckpointFile);
  auto log = open();
  auto e = log->epoch_entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1], std::make_pair(LeaderEpoch(9), Offset(1)));
}

TEST_F(RecoveryTest, TruncatedAtRandomPositionsKeepsEveryWholeBatchBefore) {
  std::mt19937_64 rng(20261122);
  for (int iter = 0; iter < 25; ++iter) {
    std::filesystem::remove_all(dir());
    std::vector<uint64_t> ends;
    {
      auto log = open();
      ends = fill(*log, 12);
    }
    uint64_t cut = rng() % (ends.back() + 1);
    truncate_file(log_file(), cut);
    int whole = static_cast<int>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin());
    RecoveryReport report;
    auto log = open(&report);
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_prefix(*log, whole);
    bool torn = whole == 0 ? cut > 0 : cut != ends[whole - 1];
    EXPECT_EQ(report.truncated, torn);
    EXPECT_EQ(file_size(log_file()), whole == 0 ? 0 : ends[whole - 1]);
    // The log accepts appends right after the last intact batch.
    int64_t leo = log->log_end_offset().value();
    EXPECT_EQ(append(*log), leo);
  }
}

TEST_F(RecoveryTest, FlippedBytesCutTheLogAtTheDamagedBatch) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 25; ++iter) {
    std::filesystem::remove_all(dir());
    std::vector<uint64_t> ends;
    {
      auto log = open();
      ends = fill(*log, 12);
    }
    // Any byte but the leader epoch (bytes 12-15 of a batch): it lies outside the CRC by
    // Kafka's design and is not something recovery can check.
    uint64_t pos;
    int damaged;
    do {
      pos = rng() % ends.back();
      damaged = static_cast<int>(std::upper_bound(ends.begin(), ends.end(), pos) - ends.begin());
      uint64_t start = damaged == 0 ? 0 : ends[damaged - 1];
      if (pos - start < 12 || pos - start >= 16) break;
    } while (true);
    Bytes data = read_file(log_file());
    data[pos] ^= static_cast<uint8_t>(1 + rng() % 255);
    write_file(log_file(), data);
    RecoveryReport report;
    auto log = open(&report);
    SCOPED_TRACE("flipped byte " + std::to_string(pos) + " in batch " + std::to_string(damaged));
    EXPECT_TRUE(report.truncated);
    expect_prefix(*log, damaged);
  }
}

TEST_F(RecoveryTest, GarbageAfterTheLastBatchIsCut) {
  std::vector<uint64_t> ends;
  {
    auto log = open();
    ends = fill(*log, 5);
  }
  append_to_file(log_file(), random_bytes(3000, 1));
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_TRUE(report.truncated);
  EXPECT_EQ(report.bytes_truncated, 3000u);
  EXPECT_EQ(report.truncated_at, log->log_end_offset());
  EXPECT_FALSE(report.reason.empty());
  expect_prefix(*log, 5);
  EXPECT_EQ(file_size(log_file()), ends.back());
}

TEST_F(RecoveryTest, GarbageAfterACleanShutdownIsStillCut) {
  fill_and_close(5);
  append_to_file(log_file(), Bytes(100, 0x55));
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_TRUE(report.truncated);
  expect_prefix(*log, 5);
}

TEST_F(RecoveryTest, DeletedIndexIsRebuilt) {
  config_.index_interval_bytes = 0;
  fill_and_close(30);
  std::filesystem::remove(segment_path(dir(), 0, kIndexSuffix));
  std::filesystem::remove(segment_path(dir(), 0, kTimeIndexSuffix));
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_EQ(report.indexes_rebuilt, 1);
  EXPECT_GT(file_size(segment_path(dir(), 0, kIndexSuffix)), 0u);
  expect_prefix(*log, 30);
}

TEST_F(RecoveryTest, GarbageIndexIsRebuilt) {
  config_.index_interval_bytes = 0;
  fill_and_close(30);
  write_file(segment_path(dir(), 0, kIndexSuffix), random_bytes(80, 3));
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_EQ(report.indexes_rebuilt, 1);
  expect_prefix(*log, 30);
}

TEST_F(RecoveryTest, IndexPointingAtTheWrongBatchIsNotTrusted) {
  config_.index_interval_bytes = 0;
  std::vector<uint64_t> ends = fill_and_close(30);
  // Well-formed and ordered, but each entry names the batch after the one it points at; the
  // last one is right, so opening does not notice.
  std::string index = segment_path(dir(), 0, kIndexSuffix);
  Bytes data = read_file(index);
  size_t n = data.size() / kOffsetIndexEntrySize;
  ASSERT_GT(n, 5u);
  for (size_t i = 0; i + 1 < n; ++i) {
    uint32_t rel = load_be32(data.data() + i * 8);
    store_be32(data.data() + i * 8, rel + 2);
  }
  write_file(index, data);
  auto log = open();
  for (int64_t o = 0; o < log->log_end_offset().value(); ++o) {
    auto r = log->read(Offset(o), 1, log->log_end_offset());
    ASSERT_TRUE(r.is_ok());
    auto batches = parse_batches(*r->records.read_all());
    ASSERT_EQ(batches.size(), 1u);
    EXPECT_LE(batches[0].base_offset, o);
    EXPECT_GE(batches[0].last_offset(), o);
  }
  // The background pass rebuilds what the reads found wrong.
  ASSERT_TRUE(log->maybe_roll_and_flush().is_ok());
  Bytes rebuilt = read_file(index);
  EXPECT_NE(rebuilt, data);
}

TEST_F(RecoveryTest, CorruptCheckpointFallsBackToAFullScan) {
  fill_and_close(6);
  write_file(dir() + "/" + kCheckpointFile, Bytes{'x', '\n'});
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_FALSE(report.clean_shutdown);
  EXPECT_EQ(report.segments_scanned, 1);
  expect_prefix(*log, 6);
}

TEST_F(RecoveryTest, SegmentsBelowTheCheckpointedStartAreDeleted) {
  config_.segment_bytes = 1000;
  {
    auto log = open();
    for (int i = 0; i < 6; ++i) append(*log, 1, 300);
    ASSERT_TRUE(log->delete_records_before(Offset(4)).is_ok());
    ASSERT_TRUE(log->close().is_ok());  // retention never ran
  }
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_EQ(report.segments_deleted, 2);
  EXPECT_EQ(log->segment_base_offsets().front(), Offset(4));
}

TEST_F(RecoveryTest, FsyncFailureFailsTheLogAndItsWaiters) {
  auto log = open();
  append(*log);
  Status got = Status::ok();
  bool called = false;
  log->on_durable(Offset(0), [&](const Status& s) {
    called = true;
    got = s;
  });
  faults_.fail_syncs(EIO);
  EXPECT_EQ(log->flush().code(), StatusCode::kIoError);
  EXPECT_TRUE(called);
  EXPECT_EQ(got.code(), StatusCode::kIoError);
  Bytes b = make_batch(1);
  EXPECT_EQ(log->append(b, LeaderEpoch(0)).status().code(), StatusCode::kFailedPrecondition);
  // What was appended is still readable.
  EXPECT_EQ(read_all_from(*log, 0).size(), 1u);
}

TEST_F(RecoveryTest, EnospcMidAppendThenCrashRecoversTheAcknowledgedPrefix) {
  auto log = open();
  fill(*log, 4);
  ASSERT_TRUE(log->flush().is_ok());
  faults_.fail_writes(ENOSPC, 1, /*partial_bytes=*/40);
  Bytes b = make_batch(1);
  EXPECT_EQ(log->append(b, LeaderEpoch(0)).status().code(), StatusCode::kNoSpace);
  log.reset();  // crash
  auto again = open();
  expect_prefix(*again, 4);
}

}  // namespace
}  // namespace eddy::log::testing
