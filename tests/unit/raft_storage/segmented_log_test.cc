#include "raft/storage/segmented_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../../testing/temp_dir.h"

namespace eddy::raft {
namespace {

namespace fs = std::filesystem;

LogRecord record(uint64_t index, uint64_t term, const std::string& body) {
  return LogRecord{index, term, Bytes(body.begin(), body.end())};
}

std::vector<LogRecord> records(uint64_t first, uint64_t last, uint64_t term = 1) {
  std::vector<LogRecord> out;
  for (uint64_t i = first; i <= last; ++i)
    out.push_back(record(i, term, "entry-" + std::to_string(i)));
  return out;
}

std::vector<fs::path> segment_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

Bytes read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_all(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

class SegmentedLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<SegmentedLog> open(SegmentedLog::Options options = {}) {
    recovered_.clear();
    auto log = SegmentedLog::open(dir_.path(), options, &recovered_, &report_);
    EXPECT_TRUE(log.is_ok()) << log.status().to_string();
    return log.is_ok() ? std::move(log).value() : nullptr;
  }
  // A few records per segment, so tests cross segment boundaries.
  static SegmentedLog::Options small_segments() {
    SegmentedLog::Options options;
    options.segment_bytes = 100;
    return options;
  }
  // Appends entries 1..n one append at a time, syncs and closes the log.
  void write_one_by_one(uint64_t n, SegmentedLog::Options options) {
    auto log = open(options);
    for (uint64_t i = 1; i <= n; ++i) ASSERT_TRUE(log->append(records(i, i)).is_ok());
    ASSERT_TRUE(log->sync().is_ok());
  }
  // Writes entries 1..n (one write, synced) and closes the log; returns the file size after each.
  std::vector<uint64_t> write_entries(uint64_t n) {
    std::vector<uint64_t> sizes;
    auto log = open();
    for (uint64_t i = 1; i <= n; ++i) {
      EXPECT_TRUE(log->append(records(i, i)).is_ok());
      EXPECT_TRUE(log->sync().is_ok());
      sizes.push_back(fs::file_size(segment_files(dir_.path()).back()));
    }
    return sizes;
  }

  eddy::testing::TempDir dir_;
  std::vector<LogRecord> recovered_;
  RecoveryReport report_;
};

TEST_F(SegmentedLogTest, RecordsSurviveReopen) {
  {
    auto log = open();
    ASSERT_TRUE(log->append(records(1, 5, 2)).is_ok());
    ASSERT_TRUE(log->sync().is_ok());
  }
  auto log = open();
  ASSERT_EQ(recovered_.size(), 5u);
  for (uint64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(recovered_[i].index, i + 1);
    EXPECT_EQ(recovered_[i].term, 2u);
    EXPECT_EQ(as_string_view(recovered_[i].body), "entry-" + std::to_string(i + 1));
  }
  EXPECT_EQ(log->first_index(), 1u);
  EXPECT_EQ(log->last_index(), 5u);
  EXPECT_TRUE(report_.corruption.is_ok());
  EXPECT_EQ(report_.torn_bytes, 0u);
  ASSERT_TRUE(log->append(records(6, 6)).is_ok());
  EXPECT_EQ(log->last_index(), 6u);
}

TEST_F(SegmentedLogTest, RollsToANewSegmentAtSegmentBytes) {
  SegmentedLog::Options options = small_segments();
  write_one_by_one(20, options);
  EXPECT_GT(segment_files(dir_.path()).size(), 3u);
  auto log = open(options);
  EXPECT_EQ(recovered_.size(), 20u);
  EXPECT_EQ(log->last_index(), 20u);
  EXPECT_EQ(segment_files(dir_.path()).front().filename(), "00000000000000000001.log");
}

TEST_F(SegmentedLogTest, TornTailAtEveryByteOfTheLastRecordIsDroppedQuietly) {
  std::vector<uint64_t> sizes = write_entries(3);
  fs::path seg = segment_files(dir_.path()).back();
  Bytes full = read_all(seg);
  for (uint64_t cut = sizes[1]; cut < sizes[2]; ++cut) {
    write_all(seg, Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut)));
    auto log = open();
    ASSERT_NE(log, nullptr);
    EXPECT_TRUE(report_.corruption.is_ok()) << "cut at " << cut;
    EXPECT_EQ(report_.torn_bytes, cut - sizes[1]);
    ASSERT_EQ(recovered_.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(log->last_index(), 2u);
    EXPECT_EQ(fs::file_size(seg), sizes[1]) << "torn bytes are truncated away";
    ASSERT_TRUE(log->append(records(3, 3)).is_ok());
    ASSERT_TRUE(log->sync().is_ok());
    EXPECT_EQ(read_all(seg), full) << "the rewritten entry lands where the torn one was";
  }
}

TEST_F(SegmentedLogTest, ZeroFilledTailIsATornTail) {
  write_entries(2);
  fs::path seg = segment_files(dir_.path()).back();
  Bytes data = read_all(seg);
  uint64_t size = data.size();
  data.resize(size + 4096, 0);
  write_all(seg, data);
  auto log = open();
  EXPECT_TRUE(report_.corruption.is_ok());
  EXPECT_EQ(report_.torn_bytes, 4096u);
  EXPECT_EQ(recovered_.size(), 2u);
  EXPECT_EQ(fs::file_size(seg), size);
}

TEST_F(SegmentedLogTest, BitFlipAnywhereInAMiddleRecordIsReportedAsCorruption) {
  std::vector<uint64_t> sizes = write_entries(3);
  fs::path seg = segment_files(dir_.path()).back();
  const Bytes full = read_all(seg);
  for (uint64_t byte = sizes[0]; byte < sizes[1]; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes flipped = full;
      flipped[byte] ^= static_cast<uint8_t>(1u << bit);
      write_all(seg, flipped);
      auto log = open();
      ASSERT_NE(log, nullptr);
      EXPECT_EQ(report_.corruption.code(), StatusCode::kCorruption)
          << "byte " << byte << " bit " << bit;
      EXPECT_EQ(recovered_.size(), 1u) << "byte " << byte << " bit " << bit;
      EXPECT_EQ(fs::file_size(seg), sizes[0]) << "truncated at the corrupt record";
    }
  }
}

TEST_F(SegmentedLogTest, BitFlipInTheLastRecordBodyIsCorruptionNotATornTail) {
  std::vector<uint64_t> sizes = write_entries(2);
  fs::path seg = segment_files(dir_.path()).back();
  Bytes data = read_all(seg);
  data[sizes[1] - 1] ^= 0x10;
  write_all(seg, data);
  auto log = open();
  EXPECT_EQ(report_.corruption.code(), StatusCode::kCorruption);
  EXPECT_EQ(report_.torn_bytes, 0u);
  EXPECT_EQ(recovered_.size(), 1u);
}

TEST_F(SegmentedLogTest, CorruptionInAnOlderSegmentRemovesEveryLaterSegment) {
  SegmentedLog::Options options = small_segments();
  write_one_by_one(12, options);
  std::vector<fs::path> files = segment_files(dir_.path());
  ASSERT_GE(files.size(), 3u);
  Bytes data = read_all(files[1]);
  data[data.size() - 1] ^= 0x01;
  write_all(files[1], data);
  auto log = open(options);
  EXPECT_EQ(report_.corruption.code(), StatusCode::kCorruption);
  EXPECT_EQ(segment_files(dir_.path()).size(), 2u);
  EXPECT_EQ(log->last_index(), recovered_.back().index);
  EXPECT_LT(log->last_index(), 12u);
  ASSERT_TRUE(log->append(records(log->last_index() + 1, log->last_index() + 1)).is_ok());
}

TEST_F(SegmentedLogTest, MissingSegmentInTheMiddleIsCorruption) {
  SegmentedLog::Options options = small_segments();
  write_one_by_one(12, options);
  std::vector<fs::path> files = segment_files(dir_.path());
  ASSERT_GE(files.size(), 3u);
  fs::remove(files[1]);
  auto log = open(options);
  EXPECT_EQ(report_.corruption.code(), StatusCode::kCorruption);
  EXPECT_EQ(segment_files(dir_.path()).size(), 1u);
  EXPECT_EQ(log->first_index(), 1u);
}

TEST_F(SegmentedLogTest, TruncateSuffixRemovesTheConflictingEntriesDurably) {
  SegmentedLog::Options options = small_segments();
  {
    auto log = open(options);
    ASSERT_TRUE(log->append(records(1, 12, 1)).is_ok());
    ASSERT_TRUE(log->sync().is_ok());
    ASSERT_TRUE(log->truncate_suffix(4).is_ok());
    EXPECT_EQ(log->last_index(), 3u);
    ASSERT_TRUE(log->append(records(4, 6, 2)).is_ok());
    ASSERT_TRUE(log->sync().is_ok());
  }
  auto log = open(options);
  ASSERT_EQ(recovered_.size(), 6u);
  EXPECT_EQ(recovered_[2].term, 1u);
  EXPECT_EQ(recovered_[3].term, 2u);
  EXPECT_EQ(recovered_[5].index, 6u);
  EXPECT_TRUE(report_.corruption.is_ok());
}

TEST_F(SegmentedLogTest, AppendThatSkipsAnIndexIsRefused) {
  auto log = open();
  ASSERT_TRUE(log->append(records(1, 3)).is_ok());
  EXPECT_EQ(log->append(records(5, 5)).code(), StatusCode::kInvalidArgument);
  std::vector<LogRecord> gap = {record(4, 1, "a"), record(6, 1, "b")};
  EXPECT_EQ(log->append(gap).code(), StatusCode::kInvalidArgument);
}

TEST_F(SegmentedLogTest, OversizedBodyIsRefused) {
  SegmentedLog::Options options;
  options.max_body_bytes = 8;
  auto log = open(options);
  EXPECT_EQ(log->append(std::vector<LogRecord>{record(1, 1, "123456789")}).code(),
            StatusCode::kTooLarge);
}

TEST_F(SegmentedLogTest, RemoveSegmentsBeforeDeletesOnlyWholeOldSegments) {
  SegmentedLog::Options options = small_segments();
  auto log = open(options);
  ASSERT_TRUE(log->append(records(1, 20)).is_ok());
  ASSERT_TRUE(log->sync().is_ok());
  const size_t before = log->segment_count();
  ASSERT_TRUE(log->remove_segments_before(10).is_ok());
  EXPECT_LT(log->segment_count(), before);
  EXPECT_LE(log->first_index(), 10u) << "a segment holding index 10 is kept";
  EXPECT_EQ(log->last_index(), 20u);
  log.reset();
  auto reopened = open(options);
  EXPECT_EQ(recovered_.front().index, reopened->first_index());
  EXPECT_EQ(recovered_.back().index, 20u);
}

TEST_F(SegmentedLogTest, AfterRemoveAllTheNextAppendSetsANewBase) {
  auto log = open();
  ASSERT_TRUE(log->append(records(1, 5)).is_ok());
  ASSERT_TRUE(log->remove_all().is_ok());
  EXPECT_TRUE(log->empty());
  ASSERT_TRUE(log->append(records(100, 101)).is_ok());
  ASSERT_TRUE(log->sync().is_ok());
  log.reset();
  auto reopened = open();
  EXPECT_EQ(reopened->first_index(), 100u);
  EXPECT_EQ(reopened->last_index(), 101u);
}

}  // namespace
}  // namespace eddy::raft
