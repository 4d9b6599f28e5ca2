#include "broker/replica/producer_state.h"

#include <gtest/gtest.h>

#include "protocol/errors.h"

namespace eddy::broker {
namespace {

using protocol::ErrorCode;
using protocol::to_int;

records::BatchHeader batch(int64_t pid, int16_t epoch, int32_t seq, int32_t count) {
  records::BatchHeader h;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.last_offset_delta = count - 1;
  h.records_count = count;
  return h;
}

TEST(ProducerStateTable, BatchWithoutProducerIdIsAlwaysAccepted) {
  ProducerStateTable t;
  SequenceCheck c = t.check(batch(records::kNoProducerId, -1, -1, 3));
  EXPECT_EQ(c.error, 0);
  EXPECT_FALSE(c.duplicate);
}

TEST(ProducerStateTable, UnknownProducerStartsAtAnySequence) {
  ProducerStateTable t;
  EXPECT_EQ(t.check(batch(7, 0, 42, 1)).error, 0);
}

TEST(ProducerStateTable, NextSequenceIsAccepted) {
  ProducerStateTable t;
  t.record(batch(7, 0, 0, 3), Offset(0), Offset(2));
  EXPECT_EQ(t.check(batch(7, 0, 3, 2)).error, 0);
}

TEST(ProducerStateTable, RetriedBatchIsADuplicateWithItsOriginalOffsets) {
  ProducerStateTable t;
  t.record(batch(7, 0, 0, 3), Offset(10), Offset(12));
  t.record(batch(7, 0, 3, 2), Offset(13), Offset(14));
  SequenceCheck c = t.check(batch(7, 0, 0, 3));
  EXPECT_EQ(c.error, 0);
  ASSERT_TRUE(c.duplicate);
  EXPECT_EQ(c.duplicate->first_offset, Offset(10));
  EXPECT_EQ(c.duplicate->last_offset, Offset(12));
}

TEST(ProducerStateTable, GapInSequenceIsOutOfOrder) {
  ProducerStateTable t;
  t.record(batch(7, 0, 0, 3), Offset(0), Offset(2));
  EXPECT_EQ(t.check(batch(7, 0, 5, 1)).error, to_int(ErrorCode::kOutOfOrderSequenceNumber));
}

TEST(ProducerStateTable, OnlyTheLastFiveBatchesAreRemembered) {
  ProducerStateTable t;
  for (int i = 0; i < 6; ++i) t.record(batch(7, 0, i, 1), Offset(i), Offset(i));
  // The first batch (sequence 0) fell out of the window: no longer a duplicate, and out of order.
  SequenceCheck first = t.check(batch(7, 0, 0, 1));
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(first.error, to_int(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_TRUE(t.check(batch(7, 0, 1, 1)).duplicate);
}

TEST(ProducerStateTable, OlderEpochIsFenced) {
  ProducerStateTable t;
  t.record(batch(7, 2, 0, 1), Offset(0), Offset(0));
  EXPECT_EQ(t.check(batch(7, 1, 1, 1)).error, to_int(ErrorCode::kInvalidProducerEpoch));
}

TEST(ProducerStateTable, NewEpochMustRestartAtSequenceZero) {
  ProducerStateTable t;
  t.record(batch(7, 0, 0, 5), Offset(0), Offset(4));
  EXPECT_EQ(t.check(batch(7, 1, 5, 1)).error, to_int(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(t.check(batch(7, 1, 0, 1)).error, 0);
}

TEST(ProducerStateTable, SequenceWrapsFromMaxToZero) {
  ProducerStateTable t;
  t.record(batch(7, 0, std::numeric_limits<int32_t>::max(), 1), Offset(0), Offset(0));
  EXPECT_EQ(t.check(batch(7, 0, 0, 1)).error, 0);
}

TEST(ProducerStateTable, TruncationForgetsBatchesAtOrAfterTheOffset) {
  ProducerStateTable t;
  t.record(batch(7, 0, 0, 1), Offset(0), Offset(0));
  t.record(batch(7, 0, 1, 1), Offset(1), Offset(1));
  t.truncate_from(Offset(1));
  EXPECT_FALSE(t.check(batch(7, 0, 1, 1)).duplicate);
  EXPECT_EQ(t.check(batch(7, 0, 1, 1)).error, 0);
}

}  // namespace
}  // namespace eddy::broker
