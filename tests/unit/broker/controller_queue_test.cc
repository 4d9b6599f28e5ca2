#include "broker/controller_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace eddy::broker {
namespace {

// Holds the controller thread inside a task until release().
class Blocker {
 public:
  ControllerTask task() {
    ControllerTask t;
    t.run = [this] {
      started_.set_value();
      release_.get_future().wait();
    };
    return t;
  }
  void wait_started() { started_.get_future().wait(); }
  void release() { release_.set_value(); }

 private:
  std::promise<void> started_;
  std::promise<void> release_;
};

struct Counted {
  std::atomic<int> runs{0};
  std::atomic<int> drops{0};
  std::atomic<bool> wanted{true};

  ControllerTask task(size_t bytes = 0) {
    ControllerTask t;
    t.run = [this] { ++runs; };
    t.drop = [this] { ++drops; };
    t.bytes = bytes;
    t.wanted = [this] { return wanted.load(); };
    return t;
  }
};

// Waits until every task submitted before it ran.
void drain(ControllerQueue& q) {
  std::promise<void> done;
  ControllerTask t;
  t.run = [&] { done.set_value(); };
  ASSERT_TRUE(q.submit(std::move(t)));
  done.get_future().wait();
}

TEST(ControllerQueueTest, TaskOfAClientThatDisconnectedWhileQueuedIsDroppedNotRun) {
  ControllerQueue q;
  Blocker blocker;
  ASSERT_TRUE(q.submit(blocker.task()));
  blocker.wait_started();
  Counted dead;
  Counted alive;
  ASSERT_TRUE(q.submit(dead.task()));
  ASSERT_TRUE(q.submit(alive.task()));
  dead.wanted = false;
  blocker.release();
  drain(q);
  EXPECT_EQ(dead.runs, 0);
  EXPECT_EQ(dead.drops, 1);
  EXPECT_EQ(alive.runs, 1);
  EXPECT_EQ(alive.drops, 0);
  EXPECT_EQ(q.dropped_dead(), 1u);
}

TEST(ControllerQueueTest, QueueFullByBytesRefusesUntilDeadTasksMakeRoom) {
  ControllerQueue q(/*max_queued=*/100, /*max_queued_bytes=*/100);
  Blocker blocker;
  ASSERT_TRUE(q.submit(blocker.task()));
  blocker.wait_started();
  Counted first;
  Counted second;
  ASSERT_TRUE(q.submit(first.task(60)));
  EXPECT_EQ(q.queued_bytes(), 60u);
  EXPECT_FALSE(q.submit(second.task(60)));
  EXPECT_EQ(second.drops, 1);
  first.wanted = false;  // its client went away: its bytes are given back to the next submit
  EXPECT_TRUE(q.submit(second.task(60)));
  EXPECT_EQ(first.drops, 1);
  EXPECT_EQ(q.queued_bytes(), 60u);
  blocker.release();
  drain(q);
  EXPECT_EQ(first.runs, 0);
  EXPECT_EQ(second.runs, 1);
  EXPECT_EQ(q.queued_bytes(), 0u);
}

TEST(ControllerQueueTest, EmptyQueueTakesATaskLargerThanTheByteBound) {
  ControllerQueue q(/*max_queued=*/100, /*max_queued_bytes=*/100);
  Blocker blocker;
  ASSERT_TRUE(q.submit(blocker.task()));
  blocker.wait_started();
  Counted big;
  EXPECT_TRUE(q.submit(big.task(1000)));
  // Until it runs, the queue is over its bound and takes nothing else.
  Counted small;
  EXPECT_FALSE(q.submit(small.task(1)));
  blocker.release();
  while (big.runs == 0) std::this_thread::yield();
  EXPECT_TRUE(q.submit(small.task(1)));
}

TEST(ControllerQueueTest, FullQueueByCountRefuses) {
  ControllerQueue q(/*max_queued=*/1);
  Blocker blocker;
  ASSERT_TRUE(q.submit(blocker.task()));
  blocker.wait_started();
  Counted a;
  Counted b;
  EXPECT_TRUE(q.submit(a.task()));
  EXPECT_FALSE(q.submit(b.task()));
  EXPECT_EQ(b.drops, 1);
  blocker.release();
}

TEST(ControllerQueueTest, StopDropsWhatIsQueuedAndWaitsOnlyForTheRunningTask) {
  ControllerQueue q;
  Blocker blocker;
  ASSERT_TRUE(q.submit(blocker.task()));
  blocker.wait_started();
  Counted queued;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.submit(queued.task()));
  auto stopped = std::async(std::launch::async, [&] { q.stop(); });
  // The queued tasks are dropped while the running one still runs.
  while (queued.drops < 3) std::this_thread::yield();
  blocker.release();
  stopped.wait();
  EXPECT_EQ(queued.runs, 0);
  Counted late;
  EXPECT_FALSE(q.submit(late.task()));
  EXPECT_EQ(late.drops, 1);
}

TEST(ControllerQueueTest, BoundedStopLeavesATaskThatDoesNotEndBehind) {
  ControllerQueue q;
  Blocker blocker;
  ASSERT_TRUE(q.submit(blocker.task()));
  blocker.wait_started();
  EXPECT_FALSE(q.stop_within(10));
  blocker.release();
  EXPECT_TRUE(q.stop_within(60'000));
}

TEST(ControllerQueueTest, BoundedStopOfAnIdleQueueJoinsAtOnce) {
  ControllerQueue q;
  EXPECT_TRUE(q.stop_within(60'000));
}

}  // namespace
}  // namespace eddy::broker
