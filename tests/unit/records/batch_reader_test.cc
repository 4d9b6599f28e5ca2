#include "protocol/records/batch_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "common/varint.h"
#include "protocol/records/batch_builder.h"

namespace eddy::records {
namespace {

Bytes three_records(Compression codec = Compression::kNone) {
  BatchOptions options;
  options.compression = codec;
  BatchBuilder b(options);
  b.append(100, "a", "1");
  b.append(101, "b", "2");
  b.append(102, "c", "3");
  return std::move(b.build()).value();
}

// Rebuilds a batch around a hand-made records section, with a correct CRC, so a test reaches the
// record decoder with exactly the bytes it wants.
Bytes batch_with_section(const Bytes& section, int32_t count, int32_t last_offset_delta) {
  Bytes out(kBatchHeaderSize + section.size());
  std::copy(section.begin(), section.end(), out.begin() + kBatchHeaderSize);
  BatchHeader h;
  h.batch_length = static_cast<int32_t>(out.size() - kLogOverhead);
  h.records_count = count;
  h.last_offset_delta = last_offset_delta;
  write_batch_header(h, out.data());
  store_be32(out.data() + kCrcPos, compute_batch_crc(out));
  return out;
}

void put_varint(Bytes& out, int32_t v) {
  uint8_t buf[varint::kMaxBytes32];
  size_t n = varint::encode_s32(v, buf);
  out.insert(out.end(), buf, buf + n);
}

TEST(BatchReader, IteratesRecordsWithOffsetsAndTimestamps) {
  Bytes batch = three_records();
  assign_base_offset(batch.data(), 50);
  auto reader = BatchReader::open(batch);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  Record r;
  std::string keys;
  int64_t expected_offset = 50;
  for (;;) {
    auto more = reader->next(r);
    ASSERT_TRUE(more.is_ok()) << more.status().to_string();
    if (!*more) break;
    EXPECT_EQ(r.offset, expected_offset);
    EXPECT_EQ(r.timestamp, 100 + (expected_offset - 50));
    keys += as_string_view(*r.key);
    ++expected_offset;
  }
  EXPECT_EQ(keys, "abc");
  EXPECT_EQ(reader->records_read(), 3);
}

TEST(BatchReader, CrcMismatchIsCorruption) {
  Bytes batch = three_records();
  batch.back() ^= 0x01;
  auto reader = BatchReader::open(batch);
  ASSERT_FALSE(reader.is_ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kCorruption);
}

TEST(BatchReader, CrcCheckCanBeSkippedForBytesAlreadyChecked) {
  Bytes batch = three_records();
  batch[kCrcPos] ^= 0xFF;
  ReadOptions options;
  options.verify_crc = false;
  EXPECT_TRUE(BatchReader::open(batch, options).is_ok());
}

TEST(BatchReader, TruncatedBatchIsCorruption) {
  Bytes batch = three_records(Compression::kLz4);
  for (size_t cut : {size_t{0}, size_t{10}, kBatchHeaderSize - 1, batch.size() - 1}) {
    auto reader = BatchReader::open(ByteSpan(batch).first(cut));
    ASSERT_FALSE(reader.is_ok()) << "cut at " << cut;
    EXPECT_EQ(reader.status().code(), StatusCode::kCorruption) << "cut at " << cut;
  }
}

TEST(BatchReader, BytesAfterTheBatchAreRejected) {
  Bytes batch = three_records();
  batch.push_back(0);
  auto reader = BatchReader::open(batch);
  ASSERT_FALSE(reader.is_ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, LegacyMagicIsRejectedAsInvalidRecord) {
  for (uint8_t magic : {0, 1}) {
    Bytes legacy(40, 0);
    store_be32(legacy.data() + kBatchLengthPos, 28);
    legacy[kMagicPos] = magic;
    auto reader = BatchReader::open(legacy);
    ASSERT_FALSE(reader.is_ok());
    EXPECT_EQ(reader.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(reader.status().message().find("legacy"), std::string::npos);
  }
}

TEST(BatchReader, UnknownMagicIsCorruption) {
  Bytes batch = three_records();
  batch[kMagicPos] = 7;
  EXPECT_EQ(BatchReader::open(batch).status().code(), StatusCode::kCorruption);
}

TEST(BatchReader, UnknownCodecIsUnsupported) {
  Bytes batch = three_records();
  store_be16(batch.data() + kAttributesPos, 6);
  store_be32(batch.data() + kCrcPos, compute_batch_crc(batch));
  EXPECT_EQ(BatchReader::open(batch).status().code(), StatusCode::kUnsupported);
}

TEST(BatchReader, FewerRecordsThanDeclaredIsInvalid) {
  Bytes batch = three_records();
  store_be32(batch.data() + kRecordsCountPos, 4);
  store_be32(batch.data() + kCrcPos, compute_batch_crc(batch));
  auto d = decode_batch(batch);
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, MoreRecordsThanDeclaredIsInvalid) {
  Bytes batch = three_records();
  store_be32(batch.data() + kRecordsCountPos, 2);
  store_be32(batch.data() + kCrcPos, compute_batch_crc(batch));
  auto d = decode_batch(batch);
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, HugeDeclaredCountIsRejectedBeforeReserving) {
  Bytes batch = three_records();
  store_be32(batch.data() + kRecordsCountPos, 0x7FFFFFFF);
  store_be32(batch.data() + kCrcPos, compute_batch_crc(batch));
  EXPECT_EQ(BatchReader::open(batch).status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, OverlongVarintIsInvalid) {
  Bytes section = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0, 0, 0, 0};
  auto d = decode_batch(batch_with_section(section, 1, 0));
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, RecordLengthBeyondTheSectionIsInvalid) {
  Bytes section;
  put_varint(section, 1000);
  section.resize(section.size() + 8, 0);
  auto d = decode_batch(batch_with_section(section, 1, 0));
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

// A record whose key length is `key_length` and that is otherwise well formed.
Bytes record_with_key_length(int32_t key_length) {
  Bytes body = {0};     // attributes
  put_varint(body, 0);  // timestamp delta
  put_varint(body, 0);  // offset delta
  put_varint(body, key_length);
  put_varint(body, -1);  // value
  put_varint(body, 0);   // headers
  body.resize(body.size() + 4, 0);
  Bytes section;
  put_varint(section, static_cast<int32_t>(body.size()));
  section.insert(section.end(), body.begin(), body.end());
  return section;
}

TEST(BatchReader, KeyLengthBelowMinusOneIsInvalid) {
  auto d = decode_batch(batch_with_section(record_with_key_length(-2), 1, 0));
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, KeyLengthPastTheRecordIsInvalid) {
  auto d = decode_batch(batch_with_section(record_with_key_length(0x7FFFFFFF), 1, 0));
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, HugeHeaderCountIsInvalid) {
  Bytes body = {0};
  put_varint(body, 0);
  put_varint(body, 0);
  put_varint(body, -1);
  put_varint(body, -1);
  put_varint(body, 0x7FFFFFFF);
  Bytes section;
  put_varint(section, static_cast<int32_t>(body.size()));
  section.insert(section.end(), body.begin(), body.end());
  auto d = decode_batch(batch_with_section(section, 1, 0));
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, RecordWithSpareBytesInsideItsLengthIsInvalid) {
  // Key length 0 leaves the 4 padding bytes unread inside the declared record length.
  auto d = decode_batch(batch_with_section(record_with_key_length(0), 1, 0));
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchReader, DecompressionCapIsEnforced) {
  BatchOptions options;
  options.compression = Compression::kZstd;
  BatchBuilder b(options);
  b.append(1, "k", std::string(100'000, 'x'));
  Bytes batch = std::move(b.build()).value();
  ReadOptions read;
  read.max_decompressed_bytes = 50'000;
  auto reader = BatchReader::open(batch, read);
  ASSERT_FALSE(reader.is_ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kTooLarge);
}

TEST(BatchIterator, SplitsConcatenatedBatchesAndStopsAtATornTail) {
  Bytes a = three_records();
  Bytes b = three_records(Compression::kSnappy);
  Bytes buf = a;
  buf.insert(buf.end(), b.begin(), b.end());
  buf.insert(buf.end(), a.begin(), a.begin() + 30);
  BatchIterator it(buf, 1 << 20);
  ByteSpan batch;
  ASSERT_TRUE(*it.next(batch));
  EXPECT_EQ(batch.size(), a.size());
  ASSERT_TRUE(*it.next(batch));
  EXPECT_EQ(batch.size(), b.size());
  auto more = it.next(batch);
  ASSERT_TRUE(more.is_ok());
  EXPECT_FALSE(*more);
  EXPECT_TRUE(it.truncated_tail());
  EXPECT_EQ(it.position(), a.size() + b.size());
}

TEST(BatchIterator, CorruptBatchInTheMiddleIsAnError) {
  Bytes a = three_records();
  Bytes buf = a;
  buf.insert(buf.end(), a.begin(), a.end());
  buf[a.size() + kBatchHeaderSize + 2] ^= 0x40;
  BatchIterator it(buf, 1 << 20);
  ByteSpan batch;
  ASSERT_TRUE(*it.next(batch));
  auto second = it.next(batch);
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace eddy::records
