#include "protocol/frame_decoder.h"

#include <gtest/gtest.h>

namespace eddy::protocol {
namespace {

TEST(FrameDecoder, SplitsFramesDeliveredInPieces) {
  FrameDecoder d(1024);
  Bytes stream = {0, 0, 0, 2, 'h', 'i', 0, 0, 0, 0, 0, 0, 0, 1};
  ASSERT_TRUE(d.feed(ByteSpan(stream).subspan(0, 3)).is_ok());
  EXPECT_FALSE(d.next_frame().has_value());
  ASSERT_TRUE(d.feed(ByteSpan(stream).subspan(3, 5)).is_ok());
  EXPECT_EQ(d.next_frame(), (Bytes{'h', 'i'}));
  ASSERT_TRUE(d.feed(ByteSpan(stream).subspan(8)).is_ok());
  EXPECT_EQ(d.next_frame(), Bytes{});  // an empty frame is still a frame
  EXPECT_FALSE(d.next_frame().has_value());
  EXPECT_EQ(d.buffered_bytes(), 4u);
}

TEST(FrameDecoder, NegativeSizeIsAnError) {
  FrameDecoder d(1024);
  Bytes b = {0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(d.feed(b).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(d.next_frame().has_value());
}

TEST(FrameDecoder, OversizedFrameIsRejectedFromItsPrefixAlone) {
  FrameDecoder d(1024);
  Bytes b = {0x00, 0x00, 0x04, 0x01};  // 1025 bytes announced
  EXPECT_EQ(d.feed(b).code(), StatusCode::kTooLarge);
  // Once failed, the stream cannot be resynchronised.
  Bytes more = {0, 0, 0, 0};
  EXPECT_FALSE(d.feed(more).is_ok());
}

TEST(FrameDecoder, PeekFrameSizeNeedsFourBytes) {
  Bytes b = {0, 0, 1};
  auto r = peek_frame_size(b, 100);
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->has_value());
  Bytes c = {0, 0, 0, 100};
  EXPECT_EQ(**peek_frame_size(c, 100), 100u);
  EXPECT_FALSE(peek_frame_size(c, 99).is_ok());
}

}  // namespace
}  // namespace eddy::protocol
