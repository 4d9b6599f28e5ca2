#include "common/varint.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>

#include "common/bytes.h"

namespace eddy {
namespace {

TEST(Varint, ZigzagMapsSmallMagnitudesToSmallCodes) {
  EXPECT_EQ(varint::zigzag_encode32(0), 0u);
  EXPECT_EQ(varint::zigzag_encode32(-1), 1u);
  EXPECT_EQ(varint::zigzag_encode32(1), 2u);
  EXPECT_EQ(varint::zigzag_encode32(-2), 3u);
  EXPECT_EQ(varint::zigzag_encode32(std::numeric_limits<int32_t>::min()), 0xFFFFFFFFu);
  EXPECT_EQ(varint::zigzag_decode64(varint::zigzag_encode64(std::numeric_limits<int64_t>::min())),
            std::numeric_limits<int64_t>::min());
}

TEST(Varint, RoundTripsBoundaryValues) {
  std::array<uint8_t, 10> buf{};
  for (uint64_t v :
       {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull, 0xFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull}) {
    size_t n = varint::encode_u64(v, buf.data());
    EXPECT_EQ(n, varint::size_u64(v));
    auto d = varint::decode_u64(buf.data(), n);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->value, v);
    EXPECT_EQ(d->length, n);
  }
  for (int32_t v : {0, -1, 1, 63, -64, 64, std::numeric_limits<int32_t>::max(),
                    std::numeric_limits<int32_t>::min()}) {
    size_t n = varint::encode_s32(v, buf.data());
    auto d = varint::decode_s32(buf.data(), n);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->value, v);
  }
}

TEST(Varint, TruncatedInputIsAnError) {
  std::array<uint8_t, 2> buf{0x80, 0x80};
  EXPECT_FALSE(varint::decode_u32(buf.data(), buf.size()));
  EXPECT_FALSE(varint::decode_u64(buf.data(), 0));
}

TEST(Varint, OverlongVarintIsAnError) {
  std::array<uint8_t, 6> five{0xFF, 0xFF, 0xFF, 0xFF, 0x1F, 0x00};  // 35 bits
  EXPECT_FALSE(varint::decode_u32(five.data(), five.size()));
  std::array<uint8_t, 11> eleven{};
  eleven.fill(0x80);
  EXPECT_FALSE(varint::decode_u64(eleven.data(), eleven.size()));
}

TEST(Bytes, BigEndianRoundTrip) {
  std::array<uint8_t, 8> buf{};
  store_be32(buf.data(), 0x01020304u);
  EXPECT_EQ(buf[0], 1);
  EXPECT_EQ(buf[3], 4);
  EXPECT_EQ(load_be32(buf.data()), 0x01020304u);
  store_be64(buf.data(), 0x0102030405060708ull);
  EXPECT_EQ(load_be64(buf.data()), 0x0102030405060708ull);
  store_be16(buf.data(), 0xFFFE);
  EXPECT_EQ(load_be_i16(buf.data()), -2);
}

}  // namespace
}  // namespace eddy
