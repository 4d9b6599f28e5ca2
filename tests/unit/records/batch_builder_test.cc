#include "protocol/records/batch_builder.h"

#include <gtest/gtest.h>

#include <string>

#include "protocol/records/batch_reader.h"

namespace eddy::records {
namespace {

std::string str(const std::optional<ByteSpan>& b) { return std::string(as_string_view(*b)); }

const Compression kAllCodecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                  Compression::kLz4, Compression::kZstd};

class RoundTripPerCodec : public ::testing::TestWithParam<Compression> {};

TEST_P(RoundTripPerCodec, KeysValuesNullsEmptiesAndHeadersSurvive) {
  BatchOptions options;
  options.compression = GetParam();
  options.base_offset = 1000;
  BatchBuilder b(options);
  RecordHeader headers[] = {
      {"trace", as_bytes("abc")}, {"nullh", std::nullopt}, {"", as_bytes("")}};
  b.append(1'700'000'000'000, "k0", "v0", headers);
  b.append(1'700'000'000'005, std::nullopt, std::nullopt);
  b.append(1'699'999'999'990, as_bytes(""), as_bytes(""));
  auto built = b.build();
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  auto decoded = decode_batch(*built);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  const DecodedBatch& d = *decoded;
  EXPECT_EQ(d.header.compression(), GetParam());
  EXPECT_EQ(d.header.records_count, 3);
  EXPECT_EQ(d.header.last_offset_delta, 2);
  EXPECT_EQ(d.header.base_timestamp, 1'700'000'000'000);
  EXPECT_EQ(d.header.max_timestamp, 1'700'000'000'005);
  ASSERT_EQ(d.records.size(), 3u);
  EXPECT_EQ(d.records[0].offset, 1000);
  EXPECT_EQ(str(d.records[0].key), "k0");
  EXPECT_EQ(str(d.records[0].value), "v0");
  ASSERT_EQ(d.records[0].headers.size(), 3u);
  EXPECT_EQ(d.records[0].headers[0].key, "trace");
  EXPECT_EQ(str(d.records[0].headers[0].value), "abc");
  EXPECT_EQ(d.records[0].headers[1].key, "nullh");
  EXPECT_FALSE(d.records[0].headers[1].value.has_value());
  EXPECT_EQ(d.records[0].headers[2].key, "");
  EXPECT_EQ(d.records[0].headers[2].value->size(), 0u);
  EXPECT_EQ(d.records[1].offset, 1001);
  EXPECT_EQ(d.records[1].timestamp, 1'700'000'000'005);
  EXPECT_FALSE(d.records[1].key.has_value());
  EXPECT_FALSE(d.records[1].value.has_value());
  EXPECT_EQ(d.records[2].offset, 1002);
  EXPECT_EQ(d.records[2].timestamp, 1'699'999'999'990);
  ASSERT_TRUE(d.records[2].key.has_value());
  EXPECT_EQ(d.records[2].key->size(), 0u);
  ASSERT_TRUE(d.records[2].value.has_value());
  EXPECT_EQ(d.records[2].value->size(), 0u);
}

TEST_P(RoundTripPerCodec, LargeValueOf900KiBSurvives) {
  std::string big(900 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + (i * 7919 % 23));
  BatchOptions options;
  options.compression = GetParam();
  BatchBuilder b(options);
  b.append(5, "big", big);
  auto built = b.build();
  ASSERT_TRUE(built.is_ok());
  auto decoded = decode_batch(*built);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  ASSERT_EQ(decoded->records.size(), 1u);
  EXPECT_EQ(str(decoded->records[0].value), big);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, RoundTripPerCodec, ::testing::ValuesIn(kAllCodecs),
                         [](const auto& info) {
                           return std::string(compression_name(info.param));
                         });

TEST(BatchBuilder, ProducerFieldsAndFlagsLandInTheHeader) {
  BatchOptions options;
  options.producer_id = 4242;
  options.producer_epoch = 3;
  options.base_sequence = 17;
  options.transactional = true;
  options.partition_leader_epoch = 9;
  BatchBuilder b(options);
  b.append(1, "k", "v");
  auto built = b.build();
  ASSERT_TRUE(built.is_ok());
  BatchCheckResult c = check_batch(*built, 1 << 20);
  ASSERT_EQ(c.check, BatchCheck::kValid) << c.status.to_string();
  EXPECT_EQ(c.header.producer_id, 4242);
  EXPECT_EQ(c.header.producer_epoch, 3);
  EXPECT_EQ(c.header.base_sequence, 17);
  EXPECT_TRUE(c.header.is_transactional());
  EXPECT_FALSE(c.header.is_control());
  EXPECT_EQ(c.header.partition_leader_epoch, 9);
}

TEST(BatchBuilder, LogAppendTimeOverridesRecordTimestamps) {
  BatchOptions options;
  options.timestamp_type = TimestampType::kLogAppendTime;
  options.log_append_time_ms = 777;
  BatchBuilder b(options);
  b.append(1, "a", "1");
  b.append(2, "b", "2");
  auto built = b.build();
  ASSERT_TRUE(built.is_ok());
  auto d = decode_batch(*built);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->header.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(d->header.max_timestamp, 777);
  EXPECT_EQ(d->records[0].timestamp, 777);
  EXPECT_EQ(d->records[1].timestamp, 777);
}

TEST(BatchBuilder, AppendAtKeepsOffsetGaps) {
  BatchBuilder b;
  b.append_at(0, 10, as_bytes("a"), as_bytes("1"));
  b.append_at(5, 11, as_bytes("b"), as_bytes("2"));
  auto built = b.build();
  ASSERT_TRUE(built.is_ok());
  auto d = decode_batch(*built);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->header.last_offset_delta, 5);
  EXPECT_EQ(d->header.records_count, 2);
  EXPECT_EQ(d->records[1].offset, 5);
}

TEST(BatchBuilder, EmptyBuilderMakesAValidEmptyBatch) {
  auto built = BatchBuilder().build();
  ASSERT_TRUE(built.is_ok());
  ASSERT_EQ(built->size(), kBatchHeaderSize);
  BatchCheckResult c = check_batch(*built, 1 << 20);
  EXPECT_EQ(c.check, BatchCheck::kValid);
  EXPECT_EQ(c.header.records_count, 0);
  EXPECT_EQ(c.header.max_timestamp, -1);
}

TEST(BatchBuilder, EndTxnMarkerIsATransactionalControlBatch) {
  EndTxnMarker m;
  m.type = ControlType::kAbort;
  m.coordinator_epoch = 12;
  m.producer_id = 99;
  m.producer_epoch = 2;
  m.timestamp_ms = 1234;
  auto built = build_end_txn_marker(m);
  ASSERT_TRUE(built.is_ok());
  auto d = decode_batch(*built);
  ASSERT_TRUE(d.is_ok());
  EXPECT_TRUE(d->header.is_control());
  EXPECT_TRUE(d->header.is_transactional());
  EXPECT_EQ(d->header.producer_id, 99);
  ASSERT_EQ(d->records.size(), 1u);
  const Record& r = d->records[0];
  ASSERT_EQ(r.key->size(), 4u);
  EXPECT_EQ(load_be_i16(r.key->data()), 0);
  EXPECT_EQ(load_be_i16(r.key->data() + 2), 0);  // ABORT
  ASSERT_EQ(r.value->size(), 6u);
  EXPECT_EQ(load_be_i32(r.value->data() + 2), 12);
}

TEST(BatchBuilder, AssignLogAppendTimeKeepsTheCrcValid) {
  BatchBuilder b;
  b.append(1, "a", "1");
  auto built = b.build();
  ASSERT_TRUE(built.is_ok());
  assign_log_append_time(*built, 5555);
  BatchCheckResult c = check_batch(*built, 1 << 20);
  ASSERT_EQ(c.check, BatchCheck::kValid);
  EXPECT_EQ(c.header.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(c.header.max_timestamp, 5555);
}

}  // namespace
}  // namespace eddy::records
