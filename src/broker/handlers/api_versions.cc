// ApiVersions (key 18): the versions of every API this broker serves, straight from the handler
// registry, so the answer never advertises an API without a handler.
//
// As in Kafka, ApiVersions is the one API whose unsupported versions get an answer: a client
// sends the newest version it knows before it can know ours. That answer is UNSUPPORTED_VERSION
// in the v0 body layout (the only one every client can read) with the ranges, from which
// librdkafka retries at our maximum and kafkajs steps down; the request body is not read. Kafka
// (KIP-511) lists only ApiVersions' own range there; we list every range, a superset that the
// clients read the same way. An unsupported version of any other API closes the connection in
// route_request, as Kafka does.
//
// A body that does not decode closes the connection (Kafka fails the parse the same way); a v3+
// body whose client software name or version breaks Kafka's pattern gets INVALID_REQUEST at the
// request's version.
#include "protocol/generated/api_versions.h"

#include <cctype>
#include <string_view>

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

namespace {

using protocol::ApiVersionsRequest;
using protocol::ApiVersionsResponse;

ApiVersionsResponse make_response(const HandlerRegistry& registry) {
  ApiVersionsResponse resp;
  for (const ApiSpec& spec : registry.specs()) {
    ApiVersionsResponse::ApiVersion v;
    v.api_key = spec.api_key;
    v.min_version = spec.min_version;
    v.max_version = spec.max_version;
    resp.api_keys.push_back(v);
  }
  return resp;
}

// Kafka's [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? for client_software_name and _version.
bool valid_software_token(std::string_view s) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

}  // namespace

void register_api_versions(HandlerRegistry& registry, const BrokerContext& context) {
  ApiSpec spec = api_spec(protocol::ApiKey::kApiVersions);
  spec.handles_unsupported_versions = true;
  const HandlerRegistry* reg = context.registry;
  registry.add(spec, [spec, reg](Request request, Responder responder) {
    const int16_t version = request.api_version();
    if (!spec.supports(version)) {
      ApiVersionsResponse resp = make_response(*reg);
      resp.error_code = error_code(protocol::ErrorCode::kUnsupportedVersion);
      responder.respond(encode_response(resp, 0));
      return;
    }
    auto req = decode_or_close<ApiVersionsRequest>(request, responder);
    if (!req) return;
    if (version >= 3 && (!valid_software_token(req->client_software_name) ||
                         !valid_software_token(req->client_software_version))) {
      ApiVersionsResponse resp;
      resp.error_code = error_code(protocol::ErrorCode::kInvalidRequest);
      responder.respond(encode_response(resp, version));
      return;
    }
    responder.respond(encode_response(make_response(*reg), version));
  });
}

}  // namespace eddy::broker
