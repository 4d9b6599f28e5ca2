#pragma once
// Whole frames: size prefix, header, body. A response is returned as chunks so a Fetch response
// can carry file slices for sendfile; its size is computed first so the prefix goes out before
// the body and the owned bytes are allocated once.

#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "protocol/api.h"
#include "protocol/headers.h"
#include "protocol/writer.h"

namespace eddy::protocol {

// GCC 12 at -O2/-O3 reports a false -Wstringop-overflow in the inlined vector insert of the size
// prefix of both frames below (GCC bugs 105651, 106199: "writing 1 or more bytes into a region of
// size 0" right after the reserve); it is silenced here, at the one site, not for the build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

// A response frame for a generated response struct T at `version`.
template <typename T>
std::vector<Chunk> encode_response_frame(int32_t correlation_id, const T& body, int16_t version) {
  ResponseHeader header{correlation_id, {}};
  int16_t header_version = response_header_version(T::kApiKey, version);
  size_t size = header.size(header_version) + body.size(version);
  Writer w(4 + size);
  w.write_int32(static_cast<int32_t>(size));
  header.encode(w, header_version);
  body.encode(w, version);
  return w.take_chunks();
}

// A request frame, as a client sends it (tests, tools, the benchmarks).
template <typename T>
Bytes encode_request_frame(const RequestHeader& header, const T& body) {
  int16_t header_version = request_header_version(header.api_key, header.api_version).value_or(1);
  size_t size = header.size(header_version) + body.size(header.api_version);
  Writer w(4 + size);
  w.write_int32(static_cast<int32_t>(size));
  header.encode(w, header_version);
  body.encode(w, header.api_version);
  return w.take_bytes();
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace eddy::protocol
