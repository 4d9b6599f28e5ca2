// LogManager: partitions across log.dirs, reopen, delete, background flushing, fd budget.

#include "log/log_manager.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "tests/unit/log/log_test_util.h"

namespace eddy::log::testing {
namespace {

class LogManagerTest : public ::testing::Test {
 protected:
  LogManagerOptions options() {
    LogManagerOptions o;
    o.log_dirs = {tmp_.path() + "/a", tmp_.path() + "/b"};
    o.default_config.segment_bytes = 4096;
    o.clock = &clock_;
    o.background_tick_ms = 5;
    o.on_recovery = [this](const TopicPartition& tp, const RecoveryReport& r) {
      std::lock_guard lock(mu_);
      recovered_.emplace_back(tp, r);
    };
    return o;
  }
  std::unique_ptr<LogManager> open(LogManagerOptions o) {
    auto r = LogManager::open(std::move(o));
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
  }
  static void append_one(PartitionLog& log, size_t payload = 100) {
    Bytes b = make_batch(1, payload);
    ASSERT_TRUE(log.append(b, LeaderEpoch(0)).is_ok());
  }
  // Polls `cond` every few milliseconds for up to 20 s.
  template <typename F>
  static bool eventually(F cond) {
    for (int i = 0; i < 4000; ++i) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return cond();
  }

  TempDir tmp_;
  ManualClock clock_;
  std::mutex mu_;
  std::vector<std::pair<TopicPartition, RecoveryReport>> recovered_;
};

TEST(TopicPartitionTest, DirNameRoundTripsWithDashesInTheTopic) {
  TopicPartition tp{"my-topic.v2", 12};
  EXPECT_EQ(tp.dir_name(), "my-topic.v2-12");
  auto parsed = TopicPartition::parse_dir_name(tp.dir_name());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, tp);
  EXPECT_FALSE(TopicPartition::parse_dir_name("topic-3.0123abcd-delete").has_value());
  EXPECT_FALSE(TopicPartition::parse_dir_name("topic-x").has_value());
  EXPECT_FALSE(TopicPartition::parse_dir_name("-1").has_value());
}

TEST_F(LogManagerTest, SpreadsPartitionsOverTheLogDirs) {
  auto mgr = open(options());
  for (int p = 0; p < 4; ++p) ASSERT_TRUE(mgr->get_or_create({"t", p}).is_ok());
  int in_a = 0, in_b = 0;
  for (int p = 0; p < 4; ++p) {
    in_a += std::filesystem::exists(tmp_.path() + "/a/t-" + std::to_string(p));
    in_b += std::filesystem::exists(tmp_.path() + "/b/t-" + std::to_string(p));
  }
  EXPECT_EQ(in_a, 2);
  EXPECT_EQ(in_b, 2);
  EXPECT_EQ(mgr->partitions().size(), 4u);
}

TEST_F(LogManagerTest, ReopenFindsEveryPartitionAndReportsRecovery) {
  {
    auto mgr = open(options());
    for (int p = 0; p < 3; ++p) {
      auto log = mgr->get_or_create({"orders", p});
      ASSERT_TRUE(log.is_ok());
      append_one(**log);
    }
    ASSERT_TRUE(mgr->shutdown().is_ok());
  }
  auto mgr = open(options());
  EXPECT_EQ(mgr->partitions().size(), 3u);
  ASSERT_EQ(recovered_.size(), 3u);
  for (const auto& [tp, report] : recovered_) EXPECT_TRUE(report.clean_shutdown);
  auto log = mgr->get({"orders", 1});
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_end_offset(), Offset(1));
}

TEST_F(LogManagerTest, RemoveRenamesThenDeletesTheDirectory) {
  auto mgr = open(options());
  auto log = mgr->get_or_create({"gone", 0});
  ASSERT_TRUE(log.is_ok());
  append_one(**log);
  std::string path = (*log)->dir();
  ASSERT_TRUE(mgr->remove({"gone", 0}).is_ok());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(mgr->get({"gone", 0}), nullptr);
  EXPECT_EQ(mgr->remove({"gone", 0}).code(), StatusCode::kNotFound);
  mgr->start();
  std::string parent = path.substr(0, path.rfind('/'));
  EXPECT_TRUE(eventually([&] { return std::filesystem::is_empty(parent); }));
}

TEST_F(LogManagerTest, LeftoverDeleteDirectoriesAreRemovedAtOpen) {
  std::filesystem::create_directories(tmp_.path() + "/a/t-0.00ff-delete");
  auto mgr = open(options());
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() + "/a/t-0.00ff-delete"));
  EXPECT_TRUE(mgr->partitions().empty());
}

TEST_F(LogManagerTest, BackgroundThreadFlushesIntervalLogs) {
  auto o = options();
  o.default_config.flush_policy = FlushPolicy::kInterval;
  o.default_config.flush_ms = 0;
  auto mgr = open(o);
  auto log = mgr->get_or_create({"t", 0});
  ASSERT_TRUE(log.is_ok());
  append_one(**log);
  append_one(**log);
  mgr->start();
  EXPECT_TRUE(eventually([&] { return (*log)->flushed_offset() == Offset(2); }));
}

// Each cleaner round hands every log its partition's high watermark from the broker's hook, so
// that the cleaner bounds its range by it (PartitionLog::cleanable_segments).
TEST_F(LogManagerTest, TheCleanerLearnsEachLogsHighWatermark) {
  auto o = options();
  o.cleaner.enable = true;
  o.cleaner.backoff_ms = 5;
  o.high_watermark = [](const TopicPartition& tp) -> std::optional<Offset> {
    if (tp.partition == 0) return Offset(7);
    return std::nullopt;
  };
  auto mgr = open(o);
  auto with_hw = mgr->get_or_create({"t", 0});
  auto without = mgr->get_or_create({"t", 1});
  ASSERT_TRUE(with_hw.is_ok() && without.is_ok());
  EXPECT_EQ((*with_hw)->high_watermark(), Offset(-1));
  mgr->start();
  EXPECT_TRUE(eventually([&] { return (*with_hw)->high_watermark() == Offset(7); }));
  EXPECT_EQ((*without)->high_watermark(), Offset(-1));
}

TEST_F(LogManagerTest, SyncLogsReportDurabilityThroughTheFlusher) {
  auto mgr = open(options());
  auto log = mgr->get_or_create({"t", 0});
  ASSERT_TRUE(log.is_ok());
  std::mutex mu;
  std::condition_variable cv;
  bool durable = false;
  Bytes b = make_batch(1);
  auto r = (*log)->append(b, LeaderEpoch(0));
  ASSERT_TRUE(r.is_ok());
  (*log)->on_durable(r->last_offset, [&](const Status& s) {
    std::lock_guard lock(mu);
    durable = s.is_ok();
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return durable; }));
}

TEST_F(LogManagerTest, BackgroundRetentionDeletesOldSegments) {
  auto o = options();
  o.default_config.retention_ms = 1000;
  o.retention_check_interval_ms = 0;
  auto mgr = open(o);
  auto log = mgr->get_or_create({"t", 0});
  ASSERT_TRUE(log.is_ok());
  for (int i = 0; i < 40; ++i) append_one(**log, 400);  // ~10 segments of 4 KiB
  int before = (*log)->segment_count();
  ASSERT_GT(before, 3);
  clock_.advance_ms(10'000'000);  // far past retention.ms, within the ns range
  mgr->start();
  EXPECT_TRUE(eventually([&] { return (*log)->segment_count() == 1; }));
}

TEST_F(LogManagerTest, FileHandleBudgetClosesIdleFilesAndReopensOnDemand) {
  auto o = options();
  o.max_open_files = 8;
  auto mgr = open(o);
  std::vector<std::shared_ptr<PartitionLog>> logs;
  for (int p = 0; p < 30; ++p) {
    auto log = mgr->get_or_create({"many", p});
    ASSERT_TRUE(log.is_ok());
    append_one(**log);
    logs.push_back(*log);
  }
  EXPECT_LE(mgr->file_budget().open_count(), 8u);
  for (auto& log : logs) {
    auto r = log->read(Offset(0), 1 << 20, log->log_end_offset());
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(parse_batches(*r->records.read_all()).size(), 1u);
    append_one(*log);
  }
  EXPECT_LE(mgr->file_budget().open_count(), 8u);
  ASSERT_TRUE(mgr->flush_all().is_ok());
  EXPECT_LE(mgr->file_budget().open_count(), 8u);
}

TEST_F(LogManagerTest, ASliceKeepsItsFileOpenOverTheBudget) {
  auto o = options();
  o.max_open_files = 2;
  auto mgr = open(o);
  auto first = mgr->get_or_create({"s", 0});
  ASSERT_TRUE(first.is_ok());
  append_one(**first);
  auto r = (*first)->read(Offset(0), 1 << 20, (*first)->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  for (int p = 1; p < 10; ++p) {
    auto log = mgr->get_or_create({"s", p});
    ASSERT_TRUE(log.is_ok());
    append_one(**log);
  }
  auto bytes = r->records.read_all();
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(parse_batches(*bytes).size(), 1u);
}

}  // namespace
}  // namespace eddy::log::testing
