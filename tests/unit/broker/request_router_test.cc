#include "broker/net/request_router.h"

#include <gtest/gtest.h>

namespace eddy::broker {
namespace {

// Built with push_back: GCC 12's -Warray-bounds misfires on vector::insert of small vectors.
void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}

Bytes frame_bytes(int16_t key, int16_t version, int32_t corr, const std::string& client_id,
                  const Bytes& tail = {}) {
  Bytes b;
  put16(b, static_cast<uint16_t>(key));
  put16(b, static_cast<uint16_t>(version));
  put32(b, static_cast<uint32_t>(corr));
  put16(b, static_cast<uint16_t>(client_id.size()));
  for (char c : client_id) b.push_back(static_cast<uint8_t>(c));
  for (uint8_t t : tail) b.push_back(t);
  return b;
}

// What the assembler hands over, for route_request.
UninitBytes as_frame(const Bytes& b) { return UninitBytes(b.begin(), b.end()); }
Bytes bytes_of(const UninitBytes& f) { return Bytes(f.begin(), f.end()); }

Bytes with_prefix(const Bytes& f) {
  Bytes out;
  put32(out, static_cast<uint32_t>(f.size()));
  for (uint8_t x : f) out.push_back(x);
  return out;
}

HandlerRegistry registry() {
  HandlerRegistry r;
  r.add({18, "ApiVersions", 0, 4, 3, true}, [](Request, Responder) {});
  r.add({3, "Metadata", 0, 12, 9, false}, [](Request, Responder) {});
  return r;
}

TEST(FrameAssembler, SplitsPipelinedFramesFedByteByByte) {
  Bytes stream = with_prefix(frame_bytes(18, 0, 1, "a"));
  Bytes second = with_prefix(frame_bytes(18, 0, 2, "b"));
  for (uint8_t x : second) stream.push_back(x);
  FrameAssembler a(1 << 20);
  std::vector<Bytes> frames;
  for (uint8_t byte : stream) {
    EXPECT_EQ(a.feed(ByteSpan(&byte, 1)), 1u);
    if (a.has_frame()) frames.push_back(bytes_of(a.take_frame()));
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1], frame_bytes(18, 0, 2, "b"));
  EXPECT_FALSE(a.mid_frame());
}

TEST(FrameAssembler, RefusesSizesOutsideBounds) {
  for (int32_t size : {-1, 0, 7, (1 << 20) + 1, INT32_MAX}) {
    FrameAssembler a(1 << 20);
    uint8_t prefix[4];
    store_be32(prefix, static_cast<uint32_t>(size));
    a.feed(ByteSpan(prefix, 4));
    EXPECT_TRUE(a.error().has_value()) << size;
  }
}

TEST(RouteRequest, UnknownApiKeyCloses) {
  auto reg = registry();
  EXPECT_EQ(route_request(reg, as_frame(frame_bytes(999, 0, 1, "x"))).action,
            Routed::Action::kClose);
}

TEST(RouteRequest, UnsupportedVersionClosesUnlessHandlerTakesIt) {
  auto reg = registry();
  EXPECT_EQ(route_request(reg, as_frame(frame_bytes(3, 13, 1, "x"))).action,
            Routed::Action::kClose);
  Routed r = route_request(reg, as_frame(frame_bytes(18, 99, 5, "x")));
  ASSERT_EQ(r.action, Routed::Action::kDispatch);
  EXPECT_EQ(r.request.header.correlation_id, 5);
}

TEST(RouteRequest, FlexibleHeaderSkipsTaggedFields) {
  auto reg = registry();
  // One tagged field (tag 7, 2 bytes), then a body byte 0x2a.
  Routed r = route_request(reg, as_frame(frame_bytes(3, 9, 1, "cid", {1, 7, 2, 0xaa, 0xbb, 0x2a})));
  ASSERT_EQ(r.action, Routed::Action::kDispatch) << r.reason;
  EXPECT_EQ(r.request.header.client_id, "cid");
  ASSERT_EQ(r.request.body().size(), 1u);
  EXPECT_EQ(r.request.body()[0], 0x2a);
}

TEST(RouteRequest, TaggedFieldBeyondFrameCloses) {
  auto reg = registry();
  Routed r = route_request(reg, as_frame(frame_bytes(3, 9, 1, "cid", {1, 7, 100, 0xaa})));
  EXPECT_EQ(r.action, Routed::Action::kClose);
  Routed v = route_request(
      reg, as_frame(frame_bytes(3, 9, 1, "cid", {0xff, 0xff, 0xff, 0xff, 0xff, 0xff})));
  EXPECT_EQ(v.action, Routed::Action::kClose);
}

TEST(RouteRequest, ClientIdLongerThanFrameCloses) {
  auto reg = registry();
  Bytes f = frame_bytes(3, 1, 1, "abc");
  store_be16(f.data() + 8, 500);
  EXPECT_EQ(route_request(reg, as_frame(f)).action, Routed::Action::kClose);
}

TEST(RouteRequest, NullClientIdIsAccepted) {
  auto reg = registry();
  Bytes f = frame_bytes(3, 1, 1, "");
  store_be16(f.data() + 8, 0xffff);
  Routed r = route_request(reg, as_frame(f));
  ASSERT_EQ(r.action, Routed::Action::kDispatch) << r.reason;
  EXPECT_FALSE(r.request.header.client_id.has_value());
}

}  // namespace
}  // namespace eddy::broker
