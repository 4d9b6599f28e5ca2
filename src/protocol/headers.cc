#include "protocol/headers.h"

#include "protocol/api.h"
#include "protocol/field_codec.h"

namespace eddy::protocol {

namespace {
// The client id is a classic nullable string in every header version: KIP-482 kept it that way
// so a broker can read it before knowing whether the request is flexible.
constexpr field_codec::FieldContext kClientIdContext{0, /*flexible=*/false, /*nullable=*/true};
}  // namespace

void RequestHeader::encode(Writer& w, int16_t header_version) const {
  w.write_int16(api_key);
  w.write_int16(api_version);
  w.write_int32(correlation_id);
  if (header_version >= 1) field_codec::write(w, client_id, kClientIdContext);
  if (header_version >= 2) {
    w.write_uvarint(static_cast<uint32_t>(unknown_tagged_fields.size()));
    size_t next = 0;
    field_codec::write_unknown_tags_before(w, unknown_tagged_fields, &next, UINT64_MAX);
  }
}

void RequestHeader::decode(Reader& r, int16_t header_version) {
  api_key = r.read_int16();
  api_version = r.read_int16();
  correlation_id = r.read_int32();
  if (header_version >= 1) field_codec::read(r, client_id, kClientIdContext);
  if (header_version >= 2) {
    field_codec::read_tagged_fields(r, unknown_tagged_fields,
                                    [](uint32_t, Reader&) { return false; });
  }
}

size_t RequestHeader::size(int16_t header_version) const {
  size_t n = 8;
  if (header_version >= 1) n += field_codec::size(client_id, kClientIdContext);
  if (header_version >= 2) {
    n += Writer::uvarint_size(static_cast<uint32_t>(unknown_tagged_fields.size())) +
         field_codec::unknown_tags_size(unknown_tagged_fields);
  }
  return n;
}

Result<RequestHeader> decode_request_header(Reader& r) {
  RequestHeader h;
  // api_key and api_version come first in every header version; peek them to pick the version.
  Reader peek(r.rest());
  int16_t key = peek.read_int16();
  int16_t version = peek.read_int16();
  if (!peek.ok()) return invalid_argument("request header: " + peek.status().message());
  h.decode(r, request_header_version(key, version).value_or(1));
  if (!r.ok()) return invalid_argument("request header: " + r.status().message());
  return h;
}

void ResponseHeader::encode(Writer& w, int16_t header_version) const {
  w.write_int32(correlation_id);
  if (header_version >= 1) {
    w.write_uvarint(static_cast<uint32_t>(unknown_tagged_fields.size()));
    size_t next = 0;
    field_codec::write_unknown_tags_before(w, unknown_tagged_fields, &next, UINT64_MAX);
  }
}

void ResponseHeader::decode(Reader& r, int16_t header_version) {
  correlation_id = r.read_int32();
  if (header_version >= 1) {
    field_codec::read_tagged_fields(r, unknown_tagged_fields,
                                    [](uint32_t, Reader&) { return false; });
  }
}

size_t ResponseHeader::size(int16_t header_version) const {
  size_t n = 4;
  if (header_version >= 1) {
    n += Writer::uvarint_size(static_cast<uint32_t>(unknown_tagged_fields.size())) +
         field_codec::unknown_tags_size(unknown_tagged_fields);
  }
  return n;
}

}  // namespace eddy::protocol
