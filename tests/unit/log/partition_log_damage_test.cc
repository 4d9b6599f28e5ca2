// Damage in sealed segments: reads never serve it (framing checked on every read), the scrubber
// finds what framing cannot (a payload byte, by CRC) within its I/O bound, and recovery keeps
// the segments after damage aside instead of deleting them (docs/storage.md, "Damage and
// quarantine").

#include <gtest/gtest.h>

#include <filesystem>

#include "log/log_format.h"
#include "log/scrubber.h"
#include "tests/unit/log/log_fixture.h"

namespace eddy::log::testing {
namespace {

class DamageTest : public LogFixture {
 protected:
  // Segments of ~180 one-record batches, with an index entry every few batches: a clean open
  // scans only the headers after a segment's last index entry, so damage earlier in a sealed
  // segment is not seen at open, only by reads and the scrubber.
  DamageTest() {
    config_.segment_bytes = 64 * 1024;
    config_.index_interval_bytes = 1024;
  }

  // Three segments of one-record batches (offset i is batch i), closed cleanly; their bases.
  std::vector<int64_t> fill_three_segments() {
    auto log = open();
    while (log->segment_count() < 3) append(*log, 1, 300);
    append(*log, 1, 300);
    std::vector<int64_t> bases;
    for (Offset o : log->segment_base_offsets()) bases.push_back(o.value());
    EXPECT_TRUE(log->close().is_ok());
    return bases;
  }

  // Where the batch at `offset` starts in the segment file at `base`.
  uint64_t position_of(int64_t base, int64_t offset) {
    Bytes data = read_file(segment_path(dir(), base, kLogSuffix));
    uint64_t pos = 0;
    for (const auto& h : parse_batches(data)) {
      if (h.base_offset == offset) return pos;
      pos += h.size_bytes();
    }
    ADD_FAILURE() << "no batch at offset " << offset;
    return 0;
  }

  void flip(int64_t base, uint64_t pos, uint8_t mask) {
    std::string path = segment_path(dir(), base, kLogSuffix);
    Bytes data = read_file(path);
    data[pos] ^= mask;
    write_file(path, data);
  }

  // What a consumer fetching from `from` in fetches of `max_bytes` is served: the base offset
  // of every batch received, in order, until the first error (or the end).
  struct Consumed {
    std::vector<int64_t> offsets;
    Status error;
  };
  static Consumed consume(const PartitionLog& log, int64_t from, uint64_t max_bytes = 1 << 20) {
    Consumed c;
    int64_t cur = from;
    // Bounded: each read moves forward or ends the loop.
    while (cur < log.log_end_offset().value()) {
      auto r = log.read(Offset(cur), max_bytes, log.log_end_offset());
      if (!r.is_ok()) {
        c.error = r.status();
        break;
      }
      if (r->records.empty()) break;
      auto bytes = r->records.read_all();
      EXPECT_TRUE(bytes.is_ok());
      for (const auto& h : parse_batches(*bytes)) c.offsets.push_back(h.base_offset);
      cur = r->next_offset.value();
    }
    return c;
  }

  static std::vector<int64_t> iota(int64_t from, int64_t to) {
    std::vector<int64_t> v;
    for (int64_t i = from; i < to; ++i) v.push_back(i);
    return v;
  }
};

TEST_F(DamageTest, AFlippedBaseOffsetInASealedSegmentIsNeverServedUnderAWrongOffset) {
  auto bases = fill_three_segments();
  flip(bases[0], position_of(bases[0], 20) + 6, 0x01);  // base offset 20 -> 276
  auto log = open();
  Consumed c = consume(*log, 0);
  EXPECT_EQ(c.offsets, iota(0, 20));
  EXPECT_EQ(c.error.code(), StatusCode::kCorruption) << c.error.to_string();
  // Recorded from the damaged batch to its segment's end; the next segment is served.
  ASSERT_EQ(log->damaged_ranges().size(), 1u);
  EXPECT_EQ(log->damaged_ranges()[0].from, Offset(20));
  EXPECT_EQ(log->damaged_ranges()[0].to, Offset(bases[1]));
  EXPECT_TRUE(log->damaged_at(Offset(bases[1] - 1)));
  EXPECT_EQ(consume(*log, bases[1]).offsets, iota(bases[1], log->log_end_offset().value()));
  // A fetch in the middle of the damaged range does not skip ahead to healthy data either.
  EXPECT_EQ(log->read(Offset(40), 1 << 20, log->log_end_offset()).status().code(),
            StatusCode::kCorruption);
}

TEST_F(DamageTest, AFlippedLengthIsNeverServedAndAnswersAnErrorInsteadOfNothing) {
  auto bases = fill_three_segments();
  flip(bases[0], position_of(bases[0], 20) + 10, 0x01);  // batch_length + 256: still in the file
  auto log = open();
  Consumed c = consume(*log, 0);
  // The batch whose length lies is held back too (its CRC no longer matches), so a client never
  // receives a batch framed by a wrong length.
  EXPECT_EQ(c.offsets, iota(0, 20));
  EXPECT_EQ(c.error.code(), StatusCode::kCorruption) << c.error.to_string();
  // Fetching at the damage is an error every time, never an empty answer a consumer waits on.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(log->read(Offset(20), 1 << 20, log->log_end_offset()).status().code(),
              StatusCode::kCorruption);
  }
}

TEST_F(DamageTest, AFlippedLengthHighByteIsNeverServed) {
  auto bases = fill_three_segments();
  flip(bases[0], position_of(bases[0], 20) + 9, 0x40);  // a length past the segment's end
  auto log = open();
  Consumed c = consume(*log, 0, /*max_bytes=*/4096);
  EXPECT_EQ(c.offsets, iota(0, 20));
  EXPECT_EQ(c.error.code(), StatusCode::kCorruption);
}

TEST_F(DamageTest, DamageFoundByAReadIsStillRefusedAfterARestart) {
  auto bases = fill_three_segments();
  flip(bases[0], position_of(bases[0], 20) + 6, 0x01);
  {
    auto log = open();
    EXPECT_EQ(consume(*log, 0).error.code(), StatusCode::kCorruption);
    EXPECT_TRUE(log->close().is_ok());
  }
  EXPECT_TRUE(std::filesystem::exists(dir() + "/" + kDamageFile));
  auto log = open();
  EXPECT_TRUE(log->damaged_at(Offset(20)));
  EXPECT_EQ(log->read(Offset(25), 1 << 20, log->log_end_offset()).status().code(),
            StatusCode::kCorruption);
}

TEST_F(DamageTest, RetentionPastADamagedSegmentForgetsItsRange) {
  auto bases = fill_three_segments();
  flip(bases[0], position_of(bases[0], 20) + 6, 0x01);
  auto log = open();
  EXPECT_EQ(consume(*log, 0).error.code(), StatusCode::kCorruption);
  ASSERT_TRUE(log->has_damage());
  ASSERT_TRUE(log->delete_records_before(Offset(bases[1])).is_ok());
  EXPECT_FALSE(log->has_damage());
  EXPECT_FALSE(std::filesystem::exists(dir() + "/" + kDamageFile));
}

TEST_F(DamageTest, TheScrubberFindsAFlippedPayloadByteWithinItsIoBound) {
  auto bases = fill_three_segments();
  // A payload byte: framing is intact, only the CRC can tell.
  flip(bases[1], position_of(bases[1], bases[1] + 5) + 100, 0x80);
  auto log = open();
  // Framing checks pass it (the bytes go out by sendfile unread): the scrubber's to find.
  EXPECT_EQ(consume(*log, bases[1], 4096).offsets.front(), bases[1]);

  ScrubberOptions so;
  so.bytes_per_second = 100 * 1024;
  so.burst_bytes = 8 * 1024;
  so.clock = &clock_;
  Scrubber scrubber(so, [&] { return std::vector<std::shared_ptr<PartitionLog>>{log}; });
  const uint64_t max_batch = records::kBatchHeaderSize + 300;
  int64_t elapsed_ms = 0;
  // Bounded: two sealed segments of ~64 KiB at 100 KiB/s take about 1.3 s of clock.
  for (int round = 0; round < 1000 && scrubber.passes() == 0; ++round) {
    clock_.advance_ms(50);
    elapsed_ms += 50;
    uint64_t read = scrubber.run_once();
    // Each round reads no more than the bucket held (refill capped at the burst) plus one batch.
    EXPECT_LE(read, so.burst_bytes + max_batch);
    // And in total no more than the burst, the rate over the time so far, and one batch.
    EXPECT_LE(scrubber.bytes_read(),
              so.burst_bytes + so.bytes_per_second * static_cast<uint64_t>(elapsed_ms) / 1000 +
                  max_batch);
  }
  EXPECT_EQ(scrubber.passes(), 1u);
  ASSERT_EQ(log->damaged_ranges().size(), 1u);
  EXPECT_EQ(log->damaged_ranges()[0].from, Offset(bases[1] + 5));
  EXPECT_EQ(log->read(Offset(bases[1] + 5), 1 << 20, log->log_end_offset()).status().code(),
            StatusCode::kCorruption);
  // Reads before it stop short of it.
  EXPECT_EQ(consume(*log, bases[1]).offsets, iota(bases[1], bases[1] + 5));
  // Both sealed segments were read whole once, and nothing more: the active one is left out.
  uint64_t sealed = file_size(segment_path(dir(), bases[0], kLogSuffix)) +
                    file_size(segment_path(dir(), bases[1], kLogSuffix));
  EXPECT_LE(scrubber.bytes_read(), 2 * sealed);
}

TEST_F(DamageTest, TheScrubberReportsDamageThroughTheCallback) {
  auto bases = fill_three_segments();
  flip(bases[0], position_of(bases[0], 7) + 80, 0x01);
  std::vector<DamagedRange> reported;
  PartitionLogOptions o = options();
  o.on_damage = [&](const DamagedRange& d) { reported.push_back(d); };
  auto log = PartitionLog::open(o).value();
  ScrubberOptions so;
  so.bytes_per_second = 1 << 30;
  so.burst_bytes = 1 << 30;
  so.clock = &clock_;
  Scrubber scrubber(so, [&] { return std::vector<std::shared_ptr<PartitionLog>>{log}; });
  scrubber.run_once();
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].from, Offset(7));
  EXPECT_NE(reported[0].segment.find(".log"), std::string::npos);
  EXPECT_NE(reported[0].why.find("CRC"), std::string::npos) << reported[0].why;
}

// After an unclean stop, damage in a closed segment used to cut the log there and delete every
// later segment: acknowledged records gone and their offsets handed to new ones.
TEST_F(DamageTest, UncleanStopDamageInAClosedSegmentKeepsTheLaterSegmentsAside) {
  config_.segment_bytes = 1000;
  {
    auto log = open();
    for (int i = 0; i < 8; ++i) append(*log, 1, 300);  // segments at 0,2,4,6
  }
  // The checkpoint says nothing was flushed: every segment is scanned.
  std::filesystem::remove(dir() + "/" + kCheckpointFile);
  flip(2, 400, 0xff);  // inside the second batch of segment 2 (offset 3)
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_TRUE(report.truncated);
  EXPECT_EQ(report.segments_deleted, 0);
  EXPECT_EQ(report.segments_quarantined, 2);
  EXPECT_EQ(report.damaged_from, Offset(3));
  EXPECT_EQ(report.damaged_to, Offset(8));
  // Kept, not deleted: the damaged segment as it was and both later ones.
  std::string q = report.quarantine_dir;
  ASSERT_FALSE(q.empty());
  EXPECT_EQ(file_size(segment_path(q, 2, kLogSuffix)), 722u);
  EXPECT_EQ(file_size(segment_path(q, 4, kLogSuffix)), 722u);
  EXPECT_EQ(file_size(segment_path(q, 6, kLogSuffix)), 722u);
  EXPECT_FALSE(std::filesystem::exists(segment_path(dir(), 4, kLogSuffix)));
  // The prefix is served; the damaged offsets are an error, never reused by an append.
  EXPECT_EQ(read_all_from(*log, 0).size(), 3u);
  EXPECT_EQ(log->log_end_offset(), Offset(3));
  EXPECT_TRUE(log->damaged_at(Offset(3)));
  EXPECT_TRUE(log->damaged_at(Offset(7)));
  EXPECT_EQ(log->read(Offset(3), 1 << 20, log->log_end_offset()).status().code(),
            StatusCode::kCorruption);
  Bytes b = make_batch(1);
  EXPECT_EQ(log->append(b, LeaderEpoch(0)).status().code(), StatusCode::kFailedPrecondition);
  // A restart keeps all of it.
  log.reset();
  RecoveryReport again;
  log = open(&again);
  EXPECT_EQ(again.damaged_from, Offset(3));
  EXPECT_EQ(log->log_end_offset(), Offset(3));
  EXPECT_EQ(log->append(b, LeaderEpoch(0)).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(segment_path(q, 6, kLogSuffix)));
}

// The seam for replication: a replica truncates to the start of its damage and refetches the
// offsets from its leader; the truncation clears the damage.
TEST_F(DamageTest, TruncatingToTheDamageLetsAReplicaAppendThoseOffsetsAgain) {
  config_.segment_bytes = 1000;
  {
    auto log = open();
    for (int i = 0; i < 8; ++i) append(*log, 1, 300);
  }
  std::filesystem::remove(dir() + "/" + kCheckpointFile);
  flip(2, 400, 0xff);
  auto log = open();
  ASSERT_TRUE(log->truncate_to(Offset(3)).is_ok());
  EXPECT_FALSE(log->damaged_at(Offset(3)));
  BatchSpec s;
  s.base_offset = 3;
  Bytes b = make_batch(s);
  EXPECT_TRUE(log->append_as_follower(b).is_ok());
  EXPECT_EQ(log->log_end_offset(), Offset(4));
  EXPECT_FALSE(std::filesystem::exists(dir() + "/" + kDamageFile));
}

TEST_F(DamageTest, ATornTailOfTheActiveSegmentIsStillCutWithoutQuarantine) {
  config_.segment_bytes = 1000;
  {
    auto log = open();
    for (int i = 0; i < 7; ++i) append(*log, 1, 300);  // segments at 0,2,4,6 (6 holds one)
  }
  std::filesystem::remove(dir() + "/" + kCheckpointFile);
  truncate_file(segment_path(dir(), 6, kLogSuffix), 200);
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_TRUE(report.truncated);
  EXPECT_TRUE(report.quarantine_dir.empty());
  EXPECT_TRUE(log->damaged_ranges().empty());
  EXPECT_EQ(log->log_end_offset(), Offset(6));
  EXPECT_EQ(append(*log), 6);
}

}  // namespace
}  // namespace eddy::log::testing
