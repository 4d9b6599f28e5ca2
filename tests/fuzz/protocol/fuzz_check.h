#pragma once
// Shared by the protocol fuzzers: a body that decoded must re-encode to bytes that decode to the
// same bytes again (encode . decode is idempotent), and size() must predict the encoding exactly.
// Compared as bytes, not with ==, so a NaN float64 cannot cause a false alarm.

#include <cstdlib>
#include <variant>

#include "protocol/generated/dispatch.h"
#include "protocol/writer.h"

namespace eddy::protocol::fuzz {

inline Bytes encode_body(const RequestBody& body, int16_t version) {
  return std::visit(
      [&](const auto& m) {
        Writer w;
        m.encode(w, version);
        Bytes out = w.take_bytes();
        if (out.size() != m.size(version)) std::abort();
        return out;
      },
      body);
}

inline void check_reencode(int16_t api_key, int16_t version, const RequestBody& body) {
  Bytes first = encode_body(body, version);
  auto again = decode_request(api_key, version, first);
  if (!again.is_ok()) std::abort();
  if (encode_body(*again, version) != first) std::abort();
}

}  // namespace eddy::protocol::fuzz
