// The high-watermark checkpoint (replication-offset-checkpoint): the file itself, and a
// ReplicaManager that writes it and, after a restart, starts its partitions from it.
#include "broker/replica/high_watermark_checkpoint.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include "broker/replica/replica_manager.h"
#include "tests/unit/replica/replica_test_util.h"

namespace eddy::broker {
namespace {

using testing::make_batch;

TEST(HighWatermarkCheckpointFile, RoundTripsEveryPartition) {
  testing::TempDir dir;
  HighWatermarks hws{{{"orders", 0}, 17}, {{"my-topic", 12}, 0}, {{"a.b_c", 3}, 1LL << 40}};
  ASSERT_TRUE(write_high_watermarks(dir.path(), hws).is_ok());
  auto read = read_high_watermarks(dir.path());
  ASSERT_TRUE(read.is_ok()) << read.status().to_string();
  EXPECT_EQ(read.value(), hws);
}

TEST(HighWatermarkCheckpointFile, MissingIsEmptyAndGarbageIsCorruption) {
  testing::TempDir dir;
  auto none = read_high_watermarks(dir.path());
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none.value().empty());
  for (const char* text :
       {"0\n1\nnot-a-partition-name 5\n", "0\n1\nt-0 -3\n", "0\n2\nt-0 5\n", "garbage"}) {
    { std::ofstream(dir.path() + "/" + kHighWatermarkCheckpointFile) << text; }
    auto bad = read_high_watermarks(dir.path());
    EXPECT_EQ(bad.status().code(), StatusCode::kCorruption) << text;
  }
}

TEST(HighWatermarkCheckpointFile, ClampsToTheLog) {
  EXPECT_EQ(clamp_high_watermark(7, 0, 10), 7);
  EXPECT_EQ(clamp_high_watermark(12, 0, 10), 10);  // the log lost its tail since
  EXPECT_EQ(clamp_high_watermark(3, 5, 10), 5);    // the log start moved past it
  EXPECT_EQ(clamp_high_watermark(3, 5, 5), 5);
}

// A ReplicaManager over one log dir that can be stopped cleanly and started again on it.
class HighWatermarkRestartTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void TearDown() override { close(); }

  void open(int64_t interval_ms = 0) {
    logs_ = testing::open_log_manager(dir_.path());
    ASSERT_NE(logs_, nullptr);
    ReplicaManagerOptions ro = testing::node0_options(logs_.get());
    ro.high_watermark_checkpoint_interval_ms = interval_ms;
    rm_ = std::make_unique<ReplicaManager>(ro);
    rm_->start();
  }
  void close() {
    if (!rm_) return;
    rm_->shutdown();
    ASSERT_TRUE(logs_->shutdown().is_ok());
    rm_.reset();
    logs_.reset();
  }
  void restart(int64_t interval_ms = 0) {
    close();
    open(interval_ms);
  }

  // t-0 on replicas 0, 1 and 2, all in the ISR, led by `leader` (0: this node) at `epoch`.
  std::shared_ptr<Partition> assign(int32_t leader, int32_t epoch) {
    ReplicaAssignment a;
    a.leader = leader;
    a.leader_epoch = epoch;
    a.partition_epoch = epoch;
    a.replicas = {0, 1, 2};
    a.isr = {0, 1, 2};
    auto p = rm_->apply_assignment({"t", 0}, a, settings());
    EXPECT_TRUE(p.is_ok()) << p.status().to_string();
    return p.is_ok() ? p.value() : nullptr;
  }
  std::shared_ptr<Partition> lead(int32_t epoch) { return assign(0, epoch); }
  std::shared_ptr<Partition> follow(int32_t epoch) { return assign(1, epoch); }
  static PartitionSettings settings() { return testing::interval_flush_settings(); }

  void produce(int count) {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    batches_.push_back(make_batch(count));
    rm_->append_records({{TopicPartition{"t", 0}, MutableByteSpan(batches_.back())}}, 1, 30'000,
                        [&](std::vector<ProducePartitionResult> r) {
                          EXPECT_EQ(r[0].error, 0);
                          std::lock_guard lock(mu);
                          done = true;
                          cv.notify_all();
                        });
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return done; }));
  }
  // Follower `id` fetches at `offset`: it holds everything below.
  void follower_fetch(int32_t id, int64_t offset) {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    FetchParams fp;
    fp.replica_id = id;
    FetchPartitionInput in;
    in.tp = {"t", 0};
    in.fetch_offset = Offset(offset);
    rm_->fetch(fp, {in}, [&](std::vector<FetchPartitionResult>) {
      std::lock_guard lock(mu);
      done = true;
      cv.notify_all();
    });
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return done; }));
  }
  // Node 0 leads t-0 with 8 records, of which its followers hold 5: HW 5, LEO 8.
  void lead_with_high_watermark_5() {
    lead(1);
    produce(8);
    follower_fetch(1, 5);
    follower_fetch(2, 5);
    ASSERT_EQ(rm_->get_partition({"t", 0})->high_watermark(), Offset(5));
  }
  HighWatermarks on_disk() {
    auto read = read_high_watermarks(dir_.path());
    EXPECT_TRUE(read.is_ok()) << read.status().to_string();
    return read.is_ok() ? read.value() : HighWatermarks{};
  }

  testing::TempDir dir_;
  std::unique_ptr<log::LogManager> logs_;
  std::unique_ptr<ReplicaManager> rm_;
  std::deque<Bytes> batches_;
};

TEST_F(HighWatermarkRestartTest, ALeaderStartsFromItsCheckpointedHighWatermark) {
  lead_with_high_watermark_5();
  restart();  // a clean shutdown writes the checkpoint
  EXPECT_EQ(on_disk(), (HighWatermarks{{{"t", 0}, 5}}));
  // No follower fetched yet: without the checkpoint the HW would start at the log start (0).
  auto p = lead(2);
  EXPECT_EQ(p->log_end_offset(), Offset(8));
  EXPECT_EQ(p->high_watermark(), Offset(5));
  auto latest = rm_->list_offset({"t", 0}, -1, IsolationLevel::kReadUncommitted, LeaderEpoch(-1));
  EXPECT_EQ(latest.error, 0);
  EXPECT_EQ(latest.offset, Offset(5));
}

TEST_F(HighWatermarkRestartTest, AFollowerStartsFromItsCheckpointedHighWatermark) {
  lead_with_high_watermark_5();
  restart();
  EXPECT_EQ(follow(2)->high_watermark(), Offset(5));
}

TEST_F(HighWatermarkRestartTest, ACheckpointPastTheLogEndIsClampedToIt) {
  lead(1);
  produce(4);
  close();
  ASSERT_TRUE(write_high_watermarks(dir_.path(), {{{"t", 0}, 9}}).is_ok());
  open();
  EXPECT_EQ(lead(2)->high_watermark(), Offset(4));
}

TEST_F(HighWatermarkRestartTest, AnUnreadableCheckpointStartsLowAsWithout) {
  lead_with_high_watermark_5();
  close();
  { std::ofstream(dir_.path() + "/" + kHighWatermarkCheckpointFile) << "torn"; }
  open();
  EXPECT_EQ(lead(2)->high_watermark(), Offset(0));
}

TEST_F(HighWatermarkRestartTest, APartitionNotOpenedYetKeepsItsEntry) {
  lead_with_high_watermark_5();
  restart();
  // Nothing assigned t-0 yet (the metadata has not been applied): its entry stays in the file.
  ASSERT_TRUE(rm_->checkpoint_high_watermarks().is_ok());
  restart();
  EXPECT_EQ(on_disk(), (HighWatermarks{{{"t", 0}, 5}}));
  EXPECT_EQ(lead(2)->high_watermark(), Offset(5));
}

TEST_F(HighWatermarkRestartTest, ADeletedPartitionLeavesTheCheckpoint) {
  lead_with_high_watermark_5();
  restart();
  ASSERT_TRUE(rm_->remove_partition({"t", 0}, /*delete_log=*/true).is_ok());
  ASSERT_TRUE(rm_->checkpoint_high_watermarks().is_ok());
  EXPECT_TRUE(on_disk().empty());
  // A topic re-created under the name starts afresh, not from the old log's HW.
  EXPECT_EQ(lead(1)->high_watermark(), Offset(0));
}

TEST_F(HighWatermarkRestartTest, TheTimerWritesTheCheckpointWhileRunning) {
  restart(/*interval_ms=*/10);
  lead_with_high_watermark_5();
  // Polled, not timed: the checkpoint thread writes it within a few intervals.
  for (int i = 0; i < 2000 && on_disk() != HighWatermarks{{{"t", 0}, 5}}; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(on_disk(), (HighWatermarks{{{"t", 0}, 5}}));
}

}  // namespace
}  // namespace eddy::broker
