#include "broker/handlers/handler_util.h"

#include <memory>

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

void run_on_controller(const BrokerContext& ctx, Responder responder,
                       std::function<void(Responder&)> task) {
  auto shared = std::make_shared<Responder>(std::move(responder));
  bool queued = ctx.controller_queue->submit([shared, task = std::move(task)] { task(*shared); });
  if (!queued) shared->respond(Response::close());
}

}  // namespace eddy::broker
