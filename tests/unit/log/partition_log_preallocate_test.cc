// Preallocation: the active segment's zero-filled tail ahead of the log end (docs/storage.md,
// "Preallocation"). What is on disk at each step, what a crash at each step leaves, and that the
// logical size is what every reader sees.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "log/log_format.h"
#include "log/preallocation_budget.h"
#include "tests/unit/log/log_fixture.h"

namespace eddy::log::testing {
namespace {

constexpr int64_t kAhead = 64 * 1024;

class PreallocateTest : public LogFixture {
 protected:
  PreallocateTest() {
    config_.preallocate = true;
    config_.preallocate_ahead_bytes = kAhead;
  }

  std::string log_file(int64_t base = 0) const { return segment_path(dir(), base, kLogSuffix); }

  // Appends `n` batches and returns the end position of each in the first segment.
  std::vector<uint64_t> append_batches(PartitionLog& log, int n, size_t payload = 200) {
    std::vector<uint64_t> ends;
    uint64_t pos = log.size_bytes();
    for (int i = 0; i < n; ++i) {
      append(log, 1, payload);
      pos += records::kBatchHeaderSize + payload;
      ends.push_back(pos);
    }
    return ends;
  }

  // Appends `n` batches, flushes them (which zero-fills the tail) and drops the log without
  // closing it, as a crash would; returns the batches' end positions.
  std::vector<uint64_t> crash_after_flushing(int n) {
    auto log = open();
    auto ends = append_batches(*log, n);
    EXPECT_TRUE(log->flush().is_ok());
    return ends;
  }

  bool zeros_from(const std::string& path, uint64_t from) {
    Bytes b = read_file(path);
    return std::all_of(b.begin() + static_cast<ptrdiff_t>(from), b.end(),
                       [](uint8_t c) { return c == 0; });
  }

  // Writes `data` at `position` without changing the file's size (unless it runs past it).
  void write_at(const std::string& path, uint64_t position, const Bytes& data) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(position)),
              static_cast<ssize_t>(data.size()));
    ::close(fd);
  }
};

TEST(PreallocateConfigTest, DefaultFollowsTheFlushPolicyAndAnExplicitValueWins) {
  LogConfig c;
  EXPECT_TRUE(c.preallocate_enabled());  // flush.policy=sync
  c.flush_policy = FlushPolicy::kInterval;
  EXPECT_FALSE(c.preallocate_enabled());
  c.preallocate = true;
  EXPECT_TRUE(c.preallocate_enabled());
  c.flush_policy = FlushPolicy::kSync;
  c.preallocate = false;
  EXPECT_FALSE(c.preallocate_enabled());
}

TEST(PreallocateConfigTest, AheadBytesBelowAPageIsRejectedNamingTheKey) {
  LogConfig c;
  c.preallocate_ahead_bytes = 100;
  Status s = c.validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("preallocate.ahead.bytes"), std::string::npos) << s.to_string();
}

TEST_F(PreallocateTest, FlushZeroFillsAheadOfTheLogEndButSizesStayLogical) {
  auto log = open();
  auto ends = append_batches(*log, 3);
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(file_size(log_file()), ends.back() + kAhead);
  EXPECT_TRUE(zeros_from(log_file(), ends.back()));
  // Reads, DescribeLogDirs (size_bytes) and retention see the batches, not the file.
  EXPECT_EQ(log->size_bytes(), ends.back());
  EXPECT_EQ(read_all_from(*log, 0).size(), 3u);
}

TEST_F(PreallocateTest, ANewLogNeverWrittenToGetsNoTail) {
  auto log = open();
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(file_size(log_file()), 0u);
}

TEST_F(PreallocateTest, TheTailNeverRunsPastSegmentBytes) {
  config_.segment_bytes = 16 * 1024;
  auto log = open();
  append_batches(*log, 2);
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(file_size(log_file()), 16u * 1024);
}

TEST_F(PreallocateTest, AppendsInsideTheTailOverwriteItWithoutGrowingTheFile) {
  auto log = open();
  append_batches(*log, 1);
  ASSERT_TRUE(log->flush().is_ok());
  uint64_t file = file_size(log_file());
  auto ends = append_batches(*log, 20);  // 20 * 261 bytes, well inside the tail
  EXPECT_EQ(file_size(log_file()), file);
  EXPECT_EQ(log->size_bytes(), ends.back());
  EXPECT_EQ(read_all_from(*log, 0).size(), 21u);
}

TEST_F(PreallocateTest, AnAppendThatOutrunsTheTailGrowsTheFileAsWithout) {
  config_.preallocate_ahead_bytes = 4096;
  auto log = open();
  append_batches(*log, 1);
  ASSERT_TRUE(log->flush().is_ok());
  ASSERT_EQ(file_size(log_file()), 261u + 4096);
  append(*log, 1, 10000);
  EXPECT_EQ(file_size(log_file()), 261u + 10061);
  EXPECT_EQ(read_all_from(*log, 0).size(), 2u);
}

TEST_F(PreallocateTest, TheTailIsToppedUpOnlyWhenLessThanHalfIsLeft) {
  auto log = open();
  append_batches(*log, 1);
  ASSERT_TRUE(log->flush().is_ok());
  uint64_t first = file_size(log_file());
  append(*log, 1, 20000);  // leaves about 44 KiB of 64: no top-up
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(file_size(log_file()), first);
  append(*log, 1, 20000);  // leaves about 24 KiB: topped up to 64 KiB ahead
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(file_size(log_file()), log->size_bytes() + kAhead);
}

TEST_F(PreallocateTest, BigGroupCommitsStopTheZeroFillAndSmallOnesResumeIt) {
  config_.segment_bytes = 16 << 20;
  auto log = open();
  for (int i = 0; i < 4; ++i) {
    append(*log, 1, 500 * 1024);
    ASSERT_TRUE(log->flush().is_ok());
  }
  // Groups of 500 KiB on average: the zeros would cost more than the journal commit they save.
  EXPECT_EQ(file_size(log_file()), log->size_bytes());
  bool resumed = false;
  // Bounded: the average halves in about three small groups.
  for (int i = 0; i < 10 && !resumed; ++i) {
    append(*log);
    ASSERT_TRUE(log->flush().is_ok());
    resumed = file_size(log_file()) == log->size_bytes() + kAhead;
  }
  EXPECT_TRUE(resumed);
}

TEST_F(PreallocateTest, RollTrimsTheSealedSegmentToItsBatches) {
  config_.segment_bytes = 8 * 1024;  // seven batches of 1061 bytes
  auto log = open();
  append_batches(*log, 2, 1000);
  ASSERT_TRUE(log->flush().is_ok());
  ASSERT_EQ(file_size(log_file()), 8u * 1024);  // the tail stops at segment.bytes
  append_batches(*log, 6, 1000);                // the sixth rolls
  ASSERT_EQ(log->segment_base_offsets(), (std::vector<Offset>{Offset(0), Offset(7)}));
  EXPECT_EQ(file_size(log_file()), 7u * 1061);
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(file_size(log_file(7)), 8u * 1024);
  EXPECT_EQ(read_all_from(*log, 0).size(), 8u);
}

TEST_F(PreallocateTest, TheFlushAfterARollSyncsTheTrimmedSegment) {
  config_.segment_bytes = 8 * 1024;  // seven batches of 1061 bytes
  auto log = open();
  append_batches(*log, 7, 1000);
  // Everything up to the next segment's base flushed: without the cut to sync, the next flush
  // would sync the new segment alone.
  ASSERT_TRUE(log->flush().is_ok());
  append_batches(*log, 1, 1000);
  ASSERT_EQ(log->segment_count(), 2);
  int64_t before = faults_.file_syncs();
  ASSERT_TRUE(log->flush().is_ok());
  // The trimmed segment with its two indexes (sealed), and the new segment.
  EXPECT_EQ(faults_.file_syncs() - before, 4);
}

TEST_F(PreallocateTest, CloseTrimsTheFileAndSyncsTheCutBeforeTheMarker) {
  auto log = open();
  auto ends = append_batches(*log, 5);
  ASSERT_TRUE(log->flush().is_ok());
  ASSERT_GT(file_size(log_file()), ends.back());
  int64_t before = faults_.file_syncs();
  ASSERT_TRUE(log->close().is_ok());
  EXPECT_EQ(file_size(log_file()), ends.back());
  EXPECT_GE(faults_.file_syncs() - before, 1);  // the cut, with nothing else to flush
  RecoveryReport report;
  log = open(&report);
  EXPECT_TRUE(report.clean_shutdown);
  EXPECT_EQ(report.preallocated_bytes_trimmed, 0u);
  EXPECT_EQ(read_all_from(*log, 0).size(), 5u);
}

TEST_F(PreallocateTest, ASpentBudgetLeavesTheNextLogWithoutATailUntilATrimGivesItBack) {
  auto budget = std::make_shared<PreallocationBudget>(kAhead);
  auto open_with_budget = [&](const std::string& name) {
    PartitionLogOptions o = options();
    o.dir = tmp_.path() + "/" + name;
    o.preallocation_budget = budget;
    auto r = PartitionLog::open(o, nullptr);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
  };
  auto a = open_with_budget("a-0");
  auto b = open_with_budget("b-0");
  ASSERT_TRUE(a && b);
  std::string a_file = segment_path(tmp_.path() + "/a-0", 0, kLogSuffix);
  std::string b_file = segment_path(tmp_.path() + "/b-0", 0, kLogSuffix);

  auto a_ends = append_batches(*a, 2);
  ASSERT_TRUE(a->flush().is_ok());
  EXPECT_EQ(file_size(a_file), a_ends.back() + kAhead);
  EXPECT_EQ(budget->left(), 0u);

  // Nothing left: b appends and flushes as a log without preallocation would.
  auto b_ends = append_batches(*b, 2);
  ASSERT_TRUE(b->flush().is_ok());
  EXPECT_EQ(file_size(b_file), b_ends.back());
  EXPECT_EQ(read_all_from(*b, 0).size(), 2u);

  // a's close trims its tail and gives the budget back; b's next flush takes it.
  ASSERT_TRUE(a->close().is_ok());
  EXPECT_EQ(budget->left(), static_cast<uint64_t>(kAhead));
  b_ends = append_batches(*b, 1);
  ASSERT_TRUE(b->flush().is_ok());
  EXPECT_GT(file_size(b_file), b->size_bytes());
  EXPECT_TRUE(zeros_from(b_file, b->size_bytes()));
  EXPECT_LT(budget->left(), static_cast<uint64_t>(kAhead));

  // Everything held comes back once b is closed and both logs are gone.
  ASSERT_TRUE(b->close().is_ok());
  a.reset();
  b.reset();
  EXPECT_EQ(budget->left(), static_cast<uint64_t>(kAhead));
}

TEST_F(PreallocateTest, CrashBetweenZeroFillAndTrimCutsTheZerosSilently) {
  std::vector<uint64_t> ends;
  {
    auto log = open();
    ends = append_batches(*log, 7);
    ASSERT_TRUE(log->flush().is_ok());
    ASSERT_EQ(file_size(log_file()), ends.back() + kAhead);
  }  // no close: the tail stays, no marker
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_FALSE(report.clean_shutdown);
  EXPECT_FALSE(report.truncated) << report.reason;
  EXPECT_EQ(report.bytes_truncated, 0u);
  EXPECT_EQ(report.preallocated_bytes_trimmed, static_cast<uint64_t>(kAhead));
  EXPECT_EQ(file_size(log_file()), ends.back());
  EXPECT_EQ(read_all_from(*log, 0).size(), 7u);
  EXPECT_EQ(append(*log), 7);
}

TEST_F(PreallocateTest, CrashWithAppendsInsideTheTailKeepsThemAndCutsTheRest) {
  std::vector<uint64_t> ends;
  {
    auto log = open();
    append_batches(*log, 1);
    ASSERT_TRUE(log->flush().is_ok());
    ends = append_batches(*log, 10);  // written into the tail, never flushed
  }
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_FALSE(report.truncated) << report.reason;
  EXPECT_EQ(log->log_end_offset(), Offset(11));
  EXPECT_EQ(file_size(log_file()), ends.back());
  EXPECT_GT(report.preallocated_bytes_trimmed, 0u);
}

TEST_F(PreallocateTest, GarbageAfterTheZeroTailIsReportedAndNothingAfterTheBatchesIsServed) {
  std::vector<uint64_t> ends = crash_after_flushing(4);
  append_to_file(log_file(), Bytes(100, 0x77));
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_TRUE(report.truncated);
  EXPECT_EQ(report.truncated_at, Offset(4));
  EXPECT_EQ(report.bytes_truncated, static_cast<uint64_t>(kAhead) + 100);
  EXPECT_EQ(report.preallocated_bytes_trimmed, 0u);
  EXPECT_EQ(file_size(log_file()), ends.back());
  EXPECT_EQ(read_all_from(*log, 0).size(), 4u);
}

TEST_F(PreallocateTest, AValidBatchBeyondAHoleOfZerosIsNeverServed) {
  std::vector<uint64_t> ends = crash_after_flushing(4);
  // A later batch whose page reached the disk while the one before it did not.
  BatchSpec later;
  later.base_offset = 5;
  write_at(log_file(), ends.back() + 4096, make_batch(later));
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_TRUE(report.truncated);
  EXPECT_EQ(log->log_end_offset(), Offset(4));
  EXPECT_EQ(file_size(log_file()), ends.back());
}

TEST_F(PreallocateTest, ABatchTornIntoTheZeroTailIsCutAndReported) {
  std::vector<uint64_t> ends = crash_after_flushing(4);
  BatchSpec next;
  next.base_offset = 4;
  next.payload_bytes = 1000;
  Bytes torn = make_batch(next);
  torn.resize(300);  // the rest of it stayed zeros
  write_at(log_file(), ends.back(), torn);
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_TRUE(report.truncated);
  EXPECT_NE(report.reason.find("corrupt"), std::string::npos) << report.reason;
  EXPECT_EQ(log->log_end_offset(), Offset(4));
  EXPECT_EQ(file_size(log_file()), ends.back());
  EXPECT_EQ(read_all_from(*log, 0).size(), 4u);
}

TEST_F(PreallocateTest, AFailedZeroFillWriteIsCutBackAndAppendsGoOn) {
  auto log = open();
  auto ends = append_batches(*log, 2);
  faults_.fail_writes(ENOSPC, 1, /*partial_bytes=*/1000);
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(file_size(log_file()), ends.back());
  faults_.clear();
  EXPECT_EQ(append(*log), 2);
  EXPECT_EQ(read_all_from(*log, 0).size(), 3u);
}

TEST_F(PreallocateTest, AZeroFillMakesNoFsyncOfItsOwn) {
  auto log = open();
  append_batches(*log, 1);
  ASSERT_TRUE(log->flush().is_ok());
  append(*log, 1, 40000);  // below half of the tail left: this flush tops it up
  uint64_t file = file_size(log_file());
  int64_t before = faults_.file_syncs();
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_GT(file_size(log_file()), file);
  // The data's fdatasync alone: the zeros reach the disk with the next one, so a write-back
  // error is never consumed by a sync whose caller would not fail the log for it.
  EXPECT_EQ(faults_.file_syncs() - before, 1);
}

TEST_F(PreallocateTest, IntervalPolicyTopsUpOnTheBackgroundTick) {
  config_.flush_policy = FlushPolicy::kInterval;
  config_.flush_ms = 1'000'000;  // no interval flush due during the test
  auto log = open();
  auto ends = append_batches(*log, 2);
  ASSERT_TRUE(log->maybe_roll_and_flush().is_ok());
  EXPECT_EQ(file_size(log_file()), ends.back() + kAhead);
  EXPECT_EQ(log->flushed_offset(), Offset(0));  // the zeros were synced, not the batches' offsets
}

// A real process, killed with SIGKILL while it appends, flushes and tops up its tail: every batch
// it was told was durable is there, whole, and the zeros are gone.
TEST_F(PreallocateTest, AProcessKilledWhileAppendingKeepsEveryDurableBatch) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto r = PartitionLog::open(options());
    if (!r.is_ok()) ::_exit(2);
    auto log = std::move(r).value();
    // Bounded; the parent kills it long before the end.
    for (int i = 0; i < 1'000'000; ++i) {
      Bytes b = make_batch(1, 100 + static_cast<size_t>(i % 13) * 50);
      if (!log->append(b, LeaderEpoch(0)).is_ok()) ::_exit(3);
      if (i % 10 == 9) {
        if (!log->flush().is_ok()) ::_exit(4);
        int64_t durable = log->flushed_offset().value();
        if (::write(fds[1], &durable, sizeof(durable)) != sizeof(durable)) ::_exit(5);
      }
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  int64_t durable = 0, v = 0;
  // Bounded: until 3,000 batches are durable, or the child stops writing.
  while (durable < 3000 && ::read(fds[0], &v, sizeof(v)) == sizeof(v)) durable = v;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(fds[0]);
  ASSERT_GE(durable, 3000);
  RecoveryReport report;
  auto log = open(&report);
  EXPECT_FALSE(report.clean_shutdown);
  EXPECT_GE(log->log_end_offset().value(), durable);
  auto batches = read_all_from(*log, 0);
  ASSERT_EQ(static_cast<int64_t>(batches.size()), log->log_end_offset().value());
  for (size_t i = 0; i < batches.size(); ++i) EXPECT_EQ(batches[i].base_offset, int64_t(i));
  uint64_t on_disk = 0;
  for (Offset base : log->segment_base_offsets()) on_disk += file_size(log_file(base.value()));
  EXPECT_EQ(on_disk, log->size_bytes());
}

TEST_F(PreallocateTest, ConcurrentZeroFillNeverOverwritesAppendedBatches) {
  config_.preallocate_ahead_bytes = 8192;  // tops up often, and appends outrun it often
  config_.segment_bytes = 256 * 1024;
  auto log = open();
  std::atomic<bool> done{false};
  std::thread flusher([&] {
    // Bounded by the appender finishing.
    while (!done.load()) ASSERT_TRUE(log->flush().is_ok());
  });
  const int kBatches = 3000;
  for (int i = 0; i < kBatches; ++i) append(*log, 1, 100 + static_cast<size_t>(i % 7) * 300);
  done = true;
  flusher.join();
  ASSERT_TRUE(log->flush().is_ok());
  // Every batch whole and CRC-valid: dropped unclosed and without a recovery point, the log is
  // scanned from its first batch on.
  log.reset();
  std::filesystem::remove(dir() + "/" + kCheckpointFile);
  RecoveryReport report;
  log = open(&report);
  EXPECT_FALSE(report.truncated) << report.reason;
  EXPECT_EQ(log->log_end_offset(), Offset(kBatches));
  EXPECT_EQ(static_cast<int>(read_all_from(*log, 0).size()), kBatches);
}

}  // namespace
}  // namespace eddy::log::testing
