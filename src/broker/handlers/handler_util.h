#pragma once
// Shared plumbing of the Kafka API handlers: decode a request body into its generated struct,
// encode a response struct into a Response, and the ApiSpec of an API from protocol/api.h.

#include <functional>
#include <optional>

#include "broker/broker_context.h"
#include "broker/net/handler_registry.h"
#include "broker/net/request.h"
#include "broker/net/response.h"
#include "protocol/api.h"
#include "protocol/errors.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace eddy::broker {

// The registry entry for `key` with the version range protocol/api.h supports.
ApiSpec api_spec(protocol::ApiKey key);

// Decodes the body of `request`; nullopt when it is malformed (Kafka closes the connection on a
// request it cannot parse: answer with Response::close()).
template <typename Message>
std::optional<Message> decode_request(const Request& request) {
  protocol::Reader reader(request.body());
  Message m;
  m.decode(reader, request.api_version());
  if (!reader.ok()) return std::nullopt;
  return m;
}

template <typename Message>
Response encode_response(const Message& m, int16_t version) {
  protocol::Writer w(m.size(version));
  m.encode(w, version);
  return Response::chunks(w.take_chunks());
}

// Runs `task` on the controller thread (where metadata commits may fsync), handing it the
// responder. When the controller queue is full the connection is closed: the client reconnects
// and retries, and nothing was changed.
void run_on_controller(const BrokerContext& ctx, Responder responder,
                       std::function<void(Responder&)> task);

// A controller error as the Kafka code that goes on the wire (the numbers are Kafka's).
// Registers the handler of an admin API whose work is a metadata commit: the body is decoded
// into Message on the network thread (a malformed body closes the connection), then
// fn(message, version, responder) runs on the controller thread.
template <typename Message, typename Fn>
void add_controller_handler(HandlerRegistry& registry, const BrokerContext& context,
                            protocol::ApiKey key, Fn fn) {
  const BrokerContext* ctx = &context;
  registry.add(api_spec(key), [ctx, fn](Request request, Responder responder) {
    auto message = decode_request<Message>(request);
    if (!message) {
      responder.respond(Response::close());
      return;
    }
    int16_t version = request.api_version();
    run_on_controller(
        *ctx, std::move(responder),
        [fn, message = std::move(*message), version](Responder& r) { fn(message, version, r); });
  });
}

inline int16_t error_code(metadata::ErrorCode e) { return static_cast<int16_t>(e); }

inline int16_t error_code(protocol::ErrorCode e) { return protocol::to_int(e); }

}  // namespace eddy::broker
