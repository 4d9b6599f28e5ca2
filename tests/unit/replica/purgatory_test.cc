#include <gtest/gtest.h>

#include "broker/replica/delayed_operation.h"

namespace eddy::broker {
namespace {

class FlagOperation : public DelayedOperation {
 public:
  FlagOperation(int64_t deadline_ms, bool* ready, int* completions, bool* expired)
      : DelayedOperation(deadline_ms),
        ready_(ready),
        completions_(completions),
        expired_(expired) {}

 protected:
  bool ready() override { return *ready_; }
  void on_complete(bool expired) override {
    ++*completions_;
    *expired_ = expired;
  }

 private:
  bool* ready_;
  int* completions_;
  bool* expired_;
};

TEST(Purgatory, OperationCompletesOnceWhenItsConditionHolds) {
  ManualClock clock;
  Purgatory p(&clock, 10);
  bool ready = false, expired = true;
  int completions = 0;
  auto op =
      std::make_shared<FlagOperation>(clock.monotonic_ms() + 100, &ready, &completions, &expired);
  EXPECT_FALSE(op->try_complete());
  ASSERT_TRUE(p.watch(op));
  EXPECT_EQ(p.pending(), 1u);
  ready = true;
  EXPECT_TRUE(op->try_complete());
  EXPECT_TRUE(op->try_complete());
  EXPECT_EQ(completions, 1);
  EXPECT_FALSE(expired);
  EXPECT_EQ(p.pending(), 0u);  // a completed operation leaves the purgatory at once
}

TEST(Purgatory, OperationExpiresAtItsDeadline) {
  ManualClock clock;
  Purgatory p(&clock, 10);
  bool ready = false, expired = false;
  int completions = 0;
  auto op =
      std::make_shared<FlagOperation>(clock.monotonic_ms() + 100, &ready, &completions, &expired);
  ASSERT_TRUE(p.watch(op));
  clock.advance_ms(99);
  EXPECT_EQ(p.expire_due(), 0u);
  clock.advance_ms(1);
  EXPECT_EQ(p.expire_due(), 1u);
  EXPECT_EQ(completions, 1);
  EXPECT_TRUE(expired);
}

TEST(Purgatory, WatchRefusesPastTheBound) {
  ManualClock clock;
  Purgatory p(&clock, 1);
  bool ready = false, expired = false;
  int completions = 0;
  auto a = std::make_shared<FlagOperation>(100, &ready, &completions, &expired);
  auto b = std::make_shared<FlagOperation>(100, &ready, &completions, &expired);
  EXPECT_TRUE(p.watch(a));
  EXPECT_FALSE(p.watch(b));
}

TEST(Purgatory, StopExpiresEverythingPending) {
  ManualClock clock;
  Purgatory p(&clock, 10);
  bool ready = false, expired = false;
  int completions = 0;
  ASSERT_TRUE(p.watch(std::make_shared<FlagOperation>(1'000'000, &ready, &completions, &expired)));
  p.stop();
  EXPECT_EQ(completions, 1);
  EXPECT_TRUE(expired);
}

}  // namespace
}  // namespace eddy::broker
