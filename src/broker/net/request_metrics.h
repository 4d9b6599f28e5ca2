#pragma once
// Kafka's request metrics (kafka.network:type=RequestMetrics), per API:
//   kafka_network_requestmetrics_requests_total{request,version}
//   kafka_network_requestmetrics_errors_total{request,error}       (error: Kafka's name, NONE too)
//   kafka_network_requestmetrics_<stage>time_seconds{request}      (histograms)
// with the stages of a request's life in eddyd (docs/metrics.md, "Requests"):
//   requestqueue  the frame is complete → its handler starts (routing, header parsing)
//   local         the handler runs on the network thread
//   remote        the handler returned → the answer is ready (acks=all and fsync waits, the
//                 fetch purgatory, group joins, controller commits)
//   throttle      the throttle_time_ms the answer asks of the client
//   responsequeue the answer is ready → its write starts (the hop back to the connection's
//                 thread, and answers to earlier requests of the connection written first)
//   responsesend  the write starts → its last byte is handed to the kernel
//   total         the frame is complete → the answer is written
//
// Every child is created on first use and cached in a table indexed by api key, version and
// error code, so the hot path is an array load and a sharded add.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "metrics/metric.h"

namespace eddy::broker {

enum class RequestStage {
  kRequestQueue,
  kLocal,
  kRemote,
  kThrottle,
  kResponseQueue,
  kResponseSend,
  kTotal,
};
inline constexpr size_t kRequestStages = 7;

class RequestMetrics {
 public:
  static constexpr int kApiKeys = 128;
  static constexpr int kVersions = 32;
  // Error codes -1 .. kErrorCodes-2 (UNKNOWN_SERVER_ERROR .. Kafka's largest, with room).
  static constexpr int kErrorCodes = 160;

  void count_request(int16_t api_key, int16_t version);
  void count_error(int16_t api_key, int16_t error_code);
  // A negative duration (clocks of two threads a hair apart) counts as 0.
  void observe(int16_t api_key, RequestStage stage, int64_t micros);

 private:
  metrics::Counter* request_counter(int16_t api_key, int16_t version);
  metrics::Counter* error_counter(int16_t api_key, int16_t error_code);
  metrics::Histogram* histogram(int16_t api_key, RequestStage stage);

  std::array<std::atomic<metrics::Counter*>, kApiKeys * kVersions> requests_{};
  std::array<std::atomic<metrics::Counter*>, kApiKeys * kErrorCodes> errors_{};
  std::array<std::atomic<metrics::Histogram*>, kApiKeys * kRequestStages> stages_{};
};

RequestMetrics& request_metrics();

// Monotonic microseconds, the unit of the stage histograms (0 with metrics compiled out, so the
// baseline build reads no clock either).
inline int64_t monotonic_micros() {
  if constexpr (!metrics::kEnabled) return 0;
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace eddy::broker
