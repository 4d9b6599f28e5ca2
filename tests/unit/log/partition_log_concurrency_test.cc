// Readers racing appends and retention; durability callbacks through the flusher.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "log/flusher.h"
#include "tests/unit/log/log_fixture.h"

namespace eddy::log::testing {
namespace {

class ConcurrencyTest : public LogFixture {
 protected:
  // Reads from `offset` and checks that what comes back is whole, CRC-valid, contiguous batches.
  // Returns false when the offset was (legitimately) out of range.
  bool check_read(const PartitionLog& log, int64_t offset) {
    auto r = log.read(Offset(offset), 64 * 1024, log.log_end_offset());
    if (!r.is_ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange) << r.status().to_string();
      return false;
    }
    auto bytes = r->records.read_all();
    EXPECT_TRUE(bytes.is_ok());
    if (!bytes.is_ok()) return true;
    size_t pos = 0;
    int64_t next = -1;
    while (pos < bytes->size()) {
      auto check = records::check_batch(ByteSpan(*bytes).subspan(pos), 1 << 20);
      EXPECT_EQ(check.check, records::BatchCheck::kValid) << check.status.to_string();
      if (check.check != records::BatchCheck::kValid) return true;
      if (next >= 0) {
        EXPECT_EQ(check.header.base_offset, next);
      } else {
        EXPECT_LE(check.header.base_offset, offset);
      }
      next = check.header.next_offset();
      pos += check.header.size_bytes();
    }
    return true;
  }
};

TEST_F(ConcurrencyTest, ReadersDuringAppendsSeeOnlyWholeBatches) {
  config_.segment_bytes = 20'000;
  config_.index_interval_bytes = 500;
  auto log = open();
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  std::atomic<int64_t> reads{0};
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      uint64_t x = 12345 + t;
      // Bounded by the writer finishing.
      while (!done.load()) {
        int64_t leo = log->log_end_offset().value();
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t o = leo == 0 ? 0 : static_cast<int64_t>(x % static_cast<uint64_t>(leo + 1));
        check_read(*log, o);
        ++reads;
      }
    });
  }
  for (int i = 0; i < 2000; ++i) append(*log, 1 + i % 5, 50 + i % 200);
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_GT(log->segment_count(), 10);
}

TEST_F(ConcurrencyTest, ReadersDuringRetentionGetDataOrOutOfRange) {
  config_.segment_bytes = 5'000;
  config_.retention_bytes = 20'000;
  config_.retention_ms = -1;
  auto log = open();
  std::atomic<bool> done{false};
  std::thread retention([&] {
    while (!done.load()) {
      auto r = log->enforce_retention();
      EXPECT_TRUE(r.is_ok());
    }
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        int64_t start = log->log_start_offset().value();
        check_read(*log, start);  // may fall below the start meanwhile: OutOfRange is fine
      }
    });
  }
  for (int i = 0; i < 3000; ++i) append(*log, 1, 200);
  done = true;
  retention.join();
  for (auto& t : readers) t.join();
  ASSERT_TRUE(log->enforce_retention().is_ok());
  EXPECT_LE(log->size_bytes(), 20'000u + 5'000u);
  EXPECT_GT(log->log_start_offset(), Offset(0));
}

TEST_F(ConcurrencyTest, DurabilityCallbacksRunAfterTheFlusherSyncs) {
  Flusher flusher(1);
  auto opts = options();
  opts.flusher = &flusher;
  auto opened = PartitionLog::open(opts);
  ASSERT_TRUE(opened.is_ok());
  auto log = std::move(opened).value();
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::vector<int64_t> order;
  constexpr int kThreads = 4, kPerThread = 50;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        Bytes b = make_batch(1);
        auto r = log->append(b, LeaderEpoch(0));
        ASSERT_TRUE(r.is_ok());
        int64_t last = r->last_offset.value();
        log->on_durable(r->last_offset, [&, last](const Status& s) {
          EXPECT_TRUE(s.is_ok());
          EXPECT_GT(log->flushed_offset().value(), last);
          std::lock_guard lock(mu);
          order.push_back(last);
          ++done;
          cv.notify_all();
        });
      }
    });
  }
  for (auto& t : producers) t.join();
  std::unique_lock lock(mu);
  ASSERT_TRUE(
      cv.wait_for(lock, std::chrono::seconds(30), [&] { return done == kThreads * kPerThread; }));
  EXPECT_EQ(log->flushed_offset(), log->log_end_offset());
}

TEST_F(ConcurrencyTest, OnDurableRunsInlineWhenAlreadyDurable) {
  auto log = open();
  append(*log);
  ASSERT_TRUE(log->flush().is_ok());
  bool called = false;
  log->on_durable(Offset(0), [&](const Status& s) { called = s.is_ok(); });
  EXPECT_TRUE(called);
}

TEST_F(ConcurrencyTest, OnDurableWaitsForTheNextFlushWithoutAFlusher) {
  auto log = open();
  append(*log);
  bool called = false;
  log->on_durable(Offset(0), [&](const Status&) { called = true; });
  EXPECT_FALSE(called);
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace eddy::log::testing
