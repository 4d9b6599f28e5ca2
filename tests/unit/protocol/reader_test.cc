#include "protocol/reader.h"

#include <gtest/gtest.h>

#include "protocol/generated/metadata.h"

namespace eddy::protocol {
namespace {

TEST(Reader, ReadsBigEndianFixedWidthValues) {
  Bytes b = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xFF, 0xFE};
  Reader r(b);
  EXPECT_EQ(r.read_int16(), 0x0102);
  EXPECT_EQ(r.read_int32(), 0x03040506);
  EXPECT_EQ(r.read_int16(), -2);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Reader, TruncatedReadFailsAndLaterReadsReturnZero) {
  Bytes b = {0x00, 0x01, 0x02};
  Reader r(b);
  EXPECT_EQ(r.read_int32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.read_int8(), 0);  // sticky: nothing more is consumed
  EXPECT_EQ(r.position(), 0u);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(Reader, StringLengthBeyondRemainingBytesFails) {
  Bytes b = {0x7F, 0xFF, 'a', 'b'};  // claims 32767 bytes, has 2
  Reader r(b);
  auto s = r.read_string(/*compact=*/false, /*nullable=*/false);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(s->empty());
}

TEST(Reader, CompactBytesLengthBeyondRemainingBytesFails) {
  Bytes b = {0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00};  // uvarint 2^31 - 1 + ...: far beyond
  Reader r(b);
  auto v = r.read_bytes(/*compact=*/true, /*nullable=*/false);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(v->empty());
}

TEST(Reader, NullInNonNullableFieldFails) {
  Bytes b = {0xFF, 0xFF};
  Reader r(b);
  (void)r.read_string(/*compact=*/false, /*nullable=*/false);
  EXPECT_FALSE(r.ok());
}

TEST(Reader, NullInNullableFieldIsNullopt) {
  Bytes b = {0xFF, 0xFF, 0x00};
  Reader r(b);
  EXPECT_FALSE(r.read_string(/*compact=*/false, /*nullable=*/true).has_value());
  EXPECT_FALSE(r.read_string(/*compact=*/true, /*nullable=*/true).has_value());
  EXPECT_TRUE(r.ok());
}

TEST(Reader, NegativeLengthOtherThanNullFails) {
  Bytes b = {0xFF, 0xFF, 0xFF, 0xFE};
  Reader r(b);
  (void)r.read_bytes(/*compact=*/false, /*nullable=*/true);
  EXPECT_FALSE(r.ok());
}

TEST(Reader, ArrayCountLargerThanRemainingBytesFails) {
  Bytes b = {0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00};
  Reader r(b);
  EXPECT_EQ(r.read_array_length(/*compact=*/false, /*nullable=*/false, 1), 0);
  EXPECT_FALSE(r.ok());
}

TEST(Reader, ArrayCountTimesElementSizeMustFit) {
  Bytes b = {0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0};  // two int32s need 8 bytes, 4 remain
  Reader r(b);
  r.read_array_length(/*compact=*/false, /*nullable=*/false, 4);
  EXPECT_FALSE(r.ok());
}

TEST(Reader, OverlongVarintFails) {
  Bytes b = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  Reader r(b);
  r.read_uvarint();
  EXPECT_FALSE(r.ok());
}

TEST(Reader, HostileArrayCountInMessageIsADecodeError) {
  // MetadataRequest v0: topics array claiming 2^31-1 entries, followed by nothing.
  Bytes b = {0x7F, 0xFF, 0xFF, 0xFF};
  Reader r(b);
  MetadataRequest m;
  m.decode(r, 0);
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(m.topics.has_value());
  EXPECT_LE(m.topics->capacity(), 1024u);
}

TEST(Reader, SubReaderErrorIsAbsorbed) {
  Bytes b = {0x01, 0x02};
  Reader r(b);
  Reader sub = r.read_sub(1);
  sub.read_int32();
  EXPECT_FALSE(sub.ok());
  r.absorb(sub);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace eddy::protocol
