// Decode and encode cost of the messages on the data path. Sizes follow a busy producer and
// consumer: a Produce request of 8 partitions x 16 KiB record batches, a Fetch request for 16
// partitions, and a Fetch response carrying 8 x 64 KiB of records, encoded either from owned bytes
// (copied into the frame) or from file slices (left for sendfile). memcpy of the same bytes is the
// baseline the copying paths are measured against.

#include <benchmark/benchmark.h>

#include <cstring>

#include "protocol/framing.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/produce.h"

namespace eddy::protocol {
namespace {

constexpr int16_t kProduceVersion = 9;
constexpr int16_t kFetchVersion = 12;
constexpr int kPartitions = 8;
constexpr size_t kProduceBatchBytes = 16 * 1024;
constexpr size_t kFetchBatchBytes = 64 * 1024;

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 31 + 7);
  return b;
}

ProduceRequest make_produce() {
  ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  auto& topic = req.topic_data.emplace_back();
  topic.name = "bench-topic";
  for (int p = 0; p < kPartitions; ++p) {
    auto& part = topic.partition_data.emplace_back();
    part.index = p;
    part.records = Records(pattern(kProduceBatchBytes));
  }
  return req;
}

FetchRequest make_fetch_request() {
  FetchRequest req;
  req.max_wait_ms = 500;
  req.min_bytes = 1;
  req.max_bytes = 50 << 20;
  auto& topic = req.topics.emplace_back();
  topic.topic = "bench-topic";
  for (int p = 0; p < 16; ++p) {
    auto& part = topic.partitions.emplace_back();
    part.partition = p;
    part.fetch_offset = 1'000'000 + p;
    part.partition_max_bytes = 1 << 20;
  }
  return req;
}

FetchResponse make_fetch_response(bool slices) {
  FetchResponse resp;
  auto& topic = resp.responses.emplace_back();
  topic.topic = "bench-topic";
  for (int p = 0; p < kPartitions; ++p) {
    auto& part = topic.partitions.emplace_back();
    part.partition_index = p;
    part.high_watermark = 2'000'000;
    if (slices) {
      part.records = Records(std::vector<FileSlice>{
          {3, static_cast<uint64_t>(p) * kFetchBatchBytes, kFetchBatchBytes, nullptr}});
    } else {
      part.records = Records(pattern(kFetchBatchBytes));
    }
  }
  return resp;
}

template <typename T>
Bytes encode(const T& m, int16_t version) {
  Writer w(m.size(version));
  m.encode(w, version);
  return w.take_bytes();
}

template <typename T>
void decode_loop(benchmark::State& state, const T& m, int16_t version) {
  Bytes bytes = encode(m, version);
  for (auto _ : state) {
    Reader r(bytes);
    T out;
    out.decode(r, version);
    benchmark::DoNotOptimize(out);
    if (!r.ok()) state.SkipWithError("decode failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

template <typename T>
void encode_loop(benchmark::State& state, const T& m, int16_t version) {
  size_t n = 0;
  for (auto _ : state) {
    Writer w(m.size(version));
    m.encode(w, version);
    auto chunks = w.take_chunks();
    n = m.size(version);
    benchmark::DoNotOptimize(chunks);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}

void BM_ProduceRequestDecode(benchmark::State& state) {
  decode_loop(state, make_produce(), kProduceVersion);
}
void BM_ProduceRequestEncode(benchmark::State& state) {
  encode_loop(state, make_produce(), kProduceVersion);
}
void BM_FetchRequestDecode(benchmark::State& state) {
  decode_loop(state, make_fetch_request(), kFetchVersion);
}
void BM_FetchRequestEncode(benchmark::State& state) {
  encode_loop(state, make_fetch_request(), kFetchVersion);
}
void BM_FetchResponseDecode(benchmark::State& state) {
  decode_loop(state, make_fetch_response(false), kFetchVersion);
}
void BM_FetchResponseEncodeOwnedRecords(benchmark::State& state) {
  encode_loop(state, make_fetch_response(false), kFetchVersion);
}
// Bytes processed counts the records too, though they are only referenced, not copied.
void BM_FetchResponseEncodeFileSlices(benchmark::State& state) {
  encode_loop(state, make_fetch_response(true), kFetchVersion);
}
void BM_FetchResponseFrameFileSlices(benchmark::State& state) {
  FetchResponse resp = make_fetch_response(true);
  for (auto _ : state) {
    auto frame = encode_response_frame(7, resp, kFetchVersion);
    benchmark::DoNotOptimize(frame);
  }
}

// The floor for the copying paths: one memcpy of the same payload.
void BM_MemcpyProducePayload(benchmark::State& state) {
  Bytes src = pattern(kPartitions * kProduceBatchBytes);
  Bytes dst(src.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * src.size()));
}

BENCHMARK(BM_ProduceRequestDecode);
BENCHMARK(BM_ProduceRequestEncode);
BENCHMARK(BM_FetchRequestDecode);
BENCHMARK(BM_FetchRequestEncode);
BENCHMARK(BM_FetchResponseDecode);
BENCHMARK(BM_FetchResponseEncodeOwnedRecords);
BENCHMARK(BM_FetchResponseEncodeFileSlices);
BENCHMARK(BM_FetchResponseFrameFileSlices);
BENCHMARK(BM_MemcpyProducePayload);

}  // namespace
}  // namespace eddy::protocol

BENCHMARK_MAIN();
