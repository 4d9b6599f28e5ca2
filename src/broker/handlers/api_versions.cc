// ApiVersions (key 18): the versions of every API this broker serves, straight from the handler
// registry, so the answer never advertises an API without a handler.
//
// A version we do not know gets UNSUPPORTED_VERSION with the ranges in the v0 body layout: the
// client cannot know a newer layout's fields, and librdkafka and kafkajs step down from it.
#include "protocol/generated/api_versions.h"

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

}  // namespace

void register_api_versions(HandlerRegistry& registry, const BrokerContext& context) {
  ApiSpec spec = api_spec(protocol::ApiKey::kApiVersions);
  spec.handles_unsupported_versions = true;
  const HandlerRegistry* reg = context.registry;
  registry.add(spec, [spec, reg](Request request, Responder responder) {
    ApiVersionsResponse resp = make_response(*reg);
    if (!spec.supports(request.api_version())) {
      resp.error_code = error_code(protocol::ErrorCode::kUnsupportedVersion);
      responder.respond(encode_response(resp, 0));
      return;
    }
    auto req = decode_request<ApiVersionsRequest>(request);
    if (!req) {
      // Kafka answers a malformed ApiVersions with INVALID_REQUEST rather than closing, so the
      // client learns why.
      resp.error_code = error_code(protocol::ErrorCode::kInvalidRequest);
      responder.respond(encode_response(resp, 0));
      return;
    }
    responder.respond(encode_response(resp, request.api_version()));
  });
}

}  // namespace eddy::broker
