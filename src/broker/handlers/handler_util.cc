#include "broker/handlers/handler_util.h"

#include <memory>

#include "broker/controller_channel.h"
#include "broker/forwarding_manager.h"
#include "broker/handlers/listed_brokers.h"

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

int32_t client_controller_id(const BrokerContext& ctx, const metadata::MetadataImage& image) {
  auto listed = [&](int32_t id) { return listed_broker(ctx, image, id); };
  const int32_t active = ctx.metadata->active_controller();
  if (active >= 0 && listed(active)) return active;
  if (listed(ctx.node_id)) return ctx.node_id;
  for (const auto& [id, b] : image.brokers()) {
    if (listed(id)) return id;
  }
  return -1;
}

bool is_from_broker(const BrokerContext& ctx, const Request& request) {
  return ctx.controller_channel != nullptr &&
         ControllerChannel::is_broker_principal(request.header.client_id, *ctx.metadata->image());
}

bool should_forward(const BrokerContext& ctx, const Request& request) {
  return ctx.forwarding != nullptr && !ctx.metadata->is_active_controller() &&
         !is_from_broker(ctx, request);
}

std::chrono::milliseconds controller_forward_timeout(const BrokerContext& ctx) {
  return std::chrono::milliseconds(
      ctx.controller_channel != nullptr ? ctx.controller_channel->timeout_ms() : 0);
}

void forward_to_controller(const BrokerContext& ctx, Request request, Responder responder,
                           std::function<void(Responder&)> serve_here) {
  auto shared = std::make_shared<Responder>(std::move(responder));
  const size_t bytes = request.frame.size();
  ForwardRequest f;
  f.frame.assign(request.frame.begin(), request.frame.end());
  f.api_key = request.api_key();
  f.version = request.api_version();
  f.deadline = std::chrono::steady_clock::now() + controller_forward_timeout(ctx);
  f.wanted = [shared] { return shared->peer_connected(); };
  f.done = [ctx = &ctx, shared, bytes,
            serve = std::move(serve_here)](std::optional<Bytes> body) mutable {
    if (body) return shared->respond(Response::bytes(std::move(*body)));
    run_on_controller(*ctx, bytes, std::move(*shared), std::move(serve));
  };
  ctx.forwarding->submit(std::move(f));
}

}  // namespace eddy::broker
