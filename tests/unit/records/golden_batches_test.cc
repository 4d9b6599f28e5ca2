// Batches captured from real clients (tests/data/records/README.md) must decode to the records the
// capture script sent, pass produce validation, and, uncompressed, re-encode byte for byte.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <string>

#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_reader.h"
#include "protocol/records/batch_validator.h"

namespace eddy::records {
namespace {

constexpr int64_t kBaseTimestamp = 1'700'000'000'000;

Bytes read_capture(const std::string& name) {
  std::ifstream in(std::string(EDDY_RECORDS_DATA_DIR) + "/" + name, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string lorem() {
  std::string s;
  for (int i = 0; i < 80; ++i) s += "lorem ipsum dolor sit amet ";
  return s;
}

std::string str(const std::optional<ByteSpan>& b) { return std::string(as_string_view(*b)); }

struct Capture {
  const char* file;
  Compression codec;
  bool null_header_value;  // kafka-python sends h2 as empty, librdkafka as null
};

const Capture kCaptures[] = {
    {"librdkafka-2.0.2-none.bin", Compression::kNone, true},
    {"librdkafka-2.0.2-gzip.bin", Compression::kGzip, true},
    {"librdkafka-2.0.2-snappy.bin", Compression::kSnappy, true},
    {"librdkafka-2.0.2-lz4.bin", Compression::kLz4, true},
    {"librdkafka-2.0.2-zstd.bin", Compression::kZstd, true},
    {"kafka-python-2.0.2-none.bin", Compression::kNone, false},
    {"kafka-python-2.0.2-gzip.bin", Compression::kGzip, false},
};

// The same five records, built by our BatchBuilder with the captured batch's producer fields.
BatchBuilder rebuild(const BatchHeader& h, bool null_header_value) {
  BatchOptions options;
  options.base_offset = h.base_offset;
  options.partition_leader_epoch = h.partition_leader_epoch;
  options.producer_id = h.producer_id;
  options.producer_epoch = h.producer_epoch;
  options.base_sequence = h.base_sequence;
  BatchBuilder b(options);
  std::optional<ByteSpan> h2;
  if (!null_header_value) h2 = as_bytes("");
  RecordHeader headers[] = {{"h1", as_bytes("hv")}, {"h2", h2}};
  static const std::string big = lorem();
  b.append(kBaseTimestamp, as_bytes("key-0"), as_bytes("value-0"), headers);
  b.append(kBaseTimestamp + 1, std::nullopt, as_bytes("value-1"));
  b.append(kBaseTimestamp + 2, as_bytes("key-2"), std::nullopt);
  b.append(kBaseTimestamp + 3, as_bytes("key-3"), as_bytes(""));
  b.append(kBaseTimestamp + 4, as_bytes("key-4"), as_bytes(big));
  return b;
}

class GoldenBatch : public ::testing::TestWithParam<Capture> {};

TEST_P(GoldenBatch, DecodesToTheRecordsTheClientSent) {
  Bytes batch = read_capture(GetParam().file);
  ASSERT_GT(batch.size(), kBatchHeaderSize) << "missing capture " << GetParam().file;
  auto decoded = decode_batch(batch);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  const DecodedBatch& d = *decoded;
  EXPECT_EQ(d.header.magic, kMagicV2);
  EXPECT_EQ(d.header.compression(), GetParam().codec);
  EXPECT_EQ(d.header.timestamp_type(), TimestampType::kCreateTime);
  EXPECT_EQ(d.header.records_count, 5);
  EXPECT_EQ(d.header.last_offset_delta, 4);
  EXPECT_EQ(d.header.base_timestamp, kBaseTimestamp);
  EXPECT_EQ(d.header.max_timestamp, kBaseTimestamp + 4);
  ASSERT_EQ(d.records.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(d.records[i].offset, d.header.base_offset + i);
    EXPECT_EQ(d.records[i].timestamp, kBaseTimestamp + i);
  }
  EXPECT_EQ(str(d.records[0].key), "key-0");
  EXPECT_EQ(str(d.records[0].value), "value-0");
  ASSERT_EQ(d.records[0].headers.size(), 2u);
  EXPECT_EQ(d.records[0].headers[0].key, "h1");
  EXPECT_EQ(str(d.records[0].headers[0].value), "hv");
  EXPECT_EQ(d.records[0].headers[1].key, "h2");
  EXPECT_EQ(d.records[0].headers[1].value.has_value(), !GetParam().null_header_value);
  EXPECT_FALSE(d.records[1].key.has_value());
  EXPECT_EQ(str(d.records[1].value), "value-1");
  EXPECT_EQ(str(d.records[2].key), "key-2");
  EXPECT_FALSE(d.records[2].value.has_value());
  EXPECT_EQ(str(d.records[3].key), "key-3");
  ASSERT_TRUE(d.records[3].value.has_value());
  EXPECT_TRUE(d.records[3].value->empty());
  EXPECT_EQ(str(d.records[4].value), lorem());
}

TEST_P(GoldenBatch, PassesProduceValidation) {
  Bytes batch = read_capture(GetParam().file);
  auto v = validate_batch_for_append(batch, {});
  ASSERT_TRUE(v.is_ok()) << v.status().to_string();
  EXPECT_EQ(v->record_count, 5);
  EXPECT_EQ(v->max_timestamp, kBaseTimestamp + 4);
  EXPECT_EQ(v->offset_delta_of_max_timestamp, 4);
}

TEST_P(GoldenBatch, RecordsSectionMatchesOurEncoderByteForByte) {
  Bytes batch = read_capture(GetParam().file);
  auto reader = BatchReader::open(batch);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  Bytes ours = std::move(rebuild(reader->header(), GetParam().null_header_value).build()).value();
  ByteSpan our_section = ByteSpan(ours).subspan(kBatchHeaderSize);
  ByteSpan their_section = reader->records_section();
  ASSERT_EQ(their_section.size(), our_section.size());
  EXPECT_TRUE(std::equal(their_section.begin(), their_section.end(), our_section.begin()));
}

INSTANTIATE_TEST_SUITE_P(Captures, GoldenBatch, ::testing::ValuesIn(kCaptures),
                         [](const auto& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.size() - 4);
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(GoldenBatch, UncompressedLibrdkafkaBatchReencodesIdentically) {
  Bytes batch = read_capture("librdkafka-2.0.2-none.bin");
  ASSERT_GT(batch.size(), kBatchHeaderSize);
  BatchHeader h = read_batch_header(batch.data());
  Bytes ours = std::move(rebuild(h, true).build()).value();
  EXPECT_EQ(ours, batch);
}

TEST(GoldenBatch, UncompressedKafkaPythonBatchReencodesIdentically) {
  Bytes batch = read_capture("kafka-python-2.0.2-none.bin");
  ASSERT_GT(batch.size(), kBatchHeaderSize);
  BatchHeader h = read_batch_header(batch.data());
  Bytes ours = std::move(rebuild(h, false).build()).value();
  EXPECT_EQ(ours, batch);
}

}  // namespace
}  // namespace eddy::records
