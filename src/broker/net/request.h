#pragma once
// A request as the network layer hands it to a handler: the parsed request header and the body
// bytes, owned by the request. Kafka request header v1 (api_key, api_version, correlation_id,
// client_id) and v2 (v1 + tagged fields, for flexible versions); v0 (no client_id) is only
// ControlledShutdown v0, which Eddy does not serve.

#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "common/uninit_bytes.h"

namespace boost::asio {
class io_context;
}

namespace eddy::broker {

struct RequestHeader {
  int16_t api_key = -1;
  int16_t api_version = -1;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  bool flexible = false;  // header v2: tagged fields follow client_id; response header v1
};

// The fixed part every frame starts with: api_key, api_version, correlation_id.
inline constexpr size_t kMinRequestBytes = 8;

// Reads the header from `frame` (the bytes after the 4-byte size prefix). `flexible` decides
// whether tagged fields follow the client id. On success *body_offset is where the body starts.
// Every length is checked against the bytes present.
Result<RequestHeader> parse_request_header(ByteSpan frame, bool flexible, size_t* body_offset);

// Only api_key, api_version and correlation_id (enough to route the frame and to answer it).
Result<RequestHeader> peek_request_header(ByteSpan frame);

struct Request {
  RequestHeader header;
  UninitBytes frame;  // the whole frame without its size prefix
  size_t body_offset = 0;
  uint64_t connection_id = 0;
  std::string peer;  // "host:port" of the client
  // The io_context of the connection's thread: handlers that wait (long poll, acks) set their
  // timers here so the completion runs where the connection lives.
  boost::asio::io_context* io = nullptr;

  ByteSpan body() const { return ByteSpan(frame).subspan(body_offset); }
  int16_t api_key() const { return header.api_key; }
  int16_t api_version() const { return header.api_version; }
};

}  // namespace eddy::broker
