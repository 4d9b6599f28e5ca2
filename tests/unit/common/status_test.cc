#include "common/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "common/ids.h"

namespace eddy {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return invalid_argument("not positive: " + std::to_string(v));
  return v;
}

Result<int> doubled(int v) {
  EDDY_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return x * 2;
}

TEST(Status, OkAndErrorsDescribeThemselves) {
  EXPECT_TRUE(Status::ok().is_ok());
  EXPECT_EQ(Status::ok().to_string(), "OK");
  Status s = corruption("bad crc");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.to_string(), "Corruption: bad crc");
}

TEST(Status, ErrnoNoSpaceBecomesNoSpace) {
  EXPECT_EQ(errno_status(ENOSPC, "write").code(), StatusCode::kNoSpace);
  EXPECT_EQ(errno_status(EIO, "fsync").code(), StatusCode::kIoError);
}

TEST(Result, AssignOrReturnPropagatesTheError) {
  EXPECT_EQ(doubled(4).value(), 8);
  auto r = doubled(-1);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(StrongId, OffsetsCountAndCompare) {
  Offset a{10};
  Offset b = a + 5;
  EXPECT_EQ(b.value(), 15);
  EXPECT_EQ(b - a, 5);
  EXPECT_LT(a, b);
  EXPECT_EQ(kNoLeaderEpoch.value(), -1);
}

}  // namespace
}  // namespace eddy
