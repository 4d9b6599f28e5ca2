#include "broker/net/request.h"

#include "common/bytes.h"
#include "common/varint.h"

namespace eddy::broker {

Result<RequestHeader> peek_request_header(ByteSpan frame) {
  if (frame.size() < kMinRequestBytes) {
    return invalid_argument("request of " + std::to_string(frame.size()) +
                            " bytes is shorter than a request header");
  }
  RequestHeader h;
  h.api_key = load_be_i16(frame.data());
  h.api_version = load_be_i16(frame.data() + 2);
  h.correlation_id = load_be_i32(frame.data() + 4);
  return h;
}

Result<RequestHeader> parse_request_header(ByteSpan frame, bool flexible, size_t* body_offset) {
  EDDY_ASSIGN_OR_RETURN(RequestHeader h, peek_request_header(frame));
  h.flexible = flexible;
  size_t pos = kMinRequestBytes;
  // client_id: a nullable int16-length string, even in header v2 (kept non-compact for
  // compatibility, KIP-482).
  if (frame.size() - pos < 2) return invalid_argument("request header ends before client_id");
  int16_t len = load_be_i16(frame.data() + pos);
  pos += 2;
  if (len < -1) return invalid_argument("client_id has negative length");
  if (len >= 0) {
    if (frame.size() - pos < static_cast<size_t>(len)) {
      return invalid_argument("client_id is longer than the request");
    }
    h.client_id =
        std::string(reinterpret_cast<const char*>(frame.data() + pos), static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
  }
  if (flexible) {
    // Header tagged fields: none are defined for requests we serve, so each is skipped, bounded
    // by the bytes present.
    auto next_uvarint = [&]() -> std::optional<uint32_t> {
      auto d = varint::decode_u32(frame.data() + pos, frame.size() - pos);
      if (!d) return std::nullopt;
      pos += d->length;
      return d->value;
    };
    auto count = next_uvarint();
    if (!count) return invalid_argument("request header has a bad tagged field count");
    for (uint32_t i = 0; i < *count; ++i) {
      auto tag = next_uvarint();
      auto size = tag ? next_uvarint() : std::nullopt;
      if (!size) return invalid_argument("request header has a bad tagged field");
      if (frame.size() - pos < *size) {
        return invalid_argument("request header tagged field is longer than the request");
      }
      pos += *size;
    }
  }
  *body_offset = pos;
  return h;
}

}  // namespace eddy::broker
