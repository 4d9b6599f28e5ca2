#include "protocol/headers.h"

#include <gtest/gtest.h>

#include "protocol/api.h"

namespace eddy::protocol {
namespace {

TEST(RequestHeader, FlexibleRequestUsesHeaderV2WithTaggedFields) {
  // Metadata v9 is flexible: header v2 = key, version, correlation id, client id, tag count.
  Bytes b = {0x00, 0x03, 0x00, 0x09, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01, 'c', 0x00};
  Reader r(b);
  auto h = decode_request_header(r);
  ASSERT_TRUE(h.is_ok()) << h.status().to_string();
  EXPECT_EQ(h->api_key, 3);
  EXPECT_EQ(h->api_version, 9);
  EXPECT_EQ(h->correlation_id, 7);
  EXPECT_EQ(h->client_id, "c");
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(RequestHeader, NonFlexibleRequestUsesHeaderV1) {
  Bytes b = {0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0xFF, 0xFF, 0x55};
  Reader r(b);
  auto h = decode_request_header(r);
  ASSERT_TRUE(h.is_ok());
  EXPECT_FALSE(h->client_id.has_value());
  EXPECT_EQ(r.remaining(), 1u);  // the body starts right after the null client id
}

TEST(RequestHeader, UnknownApiKeyIsReadAsV1SoTheCorrelationIdIsKnown) {
  Bytes b = {0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A, 0x00, 0x00};
  Reader r(b);
  auto h = decode_request_header(r);
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(h->correlation_id, 42);
}

TEST(RequestHeader, TruncatedHeaderFails) {
  Bytes b = {0x00, 0x03, 0x00};
  Reader r(b);
  EXPECT_FALSE(decode_request_header(r).is_ok());
}

TEST(RequestHeader, EncodeMatchesDecodeForEveryHeaderVersion) {
  RequestHeader h{18, 3, 99, std::string("client"), {{7, Bytes{1, 2}}}};
  for (int16_t v : {0, 1, 2}) {
    Writer w;
    h.encode(w, v);
    Bytes b = w.take_bytes();
    EXPECT_EQ(b.size(), h.size(v));
    Reader r(b);
    RequestHeader back;
    back.decode(r, v);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(back.correlation_id, 99);
    EXPECT_EQ(back.client_id.has_value(), v >= 1);
    EXPECT_EQ(back.unknown_tagged_fields.size(), v >= 2 ? 1u : 0u);
  }
}

TEST(ResponseHeader, ApiVersionsAlwaysUsesV0) {
  EXPECT_EQ(response_header_version(18, 3), 0);
  EXPECT_EQ(response_header_version(18, 0), 0);
  EXPECT_EQ(response_header_version(3, 9), 1);
  EXPECT_EQ(response_header_version(3, 8), 0);
}

TEST(ResponseHeader, V1AddsAnEmptyTagSection) {
  ResponseHeader h{5, {}};
  Writer w;
  h.encode(w, 1);
  EXPECT_EQ(w.take_bytes(), (Bytes{0, 0, 0, 5, 0}));
}

}  // namespace
}  // namespace eddy::protocol
