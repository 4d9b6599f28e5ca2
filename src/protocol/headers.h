#pragma once
// Request and response headers (hand-written; they frame every message).
//
//   request header v0: api_key int16, api_version int16, correlation_id int32
//   request header v1: v0 + client_id (nullable string, int16 length, even in flexible versions)
//   request header v2: v1 + tagged fields
//   response header v0: correlation_id int32
//   response header v1: v0 + tagged fields
//
// Which version applies follows from the API and its version (api.h): flexible versions use
// request v2 / response v1, others request v1 / response v0, and ApiVersions responses always v0.

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "protocol/reader.h"
#include "protocol/wire_types.h"
#include "protocol/writer.h"

namespace eddy::protocol {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  UnknownTaggedFields unknown_tagged_fields;

  void encode(Writer& w, int16_t header_version) const;
  void decode(Reader& r, int16_t header_version);
  size_t size(int16_t header_version) const;
  bool operator==(const RequestHeader&) const = default;
};

// Reads a request header whose version follows from its own api key and version. An api key Eddy
// does not speak is read as header v1, so the broker still learns the correlation id and can
// answer with UNSUPPORTED_VERSION.
Result<RequestHeader> decode_request_header(Reader& r);

struct ResponseHeader {
  int32_t correlation_id = 0;
  UnknownTaggedFields unknown_tagged_fields;

  void encode(Writer& w, int16_t header_version) const;
  void decode(Reader& r, int16_t header_version);
  size_t size(int16_t header_version) const;
  bool operator==(const ResponseHeader&) const = default;
};

}  // namespace eddy::protocol
