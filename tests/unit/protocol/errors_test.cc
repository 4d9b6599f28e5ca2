#include "protocol/errors.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace eddy::protocol {
namespace {

TEST(Errors, LookupByCode) {
  const ErrorInfo* e = find_error(6);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(std::string(e->name), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_TRUE(e->retriable);
  EXPECT_EQ(find_error(-2), nullptr);
  EXPECT_EQ(find_error(1000), nullptr);
}

TEST(Errors, TableIsDenseFromMinusOne) {
  int16_t expected = -1;
  for (const ErrorInfo& e : all_errors()) {
    EXPECT_EQ(to_int(e.code), expected);
    ++expected;
  }
  EXPECT_GE(expected, 130);
}

TEST(Errors, RetriableFlagsMatchKafka) {
  EXPECT_TRUE(is_retriable(ErrorCode::kLeaderNotAvailable));
  EXPECT_TRUE(is_retriable(ErrorCode::kNotEnoughReplicas));
  EXPECT_TRUE(is_retriable(ErrorCode::kCoordinatorLoadInProgress));
  EXPECT_FALSE(is_retriable(ErrorCode::kTopicAlreadyExists));
  EXPECT_FALSE(is_retriable(ErrorCode::kUnsupportedVersion));
}

TEST(Errors, StatusCodesMapToClientVisibleCodes) {
  EXPECT_EQ(from_status(Status::ok()), ErrorCode::kNone);
  EXPECT_EQ(from_status(corruption("x")), ErrorCode::kCorruptMessage);
  EXPECT_EQ(from_status(too_large("x")), ErrorCode::kMessageTooLarge);
  EXPECT_EQ(from_status(out_of_range("x")), ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(from_status(io_error("x")), ErrorCode::kKafkaStorageError);
  EXPECT_EQ(from_status(unsupported("x")), ErrorCode::kUnsupportedVersion);
  EXPECT_EQ(from_status(internal_error("x")), ErrorCode::kUnknownServerError);
}

}  // namespace
}  // namespace eddy::protocol
