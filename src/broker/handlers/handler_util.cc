#include "broker/handlers/handler_util.h"

#include <memory>

#include "broker/controller_channel.h"

namespace eddy::broker {

ApiSpec api_spec(protocol::ApiKey key) {
  const protocol::ApiInfo* info = protocol::find_api(key);
  ApiSpec spec;
  spec.api_key = static_cast<int16_t>(key);
  if (info == nullptr) return spec;
  spec.name = info->name;
  spec.min_version = info->min_version;
  spec.max_version = info->max_version;
  spec.first_flexible = info->flexible_min_version;
  return spec;
}

void run_on_controller(const BrokerContext& ctx, size_t request_bytes, Responder responder,
                       std::function<void(Responder&)> task) {
  auto shared = std::make_shared<Responder>(std::move(responder));
  ControllerTask t;
  t.run = [shared, task = std::move(task)] { task(*shared); };
  // Refused (queue full or stopping) or dropped: the connection is closed; the client reconnects
  // and retries, and nothing was changed.
  t.drop = [shared] { shared->respond(Response::close()); };
  t.bytes = request_bytes;
  t.wanted = [shared] { return shared->peer_connected(); };
  ctx.controller_queue->submit(std::move(t));
}

bool is_from_broker(const BrokerContext& ctx, const Request& request) {
  return ctx.controller_channel != nullptr &&
         ControllerChannel::is_broker_principal(request.header.client_id, *ctx.metadata->image());
}

bool should_forward(const BrokerContext& ctx, const Request& request) {
  return ctx.controller_channel != nullptr && !ctx.metadata->is_active_controller() &&
         !is_from_broker(ctx, request);
}

void forward_to_controller(const BrokerContext& ctx, Request request, Responder responder) {
  auto shared = std::make_shared<Request>(std::move(request));
  const size_t bytes = shared->frame.size();
  run_on_controller(ctx, bytes, std::move(responder), [ctx = &ctx, shared](Responder& r) {
    auto body = ctx->controller_channel->forward(ByteSpan(shared->frame), shared->api_key(),
                                                 shared->api_version());
    r.respond(body ? Response::bytes(std::move(*body)) : Response::close());
  });
}

}  // namespace eddy::broker
