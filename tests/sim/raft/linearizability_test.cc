#include "linearizability.h"

#include <gtest/gtest.h>

namespace eddy::raft::sim {
namespace {

RegisterOp w(int64_t invoke, int64_t response, int64_t value) {
  return {invoke, response, true, value, 0};
}
RegisterOp r(int64_t invoke, int64_t response, int64_t value) {
  return {invoke, response, false, value, 0};
}

TEST(RegisterLinearizability, SequentialWriteThenReadIsLinearizable) {
  EXPECT_EQ(check_register({w(0, 1, 5), r(2, 3, 5)}, 0).verdict, Verdict::kLinearizable);
}

TEST(RegisterLinearizability, StaleReadAfterCompletedWriteIsNot) {
  EXPECT_EQ(check_register({w(0, 1, 5), r(2, 3, 0)}, 0).verdict, Verdict::kNotLinearizable);
}

TEST(RegisterLinearizability, ConcurrentReadMaySeeEitherValue) {
  EXPECT_EQ(check_register({w(0, 10, 5), r(1, 2, 0), r(3, 4, 5)}, 0).verdict,
            Verdict::kLinearizable);
}

TEST(RegisterLinearizability, ReadsMustNotGoBackInTime) {
  // Once a read saw 5, a later read cannot see the older 0.
  EXPECT_EQ(check_register({w(0, 10, 5), r(1, 2, 5), r(3, 4, 0)}, 0).verdict,
            Verdict::kNotLinearizable);
}

TEST(RegisterLinearizability, ReadOfNeverWrittenValueIsNot) {
  EXPECT_EQ(check_register({w(0, 1, 5), r(0, 3, 7)}, 0).verdict, Verdict::kNotLinearizable);
}

TEST(RegisterLinearizability, OverlappingWritesOrderedByReads) {
  EXPECT_EQ(check_register({w(0, 10, 1), w(0, 10, 2), r(11, 12, 1), r(13, 14, 1)}, 0).verdict,
            Verdict::kLinearizable);
  EXPECT_EQ(check_register({w(0, 10, 1), w(0, 10, 2), r(11, 12, 1), r(13, 14, 2)}, 0).verdict,
            Verdict::kNotLinearizable);
}

}  // namespace
}  // namespace eddy::raft::sim
