#include "protocol/records/batch_validator.h"

#include <gtest/gtest.h>

#include <string>

#include "protocol/records/batch_builder.h"

namespace eddy::records {
namespace {

Bytes build(BatchOptions options, int records = 3, int64_t ts = 1'000) {
  BatchBuilder b(options);
  for (int i = 0; i < records; ++i) b.append(ts + i, "k" + std::to_string(i), "v");
  return std::move(b.build()).value();
}

Bytes plain(int records = 3) { return build(BatchOptions{}, records); }

void refresh_crc(Bytes& batch) { store_be32(batch.data() + kCrcPos, compute_batch_crc(batch)); }

StatusCode code_of(const Bytes& batch, const AppendValidationOptions& options = {}) {
  return validate_batch_for_append(batch, options).status().code();
}

TEST(ValidateBatchForAppend, ValidBatchReportsCountAndMaxTimestamp) {
  BatchBuilder b;
  b.append(10, "a", "1");
  b.append(30, "b", "2");
  b.append(20, "c", "3");
  Bytes batch = std::move(b.build()).value();
  auto v = validate_batch_for_append(batch, {});
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(v->record_count, 3);
  EXPECT_EQ(v->max_timestamp, 30);
  EXPECT_EQ(v->offset_delta_of_max_timestamp, 1);
}

TEST(ValidateBatchForAppend, EveryCodecIsDecompressedAndChecked) {
  for (Compression c :
       {Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    BatchOptions options;
    options.compression = c;
    auto v = validate_batch_for_append(build(options, 50), {});
    ASSERT_TRUE(v.is_ok()) << compression_name(c) << ": " << v.status().to_string();
    EXPECT_EQ(v->record_count, 50);
    EXPECT_GT(v->decompressed_bytes, 0u);
  }
}

TEST(ValidateBatchForAppend, LegacyMagicIsInvalidRecord) {
  Bytes batch = plain();
  batch[kMagicPos] = 1;
  auto v = validate_batch_for_append(batch, {});
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(kafka_error_for_append(v.status()), kKafkaInvalidRecord);
}

TEST(ValidateBatchForAppend, CrcMismatchIsCorruptMessage) {
  Bytes batch = plain();
  batch[kBatchHeaderSize + 3] ^= 0x10;
  auto v = validate_batch_for_append(batch, {});
  EXPECT_EQ(kafka_error_for_append(v.status()), kKafkaCorruptMessage);
}

TEST(ValidateBatchForAppend, TruncatedBatchIsCorruptMessage) {
  Bytes batch = plain();
  batch.pop_back();
  EXPECT_EQ(code_of(batch), StatusCode::kCorruption);
}

TEST(ValidateBatchForAppend, TwoBatchesInOneRequestAreInvalid) {
  Bytes batch = plain();
  Bytes two = batch;
  two.insert(two.end(), batch.begin(), batch.end());
  EXPECT_EQ(code_of(two), StatusCode::kInvalidArgument);
}

TEST(ValidateBatchForAppend, BatchOverTheSizeLimitIsTooLarge) {
  AppendValidationOptions options;
  options.max_batch_bytes = 50;
  auto v = validate_batch_for_append(plain(), options);
  EXPECT_EQ(kafka_error_for_append(v.status()), kKafkaMessageTooLarge);
}

TEST(ValidateBatchForAppend, DecompressionBombIsTooLarge) {
  BatchOptions bo;
  bo.compression = Compression::kGzip;
  BatchBuilder b(bo);
  b.append(1, "k", std::string(8 << 20, '\0'));
  Bytes batch = std::move(b.build()).value();
  ASSERT_LT(batch.size(), 64u << 10);
  AppendValidationOptions options;
  options.max_decompressed_bytes = 1 << 20;
  EXPECT_EQ(code_of(batch, options), StatusCode::kTooLarge);
}

TEST(ValidateBatchForAppend, DisallowedCodecIsUnsupportedCompressionType) {
  BatchOptions bo;
  bo.compression = Compression::kZstd;
  AppendValidationOptions options;
  options.allowed_codecs = kAllCodecs & ~codec_bit(Compression::kZstd);
  auto v = validate_batch_for_append(build(bo), options);
  EXPECT_EQ(kafka_error_for_append(v.status()), kKafkaUnsupportedCompressionType);
}

TEST(ValidateBatchForAppend, UnknownCodecIsUnsupportedCompressionType) {
  Bytes batch = plain();
  store_be16(batch.data() + kAttributesPos, 5);
  refresh_crc(batch);
  EXPECT_EQ(code_of(batch), StatusCode::kUnsupported);
}

TEST(ValidateBatchForAppend, ControlBatchFromAClientIsInvalid) {
  EndTxnMarker m;
  m.producer_id = 5;
  m.producer_epoch = 0;
  Bytes marker = std::move(build_end_txn_marker(m)).value();
  EXPECT_EQ(code_of(marker), StatusCode::kInvalidArgument);
  // The coordinator may write it, with base_sequence -1 beside a producer id as Kafka's markers.
  AppendValidationOptions coordinator;
  coordinator.allow_control = true;
  EXPECT_TRUE(validate_batch_for_append(marker, coordinator).is_ok());
}

TEST(ValidateBatchForAppend, TransactionalBatchWhereNotAllowedIsInvalid) {
  BatchOptions bo;
  bo.transactional = true;
  bo.producer_id = 1;
  bo.producer_epoch = 0;
  bo.base_sequence = 0;
  AppendValidationOptions options;
  options.allow_transactional = false;
  EXPECT_EQ(code_of(build(bo), options), StatusCode::kInvalidArgument);
  EXPECT_TRUE(validate_batch_for_append(build(bo), {}).is_ok());
}

TEST(ValidateBatchForAppend, ProducerIdWithoutSequenceIsInvalid) {
  BatchOptions bo;
  bo.producer_id = 1;
  bo.producer_epoch = 0;
  EXPECT_EQ(code_of(build(bo)), StatusCode::kInvalidArgument);
}

TEST(ValidateBatchForAppend, EmptyBatchIsInvalid) {
  Bytes empty = std::move(BatchBuilder().build()).value();
  EXPECT_EQ(code_of(empty), StatusCode::kInvalidArgument);
}

TEST(ValidateBatchForAppend, LastOffsetDeltaInconsistentWithCountIsInvalid) {
  Bytes batch = plain();
  store_be32(batch.data() + kLastOffsetDeltaPos, 5);
  refresh_crc(batch);
  EXPECT_EQ(code_of(batch), StatusCode::kInvalidArgument);
}

TEST(ValidateBatchForAppend, OffsetDeltaGapIsInvalid) {
  BatchBuilder b;
  b.append_at(0, 1, as_bytes("a"), as_bytes("1"));
  b.append_at(2, 1, as_bytes("b"), as_bytes("2"));
  Bytes batch = std::move(b.build()).value();
  // Make the header self-consistent (count 3 for last delta 2) so the record check is reached.
  store_be32(batch.data() + kRecordsCountPos, 3);
  refresh_crc(batch);
  EXPECT_EQ(code_of(batch), StatusCode::kInvalidArgument);
  store_be32(batch.data() + kRecordsCountPos, 2);
  store_be32(batch.data() + kLastOffsetDeltaPos, 1);
  refresh_crc(batch);
  auto v = validate_batch_for_append(batch, {});
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("offset delta"), std::string::npos);
}

TEST(ValidateBatchForAppend, RecordCountBeyondTheRecordsIsInvalid) {
  Bytes batch = plain(3);
  store_be32(batch.data() + kRecordsCountPos, 4);
  store_be32(batch.data() + kLastOffsetDeltaPos, 3);
  refresh_crc(batch);
  EXPECT_EQ(code_of(batch), StatusCode::kInvalidArgument);
}

TEST(ValidateBatchForAppend, NegativeTimestampIsInvalidTimestamp) {
  BatchBuilder b;
  b.append(-5, "k", "v");
  auto v = validate_batch_for_append(std::move(b.build()).value(), {});
  EXPECT_EQ(kafka_error_for_append(v.status()), kKafkaInvalidTimestamp);
}

TEST(ValidateBatchForAppend, NoTimestampMinusOneIsAccepted) {
  BatchBuilder b;
  b.append(-1, "k", "v");
  EXPECT_TRUE(validate_batch_for_append(std::move(b.build()).value(), {}).is_ok());
}

TEST(ValidateBatchForAppend, TimestampOutsideTheWindowIsInvalidTimestamp) {
  AppendValidationOptions options;
  options.now_ms = 1'000'000;
  options.max_timestamp_difference_ms = 1000;
  EXPECT_EQ(code_of(build({}, 1, 1'000'500), options), StatusCode::kOk);
  EXPECT_EQ(code_of(build({}, 1, 1'002'000), options), StatusCode::kOutOfRange);
  EXPECT_EQ(code_of(build({}, 1, 990'000), options), StatusCode::kOutOfRange);
}

TEST(ValidateBatchForAppend, CompactedTopicRejectsNullKeys) {
  BatchBuilder b;
  b.append(1, std::nullopt, as_bytes("v"));
  Bytes batch = std::move(b.build()).value();
  AppendValidationOptions options;
  options.require_keys = true;
  EXPECT_EQ(code_of(batch, options), StatusCode::kInvalidArgument);
  EXPECT_TRUE(validate_batch_for_append(batch, {}).is_ok());
}

TEST(ValidateBatchForAppend, EveryKeylessRecordOfACompactedTopicIsListedByIndex) {
  BatchBuilder b;
  b.append(1, as_bytes("k0"), as_bytes("v"));
  b.append(1, std::nullopt, as_bytes("v"));
  b.append(1, as_bytes("k2"), as_bytes("v"));
  b.append(1, std::nullopt, as_bytes("v"));
  Bytes batch = std::move(b.build()).value();
  AppendValidationOptions options;
  options.require_keys = true;
  std::vector<RecordError> errors;
  auto v = validate_batch_for_append(batch, options, &errors);
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].batch_index, 1);
  EXPECT_EQ(errors[1].batch_index, 3);
  EXPECT_NE(errors[0].message.find("without a key"), std::string::npos);
}

TEST(ValidateBatchForAppend, LogAppendTimeBatchReportsTheHeaderTimestamp) {
  BatchOptions bo;
  bo.timestamp_type = TimestampType::kLogAppendTime;
  bo.log_append_time_ms = 424242;
  auto v = validate_batch_for_append(build(bo), {});
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->max_timestamp, 424242);
}

TEST(KafkaErrorForAppend, MapsEveryValidationCode) {
  EXPECT_EQ(kafka_error_for_append(Status::ok()), kKafkaNone);
  EXPECT_EQ(kafka_error_for_append(corruption("x")), 2);
  EXPECT_EQ(kafka_error_for_append(too_large("x")), 10);
  EXPECT_EQ(kafka_error_for_append(out_of_range("x")), 32);
  EXPECT_EQ(kafka_error_for_append(unsupported("x")), 76);
  EXPECT_EQ(kafka_error_for_append(invalid_argument("x")), 87);
  EXPECT_EQ(kafka_error_for_append(io_error("x")), -1);
}

TEST(SummarizeBatch, ReadsCountAndMaxTimestampFromTheHeader) {
  BatchBuilder b(BatchOptions{.base_offset = 100});
  b.append(7, "a", "1");
  b.append(9, "b", "2");
  auto s = summarize_batch(std::move(b.build()).value());
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->record_count, 2);
  EXPECT_EQ(s->max_timestamp, 9);
  EXPECT_EQ(s->base_offset, 100);
  EXPECT_EQ(s->last_offset, 101);
}

TEST(SummarizeBatch, ShortBufferIsCorruption) {
  Bytes batch = plain();
  EXPECT_EQ(summarize_batch(ByteSpan(batch).first(30)).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace eddy::records
