// The path a connection takes: bytes from the socket through the frame decoder, the request
// header and the request body of whatever api key and version the header names.

#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "protocol/frame_decoder.h"
#include "protocol/headers.h"

namespace {
constexpr uint32_t kMaxFrameBytes = 1 << 16;
constexpr int kMaxFramesPerInput = 64;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace eddy::protocol;
  FrameDecoder decoder(kMaxFrameBytes);
  // Feed in two pieces so partial frames are exercised too.
  size_t split = size / 2;
  if (!decoder.feed(eddy::ByteSpan(data, split)).is_ok()) return 0;
  if (!decoder.feed(eddy::ByteSpan(data + split, size - split)).is_ok()) return 0;
  for (int i = 0; i < kMaxFramesPerInput; ++i) {
    auto frame = decoder.next_frame();
    if (!frame) break;
    Reader r(*frame);
    auto header = decode_request_header(r);
    if (!header.is_ok()) continue;
    auto body = decode_request(header->api_key, header->api_version, r.rest());
    if (body.is_ok()) fuzz::check_reencode(header->api_key, header->api_version, *body);
  }
  return 0;
}
