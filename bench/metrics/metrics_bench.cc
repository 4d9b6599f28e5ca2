// The metric updates one produce request and one fetch request make on eddyd's data path, alone,
// single-threaded and with 4 threads (sharded cells: no contention expected). The per-request
// cost in ns, to set against eddyd's CPU per request; the end-to-end comparison with metrics
// compiled out is bench/metrics/overhead.sh. Figures: docs/benchmarks.md ("metrics overhead").
#include <benchmark/benchmark.h>

#include "broker/net/request_metrics.h"
#include "broker/topic_metrics.h"
#include "log/log_metrics.h"

namespace eddy::broker {
namespace {

constexpr int16_t kProduce = 0;
constexpr int16_t kFetch = 1;

// What connection.cc, produce.cc, handler_util.h and partition_log.cc do for one produce request
// of one partition and one batch.
void ProduceRequestUpdates(benchmark::State& state) {
  const std::string topic = "bench-topic";
  for (auto _ : state) {
    const int64_t received = monotonic_micros();
    request_metrics().count_request(kProduce, 9);
    const int64_t handler = monotonic_micros();
    request_metrics().observe(kProduce, RequestStage::kRequestQueue, handler - received);
    {
      log::ScopedLatency timed(log::log_metrics().append_latency);
      log::log_metrics().bytes_written.inc(1000);
    }
    const int64_t handled = monotonic_micros();
    request_metrics().observe(kProduce, RequestStage::kLocal, handled - handler);
    request_metrics().count_error(kProduce, 0);
    const TopicMetrics& m = topic_metrics(topic);
    m.produce_requests->inc();
    m.bytes_in->inc(1000);
    m.messages_in->inc(10);
    request_metrics().observe(kProduce, RequestStage::kThrottle, 0);
    const int64_t ready = monotonic_micros();
    request_metrics().observe(kProduce, RequestStage::kRemote, ready - handled);
    const int64_t write = monotonic_micros();
    request_metrics().observe(kProduce, RequestStage::kResponseQueue, write - ready);
    const int64_t written = monotonic_micros();
    request_metrics().observe(kProduce, RequestStage::kResponseSend, written - write);
    request_metrics().observe(kProduce, RequestStage::kTotal, written - received);
  }
}
BENCHMARK(ProduceRequestUpdates)->Threads(1)->Threads(4);

// One fetch request of one partition.
void FetchRequestUpdates(benchmark::State& state) {
  const std::string topic = "bench-topic";
  for (auto _ : state) {
    const int64_t received = monotonic_micros();
    request_metrics().count_request(kFetch, 12);
    const int64_t handler = monotonic_micros();
    request_metrics().observe(kFetch, RequestStage::kRequestQueue, handler - received);
    const int64_t handled = monotonic_micros();
    request_metrics().observe(kFetch, RequestStage::kLocal, handled - handler);
    request_metrics().count_error(kFetch, 0);
    const TopicMetrics& m = topic_metrics(topic);
    m.fetch_requests->inc();
    m.bytes_out->inc(1000);
    request_metrics().count_error(kFetch, 0);
    request_metrics().observe(kFetch, RequestStage::kThrottle, 0);
    const int64_t ready = monotonic_micros();
    request_metrics().observe(kFetch, RequestStage::kRemote, ready - handled);
    const int64_t write = monotonic_micros();
    request_metrics().observe(kFetch, RequestStage::kResponseQueue, write - ready);
    const int64_t written = monotonic_micros();
    request_metrics().observe(kFetch, RequestStage::kResponseSend, written - write);
    request_metrics().observe(kFetch, RequestStage::kTotal, written - received);
  }
}
BENCHMARK(FetchRequestUpdates)->Threads(1)->Threads(4);

}  // namespace
}  // namespace eddy::broker

BENCHMARK_MAIN();
