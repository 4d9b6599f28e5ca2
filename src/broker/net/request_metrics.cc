#include "broker/net/request_metrics.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "metrics/registry.h"
#include "protocol/api.h"
#include "protocol/errors.h"

namespace eddy::broker {
namespace {

std::string api_name(int16_t key) {
  const protocol::ApiInfo* api = protocol::find_api(key);
  return api != nullptr ? api->name : "Unknown" + std::to_string(key);
}

std::string error_label(int16_t code) {
  const protocol::ErrorInfo* e = protocol::find_error(code);
  return e != nullptr ? e->name : "UNKNOWN_" + std::to_string(code);
}

constexpr const char* kStageNames[kRequestStages] = {
    "requestqueue", "local", "remote", "throttle", "responsequeue", "responsesend", "total"};
constexpr const char* kStageHelp[kRequestStages] = {
    "Time from a request's frame being complete to its handler starting (Kafka's "
    "RequestQueueTimeMs)",
    "Time the handler runs on the network thread (Kafka's LocalTimeMs)",
    "Time from the handler returning to the answer being ready: acks=all and fsync waits, "
    "fetch long polls, group joins, controller commits (Kafka's RemoteTimeMs)",
    "Throttle time the answer asks of the client (Kafka's ThrottleTimeMs)",
    "Time from the answer being ready to its write starting (Kafka's ResponseQueueTimeMs)",
    "Time writing the answer to the socket (Kafka's ResponseSendTimeMs)",
    "Time from the frame being complete to the answer being written (Kafka's TotalTimeMs)"};

// Loads the cached child, creating it on first use (a race creates nothing twice: the family
// returns the same child to both).
template <class M, class Make>
M* cached(std::atomic<M*>& slot, Make make) {
  M* m = slot.load(std::memory_order_acquire);
  if (m == nullptr) {
    m = &make();
    slot.store(m, std::memory_order_release);
  }
  return m;
}

}  // namespace

metrics::Counter* RequestMetrics::request_counter(int16_t api_key, int16_t version) {
  if (api_key < 0 || api_key >= kApiKeys || version < 0 || version >= kVersions) return nullptr;
  return cached(requests_[api_key * kVersions + version], [&]() -> metrics::Counter& {
    return metrics::registry()
        .counter("kafka_network_requestmetrics_requests_total",
                 "Requests received, by API and version (Kafka's RequestsPerSec)",
                 {"request", "version"})
        .labels({api_name(api_key), std::to_string(version)});
  });
}

metrics::Counter* RequestMetrics::error_counter(int16_t api_key, int16_t error_code) {
  int index = error_code + 1;
  if (api_key < 0 || api_key >= kApiKeys || index < 0 || index >= kErrorCodes) return nullptr;
  return cached(errors_[api_key * kErrorCodes + index], [&]() -> metrics::Counter& {
    return metrics::registry()
        .counter("kafka_network_requestmetrics_errors_total",
                 "Error codes in answers, by API and Kafka error name, NONE included (Kafka's "
                 "ErrorsPerSec): an answer's top-level code and, for Produce and Fetch, each "
                 "partition's",
                 {"request", "error"})
        .labels({api_name(api_key), error_label(error_code)});
  });
}

metrics::Histogram* RequestMetrics::histogram(int16_t api_key, RequestStage stage) {
  auto s = static_cast<size_t>(stage);
  if (api_key < 0 || api_key >= kApiKeys || s >= kRequestStages) return nullptr;
  return cached(stages_[api_key * kRequestStages + s], [&]() -> metrics::Histogram& {
    return metrics::registry()
        .histogram(std::string("kafka_network_requestmetrics_") + kStageNames[s] + "time_seconds",
                   kStageHelp[s], {"request"}, metrics::latency_us_bounds(), 1e6)
        .labels({api_name(api_key)});
  });
}

void RequestMetrics::count_request(int16_t api_key, int16_t version) {
  if constexpr (!metrics::kEnabled) return;
  if (auto* c = request_counter(api_key, version)) c->inc();
}

void RequestMetrics::count_error(int16_t api_key, int16_t error_code) {
  if constexpr (!metrics::kEnabled) return;
  if (auto* c = error_counter(api_key, error_code)) c->inc();
}

void RequestMetrics::observe(int16_t api_key, RequestStage stage, int64_t micros) {
  if constexpr (!metrics::kEnabled) return;
  if (auto* h = histogram(api_key, stage))
    h->observe(static_cast<uint64_t>(std::max<int64_t>(micros, 0)));
}

RequestMetrics& request_metrics() {
  static RequestMetrics* m = new RequestMetrics();  // never destroyed: threads may outlive main
  return *m;
}

}  // namespace eddy::broker
