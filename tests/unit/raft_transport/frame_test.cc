#include "raft/transport/frame.h"

#include <gtest/gtest.h>

namespace eddy::raft {
namespace {

TEST(Frame, EncodedMessageDecodesToTheSameMessage) {
  pb::Message msg;
  msg.set_type(pb::MSG_APPEND);
  msg.set_from(1);
  msg.set_to(2);
  msg.set_term(5);
  msg.add_entries()->set_data("hello");
  Bytes out;
  ASSERT_TRUE(frame::encode(msg, frame::kDefaultMaxFrameBytes, out).is_ok());
  ASSERT_EQ(load_be32(out.data()), out.size() - frame::kLengthBytes);
  auto back = frame::decode_body(ByteSpan(out).subspan(frame::kLengthBytes));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->SerializeAsString(), msg.SerializeAsString());
}

TEST(Frame, MessageOverTheLimitIsNotEncoded) {
  pb::Message msg;
  msg.set_type(pb::MSG_APPEND);
  msg.add_entries()->set_data(std::string(100, 'x'));
  Bytes out;
  EXPECT_EQ(frame::encode(msg, 50, out).code(), StatusCode::kTooLarge);
  EXPECT_TRUE(out.empty());
}

TEST(Frame, LengthChecksRejectEmptyAndOversizedFrames) {
  EXPECT_EQ(frame::check_length(0, 100).code(), StatusCode::kCorruption);
  EXPECT_EQ(frame::check_length(101, 100).code(), StatusCode::kTooLarge);
  EXPECT_TRUE(frame::check_length(100, 100).is_ok());
}

TEST(Frame, GarbageBodyIsCorruption) {
  const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
  EXPECT_EQ(frame::decode_body(garbage).status().code(), StatusCode::kCorruption);
}

TEST(Frame, BodyWithoutAValidTypeIsCorruption) {
  pb::Message msg;
  msg.set_to(2);
  std::string body = msg.SerializeAsString();
  EXPECT_EQ(frame::decode_body(as_bytes(body)).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace eddy::raft
