// Micro-benchmarks for record batches on realistic data: JSON-ish click events with a user key
// and a trace header, 1000 records a batch (~200 KiB uncompressed), as a producer would batch them.
//
//   build-records/bench/records_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// bytes_per_second is always over the uncompressed records section (or the CRC'd bytes), so the
// codecs compare on the same work; "ratio" is uncompressed / compressed.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_reader.h"
#include "protocol/records/batch_validator.h"
#include "protocol/records/compression.h"

namespace eddy::records {
namespace {

constexpr int kRecordsPerBatch = 1000;
constexpr int64_t kBaseTimestamp = 1'700'000'000'000;

struct Event {
  std::string key;
  std::string value;
  std::string trace;
};

const std::vector<Event>& events() {
  static const std::vector<Event> all = [] {
    std::mt19937_64 rng(42);
    const char* kinds[] = {"page_view", "add_to_cart", "checkout", "search", "login"};
    const char* pages[] = {"/", "/products/shoes", "/products/hats", "/cart", "/search?q=socks"};
    std::vector<Event> out;
    for (int i = 0; i < kRecordsPerBatch; ++i) {
      uint64_t user = rng() % 100'000;
      char value[256];
      std::snprintf(value, sizeof(value),
                    "{\"user_id\":%llu,\"event\":\"%s\",\"page\":\"%s\",\"ts\":%lld,"
                    "\"session\":\"%016llx\",\"price_cents\":%llu,\"agent\":\"Mozilla/5.0\"}",
                    static_cast<unsigned long long>(user), kinds[rng() % 5], pages[rng() % 5],
                    static_cast<long long>(kBaseTimestamp + i),
                    static_cast<unsigned long long>(rng()),
                    static_cast<unsigned long long>(rng() % 100'000));
      char trace[40];
      std::snprintf(trace, sizeof(trace), "%016llx%016llx", static_cast<unsigned long long>(rng()),
                    static_cast<unsigned long long>(rng()));
      out.push_back({"user-" + std::to_string(user), value, trace});
    }
    return out;
  }();
  return all;
}

BatchBuilder make_builder(Compression codec) {
  BatchOptions options;
  options.compression = codec;
  options.producer_id = 1;
  options.producer_epoch = 0;
  options.base_sequence = 0;
  BatchBuilder b(options);
  int i = 0;
  for (const Event& e : events()) {
    RecordHeader h[] = {{"trace-id", as_bytes(e.trace)}};
    b.append(kBaseTimestamp + i++, as_bytes(e.key), as_bytes(e.value), h);
  }
  return b;
}

Bytes make_batch(Compression codec) { return std::move(make_builder(codec).build()).value(); }

const Bytes& records_section() {
  static const Bytes section = [] {
    Bytes b = make_batch(Compression::kNone);
    return Bytes(b.begin() + kBatchHeaderSize, b.end());
  }();
  return section;
}

void BM_Crc32c(benchmark::State& state, bool hardware) {
  Bytes data(static_cast<size_t>(state.range(0)), 0xA5);
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = hardware ? crc32c::extend(crc, data.data(), data.size())
                   : crc32c::extend_portable(crc, data.data(), data.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetLabel(hardware ? crc32c::implementation() : "portable");
}
BENCHMARK_CAPTURE(BM_Crc32c, hardware, true)->Arg(4096)->Arg(1 << 20);
BENCHMARK_CAPTURE(BM_Crc32c, portable, false)->Arg(4096)->Arg(1 << 20);

void BM_Compress(benchmark::State& state, Compression codec) {
  const Bytes& in = records_section();
  size_t out_size = 0;
  for (auto _ : state) {
    auto out = compress(codec, in);
    out_size = out->size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.counters["ratio"] = static_cast<double>(in.size()) / static_cast<double>(out_size);
}

void BM_Decompress(benchmark::State& state, Compression codec) {
  const Bytes& in = records_section();
  Bytes packed = std::move(compress(codec, in)).value();
  for (auto _ : state) {
    auto out = decompress(codec, packed, kDefaultMaxDecompressedBytes);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
}

void BM_BatchBuild(benchmark::State& state, Compression codec) {
  for (auto _ : state) {
    Bytes batch = make_batch(codec);
    benchmark::DoNotOptimize(batch);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * records_section().size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kRecordsPerBatch);
}

void BM_BatchIterate(benchmark::State& state, Compression codec) {
  Bytes batch = make_batch(codec);
  for (auto _ : state) {
    auto reader = BatchReader::open(batch);
    Record r;
    size_t sum = 0;
    while (*reader->next(r)) sum += r.value->size();
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * records_section().size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kRecordsPerBatch);
}

void BM_ValidateForAppend(benchmark::State& state, Compression codec) {
  Bytes batch = make_batch(codec);
  for (auto _ : state) {
    auto v = validate_batch_for_append(batch, {});
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * records_section().size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kRecordsPerBatch);
}

#define EDDY_PER_CODEC(fn)                             \
  BENCHMARK_CAPTURE(fn, none, Compression::kNone);     \
  BENCHMARK_CAPTURE(fn, gzip, Compression::kGzip);     \
  BENCHMARK_CAPTURE(fn, snappy, Compression::kSnappy); \
  BENCHMARK_CAPTURE(fn, lz4, Compression::kLz4);       \
  BENCHMARK_CAPTURE(fn, zstd, Compression::kZstd)

BENCHMARK_CAPTURE(BM_Compress, gzip, Compression::kGzip);
BENCHMARK_CAPTURE(BM_Compress, snappy, Compression::kSnappy);
BENCHMARK_CAPTURE(BM_Compress, lz4, Compression::kLz4);
BENCHMARK_CAPTURE(BM_Compress, zstd, Compression::kZstd);
BENCHMARK_CAPTURE(BM_Decompress, gzip, Compression::kGzip);
BENCHMARK_CAPTURE(BM_Decompress, snappy, Compression::kSnappy);
BENCHMARK_CAPTURE(BM_Decompress, lz4, Compression::kLz4);
BENCHMARK_CAPTURE(BM_Decompress, zstd, Compression::kZstd);
EDDY_PER_CODEC(BM_BatchBuild);
EDDY_PER_CODEC(BM_BatchIterate);
EDDY_PER_CODEC(BM_ValidateForAppend);

}  // namespace
}  // namespace eddy::records

BENCHMARK_MAIN();
