// The direct-receive half of FrameAssembler: a connection reads a large request body straight
// into body_space(), mixed with bytes fed through its own buffer.
#include <gtest/gtest.h>

#include <cstring>

#include "broker/net/request_router.h"

namespace eddy::broker {
namespace {

Bytes size_prefix(uint32_t size) {
  Bytes b(4);
  store_be32(b.data(), size);
  return b;
}

Bytes bytes_of(const UninitBytes& f) { return Bytes(f.begin(), f.end()); }

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 7 + 3);
  return b;
}

// Writes `data` into the assembler through body_space() in pieces of at most `step` bytes.
void receive_direct(FrameAssembler& a, ByteSpan data, size_t step) {
  size_t pos = 0;
  while (pos < data.size()) {
    MutableByteSpan space = a.body_space();
    ASSERT_FALSE(space.empty());
    size_t n = std::min({space.size(), step, data.size() - pos});
    std::memcpy(space.data(), data.data() + pos, n);
    a.body_received(n);
    pos += n;
  }
}

TEST(FrameAssemblerDirect, BodyReceivedInPiecesBecomesTheFrame) {
  const Bytes body = pattern(300'000);
  FrameAssembler a(1 << 20);
  Bytes prefix = size_prefix(static_cast<uint32_t>(body.size()));
  ASSERT_EQ(a.feed(prefix), 4u);
  EXPECT_TRUE(a.want_body());
  receive_direct(a, body, 65'536);
  ASSERT_TRUE(a.has_frame());
  EXPECT_FALSE(a.want_body());
  EXPECT_EQ(bytes_of(a.take_frame()), body);
  EXPECT_FALSE(a.mid_frame());
}

TEST(FrameAssemblerDirect, FedAndDirectBytesJoinInOrder) {
  const Bytes body = pattern(200'000);
  FrameAssembler a(1 << 20);
  Bytes head = size_prefix(static_cast<uint32_t>(body.size()));
  head.insert(head.end(), body.begin(), body.begin() + 1'000);
  ASSERT_EQ(a.feed(head), head.size());
  receive_direct(a, ByteSpan(body).subspan(1'000, 150'000), 40'000);
  // The tail arrives through the connection's buffer, followed by the next frame's prefix,
  // which must be left unconsumed.
  Bytes tail(body.begin() + 151'000, body.end());
  Bytes next = size_prefix(10);
  tail.insert(tail.end(), next.begin(), next.end());
  EXPECT_EQ(a.feed(tail), tail.size() - next.size());
  ASSERT_TRUE(a.has_frame());
  EXPECT_EQ(bytes_of(a.take_frame()), body);
}

TEST(FrameAssemblerDirect, HugeAnnouncedFrameReservesOnlyWhatArrives) {
  FrameAssembler a(100 << 20);
  Bytes prefix = size_prefix(64u << 20);
  ASSERT_EQ(a.feed(prefix), 4u);
  // Nothing beyond the up-front allowance is reserved for a prefix alone...
  EXPECT_LE(a.body_space().size(), size_t{1} << 20);
  // ...and after that the space offered never exceeds what has already arrived.
  size_t arrived = 0;
  for (int i = 0; i < 6; ++i) {
    MutableByteSpan space = a.body_space();
    EXPECT_LE(space.size(), std::max(arrived, size_t{1} << 20));
    std::memset(space.data(), 0xab, space.size());
    a.body_received(space.size());
    arrived += space.size();
  }
  EXPECT_FALSE(a.has_frame());
  EXPECT_TRUE(a.want_body());
}

TEST(FrameAssemblerDirect, NoBodySpaceBetweenFrames) {
  FrameAssembler a(1 << 20);
  EXPECT_FALSE(a.want_body());
  EXPECT_TRUE(a.body_space().empty());
}

}  // namespace
}  // namespace eddy::broker
