#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <string_view>
#include <vector>

namespace eddy {
namespace {

// RFC 3720 (iSCSI), appendix B.4: the CRC-32C test vectors.
TEST(Crc32c, Rfc3720ThirtyTwoZeros) {
  std::vector<uint8_t> buf(32, 0x00);
  EXPECT_EQ(crc32c::value(buf), 0x8A9136AAu);
}

TEST(Crc32c, Rfc3720ThirtyTwoOnes) {
  std::vector<uint8_t> buf(32, 0xFF);
  EXPECT_EQ(crc32c::value(buf), 0x62A8AB43u);
}

TEST(Crc32c, Rfc3720Incrementing) {
  std::vector<uint8_t> buf(32);
  std::iota(buf.begin(), buf.end(), 0);
  EXPECT_EQ(crc32c::value(buf), 0x46DD794Eu);
}

TEST(Crc32c, Rfc3720Decrementing) {
  std::vector<uint8_t> buf(32);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(31 - i);
  EXPECT_EQ(crc32c::value(buf), 0x113FDB5Cu);
}

TEST(Crc32c, CheckValueOfDigits) {
  std::string_view s = "123456789";
  EXPECT_EQ(crc32c::value(reinterpret_cast<const uint8_t*>(s.data()), s.size()), 0xE3069283u);
}

TEST(Crc32c, ExtendEqualsOneShot) {
  std::vector<uint8_t> buf(1000);
  std::mt19937 rng(7);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  uint32_t whole = crc32c::value(buf);
  for (size_t cut : {0u, 1u, 7u, 8u, 13u, 500u, 999u, 1000u}) {
    uint32_t part = crc32c::extend(0, buf.data(), cut);
    EXPECT_EQ(crc32c::extend(part, buf.data() + cut, buf.size() - cut), whole) << cut;
  }
}

TEST(Crc32c, PortableMatchesDispatchedAtEveryAlignmentAndLength) {
  std::vector<uint8_t> buf(300);
  std::mt19937 rng(11);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t len = 0; len + start <= buf.size(); len += 17) {
      EXPECT_EQ(crc32c::extend_portable(0, buf.data() + start, len),
                crc32c::extend(0, buf.data() + start, len));
    }
  }
}

TEST(Crc32c, PortableMatchesDispatchedOnLongBuffers) {
  // Long enough for the three-lane paths (3 x 256 and 3 x 4096 bytes) and their remainders.
  std::vector<uint8_t> buf(40000);
  std::mt19937 rng(12);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t len : {767u, 768u, 769u, 1000u, 12287u, 12288u, 12289u, 16384u, 39999u}) {
    for (size_t start : {0u, 3u}) {
      EXPECT_EQ(crc32c::extend_portable(0x1234, buf.data() + start, len),
                crc32c::extend(0x1234, buf.data() + start, len))
          << "len " << len << " start " << start;
    }
  }
}

}  // namespace
}  // namespace eddy
