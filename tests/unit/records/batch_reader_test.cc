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

// Proposed addition to tests/unit/records/batch_reader_test.cc: decode_record's inline one- and
// two-byte varint path against the general decoder at every length boundary (zigzag: 63/64 is
// where one byte becomes two, 8191/8192 where two become three), negative timestamp deltas, and
// a record whose last field is a one-byte varint with nothing after it (the fast path needs two
// bytes left and must hand that one to the general decoder).
TEST(BatchReader, VarintLengthsAtEveryBoundaryRoundTrip) {
  const size_t sizes[] = {0, 1, 63, 64, 65, 127, 128, 8191, 8192, 8193, 70000};
  for (size_t ks : sizes) {
    for (size_t vs : sizes) {
      BatchBuilder b;
      std::string key(ks, 'k'), value(vs, 'v');
      b.append(1000, key, value);
      b.append(1000 - 70, key, value);    // negative timestamp delta, two bytes
      b.append(1000 + 9000, key, value);  // three-byte timestamp delta
      Bytes batch = std::move(b.build()).value();
      auto reader = BatchReader::open(batch);
      ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
      Record r;
      const int64_t ts[] = {1000, 930, 10000};
      for (int i = 0; i < 3; ++i) {
        auto more = reader->next(r);
        ASSERT_TRUE(more.is_ok()) << ks << "/" << vs << ": " << more.status().to_string();
        ASSERT_TRUE(*more);
        EXPECT_EQ(r.timestamp, ts[i]);
        EXPECT_EQ(r.offset_delta, i);
        EXPECT_EQ(r.key->size(), ks);
        EXPECT_EQ(r.value->size(), vs);
      }
      auto end = reader->next(r);
      ASSERT_TRUE(end.is_ok());
      EXPECT_FALSE(*end);
    }
  }
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

// three_records() declaring `count` records, CRC recomputed so only the count is wrong.
Bytes with_records_count(int32_t count) {
  Bytes batch = three_records();
  store_be32(batch.data() + kRecordsCountPos, static_cast<uint32_t>(count));
  store_be32(batch.data() + kCrcPos, compute_batch_crc(batch));
  return batch;
}

StatusCode decode_code(const Bytes& batch) { return decode_batch(batch).status().code(); }

// One hand-made record: attributes 0, deltas 0, then the given key length, a null value, the given
// header count, and `padding` zero bytes, all inside its declared length.
Bytes hand_record(int32_t key_length, int32_t header_count, size_t padding) {
  Bytes body = {0};
  put_varint(body, 0);
  put_varint(body, 0);
  put_varint(body, key_length);
  put_varint(body, -1);
  put_varint(body, header_count);
  body.resize(body.size() + padding, 0);
  Bytes section;
  put_varint(section, static_cast<int32_t>(body.size()));
  section.insert(section.end(), body.begin(), body.end());
  return batch_with_section(section, 1, 0);
}

TEST(BatchReader, FewerRecordsThanDeclaredIsInvalid) {
  EXPECT_EQ(decode_code(with_records_count(4)), StatusCode::kInvalidArgument);
}

TEST(BatchReader, MoreRecordsThanDeclaredIsInvalid) {
  EXPECT_EQ(decode_code(with_records_count(2)), StatusCode::kInvalidArgument);
}

TEST(BatchReader, HugeDeclaredCountIsRejectedBeforeReserving) {
  EXPECT_EQ(BatchReader::open(with_records_count(0x7FFFFFFF)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(BatchReader, OverlongVarintIsInvalid) {
  Bytes section = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0, 0, 0, 0};
  EXPECT_EQ(decode_code(batch_with_section(section, 1, 0)), StatusCode::kInvalidArgument);
}

TEST(BatchReader, RecordLengthBeyondTheSectionIsInvalid) {
  Bytes section;
  put_varint(section, 1000);
  section.resize(section.size() + 8, 0);
  EXPECT_EQ(decode_code(batch_with_section(section, 1, 0)), StatusCode::kInvalidArgument);
}

TEST(BatchReader, HandMadeRecordDecodes) {
  auto d = decode_batch(hand_record(0, 0, 0));
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  ASSERT_EQ(d->records.size(), 1u);
  EXPECT_TRUE(d->records[0].key->empty());
  EXPECT_FALSE(d->records[0].value.has_value());
}

TEST(BatchReader, KeyLengthBelowMinusOneIsInvalid) {
  EXPECT_EQ(decode_code(hand_record(-2, 0, 4)), StatusCode::kInvalidArgument);
}

TEST(BatchReader, KeyLengthPastTheRecordIsInvalid) {
  EXPECT_EQ(decode_code(hand_record(0x7FFFFFFF, 0, 4)), StatusCode::kInvalidArgument);
}

TEST(BatchReader, HugeHeaderCountIsInvalid) {
  EXPECT_EQ(decode_code(hand_record(-1, 0x7FFFFFFF, 0)), StatusCode::kInvalidArgument);
}

TEST(BatchReader, NegativeHeaderCountIsInvalid) {
  EXPECT_EQ(decode_code(hand_record(-1, -1, 0)), StatusCode::kInvalidArgument);
}

TEST(BatchReader, RecordWithSpareBytesInsideItsLengthIsInvalid) {
  EXPECT_EQ(decode_code(hand_record(0, 0, 4)), StatusCode::kInvalidArgument);
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
