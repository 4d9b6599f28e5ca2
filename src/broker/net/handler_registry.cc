#include "broker/net/handler_registry.h"

namespace eddy::broker {

void HandlerRegistry::add(const ApiSpec& spec, Handler handler) {
  if (spec.api_key < 0 || spec.api_key > kMaxApiKey) return;
  entries_[static_cast<size_t>(spec.api_key)] = Entry{spec, std::move(handler)};
}

const HandlerRegistry::Entry* HandlerRegistry::find(int16_t api_key) const {
  if (api_key < 0 || api_key > kMaxApiKey) return nullptr;
  const auto& e = entries_[static_cast<size_t>(api_key)];
  return e ? &*e : nullptr;
}

std::vector<ApiSpec> HandlerRegistry::specs() const {
  std::vector<ApiSpec> out;
  for (const auto& e : entries_) {
    if (e) out.push_back(e->spec);
  }
  return out;
}

}  // namespace eddy::broker
