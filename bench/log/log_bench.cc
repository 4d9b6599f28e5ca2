// Partition-log benchmarks, each beside a raw write() loop on the same disk in the same run:
//   BM_RawWrite/<batch>             write() of the same bytes to one file, no checks (the ceiling)
//   BM_RawWriteSync/<batch>/<every> the same plus fdatasync every <every> bytes (what the disk
//                                   can make durable with groups of that size)
//   BM_AppendInterval/<batch>/<ahead KiB>
//                                   PartitionLog::append, flush.policy=interval (no fsync inline)
//   BM_AppendSync/<batch>/<threads>/<ahead KiB>
//                                   appenders with up to 64 batches each in flight, counted when
//                                   on_durable fires (flush.policy=sync, group commit; two
//                                   flusher threads, LogManager's default)
//   BM_AppendFlush/<batch>/<ahead KiB>
//                                   one append then flush() per iteration, one thread: the
//                                   group-commit fdatasync alone; counters fsync_p50_us/p99_us
// <ahead KiB> is preallocate.ahead.bytes / 1024, 0 for preallocation off.
//   BM_RawRead                      pread of 1 MiB chunks of a 64 MiB file (the read ceiling)
//   BM_Read/<batch>                 read() of 1 MiB slices and pread of the bytes
//   BM_RecoverUnclean/<MiB>         open() after an unclean stop: every batch CRC-checked
// The directory is $EDDY_BENCH_DIR, else ./eddy-log-bench (created and removed by each run).
// EDDY_BENCH_RECOVERY_MIB sets the size of the log recovered (default 1024).
// Figures and the command that produced them: docs/benchmarks/storage.md.

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "log/flusher.h"
#include "log/partition_log.h"
#include "protocol/records/batch_header.h"

namespace eddy::log {
namespace {

std::string bench_dir() {
  const char* env = std::getenv("EDDY_BENCH_DIR");
  return env != nullptr ? env : "eddy-log-bench";
}

// A fresh directory for one benchmark, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() : path_(bench_dir() + "/run") {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A v2 batch of `size` bytes (one record's worth of header, filler records) with a valid CRC.
Bytes make_batch(size_t size, int32_t records = 1) {
  Bytes b(size, 0x5a);
  records::BatchHeader h;
  h.batch_length = static_cast<int32_t>(size - records::kLogOverhead);
  h.last_offset_delta = records - 1;
  h.records_count = records;
  h.base_timestamp = h.max_timestamp = 1'700'000'000'000;
  records::write_batch_header(h, b.data());
  h.crc = records::compute_batch_crc(b);
  records::write_batch_header(h, b.data());
  return b;
}

// ahead_kib: preallocate.ahead.bytes in KiB; 0 turns preallocation off.
std::shared_ptr<PartitionLog> open_log(const std::string& dir, FlushPolicy policy,
                                       Flusher* flusher = nullptr, int64_t ahead_kib = 0) {
  PartitionLogOptions o;
  o.dir = dir + "/bench-0";
  o.config.segment_bytes = 256 << 20;
  o.config.flush_policy = policy;
  o.config.flush_ms = 3'600'000;  // interval: no flush due within a benchmark
  o.config.preallocate = ahead_kib > 0;
  if (ahead_kib > 0) o.config.preallocate_ahead_bytes = ahead_kib << 10;
  o.flusher = flusher;
  auto r = PartitionLog::open(o);
  if (!r.is_ok()) {
    std::fprintf(stderr, "open: %s\n", r.status().to_string().c_str());
    std::abort();
  }
  return std::move(r).value();
}

void BM_RawWrite(benchmark::State& state) {
  ScratchDir dir;
  Bytes buf(static_cast<size_t>(state.range(0)), 0x5a);
  int fd = ::open((dir.path() + "/raw").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  uint64_t written = 0;
  for (auto _ : state) {
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) {
      state.SkipWithError("write failed");
      break;
    }
    written += buf.size();
  }
  ::close(fd);
  state.SetBytesProcessed(static_cast<int64_t>(written));
}
BENCHMARK(BM_RawWrite)->Arg(1024)->Arg(16384);

void BM_RawWriteSync(benchmark::State& state) {
  ScratchDir dir;
  Bytes buf(static_cast<size_t>(state.range(0)), 0x5a);
  int fd = ::open((dir.path() + "/raw").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const uint64_t sync_every = static_cast<uint64_t>(state.range(1));
  uint64_t written = 0, since_sync = 0;
  for (auto _ : state) {
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) {
      state.SkipWithError("write failed");
      break;
    }
    written += buf.size();
    since_sync += buf.size();
    if (since_sync >= sync_every) {
      ::fdatasync(fd);
      since_sync = 0;
    }
  }
  ::fdatasync(fd);
  ::close(fd);
  state.SetBytesProcessed(static_cast<int64_t>(written));
}
BENCHMARK(BM_RawWriteSync)
    ->Args({1024, 1 << 20})
    ->Args({16384, 1 << 20})
    ->Args({16384, 8 << 20})
    ->Args({16384, 32 << 20})
    ->UseRealTime();

void BM_AppendInterval(benchmark::State& state) {
  ScratchDir dir;
  const int64_t ahead_kib = state.range(1);
  auto log = open_log(dir.path(), FlushPolicy::kInterval, nullptr, ahead_kib);
  Bytes batch = make_batch(static_cast<size_t>(state.range(0)));
  uint64_t written = 0;
  int64_t since_tick = 0;
  for (auto _ : state) {
    // With preallocation (preallocate=true on an interval topic), the top-ups that LogManager's
    // background tick runs between interval flushes (none is due within a run: flush.ms is an
    // hour), here on the appending thread so that their cost is counted, and as often as the
    // tail needs one: every ahead/2 appended. Without, nothing but appends.
    since_tick += static_cast<int64_t>(batch.size());
    if (ahead_kib > 0 && since_tick >= ahead_kib * 512) {
      since_tick = 0;
      if (!log->maybe_roll_and_flush().is_ok()) std::abort();
    }
    auto r = log->append(batch, LeaderEpoch(0));
    if (!r.is_ok()) {
      state.SkipWithError(r.status().to_string().c_str());
      break;
    }
    written += batch.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(written));
}
BENCHMARK(BM_AppendInterval)
    ->Args({1024, 0})
    ->Args({1024, 1024})
    ->Args({16384, 0})
    ->Args({16384, 1024});

// Appender threads, each keeping up to kWindow batches in flight (a pipelining producer): a
// batch counts once on_durable reports it, so the figure is durable bytes per second.
void BM_AppendSync(benchmark::State& state) {
  constexpr int kWindow = 64;
  ScratchDir dir;
  Flusher flusher(2);
  auto log = open_log(dir.path(), FlushPolicy::kSync, &flusher, state.range(2));
  const size_t size = static_cast<size_t>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  std::atomic<uint64_t> durable_bytes{0};
  for (auto _ : state) {
    // One iteration: every thread appends 256 batches and waits for all of them to be durable.
    std::vector<std::thread> appenders;
    for (int t = 0; t < threads; ++t) {
      appenders.emplace_back([&] {
        Bytes batch = make_batch(size);
        std::mutex mu;
        std::condition_variable cv;
        int in_flight = 0;
        for (int i = 0; i < 256; ++i) {
          {
            std::unique_lock lock(mu);
            cv.wait(lock, [&] { return in_flight < kWindow; });
            ++in_flight;
          }
          auto r = log->append(batch, LeaderEpoch(0));
          if (!r.is_ok()) std::abort();
          log->on_durable(r->last_offset, [&](const Status& s) {
            if (!s.is_ok()) std::abort();
            durable_bytes += size;
            std::lock_guard lock(mu);
            --in_flight;
            cv.notify_all();
          });
        }
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return in_flight == 0; });
      });
    }
    for (auto& t : appenders) t.join();
  }
  flusher.stop();
  state.SetBytesProcessed(static_cast<int64_t>(durable_bytes.load()));
}
BENCHMARK(BM_AppendSync)
    ->ArgsProduct({{1024, 16384}, {1, 8, 32}, {0, 1024, 4096, 16384}})
    ->UseRealTime();

// One appender, one append then one flush() per iteration: each flush is one fdatasync of the
// active segment (plus, every so often, the zero-fill's). The per-flush latencies give the
// counters; the iteration time is their mean.
void BM_AppendFlush(benchmark::State& state) {
  ScratchDir dir;
  auto log = open_log(dir.path(), FlushPolicy::kSync, nullptr, state.range(1));
  Bytes batch = make_batch(static_cast<size_t>(state.range(0)));
  std::vector<double> us;
  us.reserve(1 << 16);
  for (auto _ : state) {
    if (!log->append(batch, LeaderEpoch(0)).is_ok()) std::abort();
    auto t0 = std::chrono::steady_clock::now();
    if (!log->flush().is_ok()) std::abort();
    auto t1 = std::chrono::steady_clock::now();
    if (us.size() < us.capacity()) {
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }
  if (!us.empty()) {
    std::sort(us.begin(), us.end());
    state.counters["fsync_p50_us"] = us[us.size() / 2];
    state.counters["fsync_p99_us"] = us[us.size() * 99 / 100];
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_AppendFlush)
    ->ArgsProduct({{4096}, {0, 1024, 4096, 16384}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_RawRead(benchmark::State& state) {
  ScratchDir dir;
  const uint64_t total = 64 << 20;
  Bytes buf(1 << 20, 0x5a);
  int fd = ::open((dir.path() + "/raw").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  for (uint64_t n = 0; n < total; n += buf.size()) {
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) std::abort();
  }
  uint64_t pos = 0, bytes = 0;
  for (auto _ : state) {
    ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(pos));
    benchmark::DoNotOptimize(n);
    bytes += buf.size();
    pos = (pos + buf.size()) % total;
  }
  ::close(fd);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_RawRead);

void BM_Read(benchmark::State& state) {
  ScratchDir dir;
  auto log = open_log(dir.path(), FlushPolicy::kInterval);
  Bytes batch = make_batch(static_cast<size_t>(state.range(0)));
  const uint64_t total = 64 << 20;
  for (uint64_t n = 0; n < total; n += batch.size()) {
    if (!log->append(batch, LeaderEpoch(0)).is_ok()) std::abort();
  }
  Bytes buf(1 << 20);
  int64_t offset = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto r = log->read(Offset(offset), buf.size(), log->log_end_offset());
    if (!r.is_ok()) {
      state.SkipWithError(r.status().to_string().c_str());
      break;
    }
    // What a server's sendfile would move; pread stands in for it here.
    ssize_t n = ::pread(r->records.fd, buf.data(), r->records.length,
                        static_cast<off_t>(r->records.position));
    benchmark::DoNotOptimize(n);
    bytes += r->records.length;
    offset = r->next_offset.value();
    if (offset >= log->log_end_offset().value()) offset = 0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Read)->Arg(1024)->Arg(16384);

// Builds a log of <MiB> in 16 KiB batches, syncs it, stops without close() (no clean-shutdown
// marker), then times open(), which validates every batch and rebuilds the indexes.
void BM_RecoverUnclean(benchmark::State& state) {
  ScratchDir dir;
  const uint64_t total = static_cast<uint64_t>(state.range(0)) << 20;
  {
    auto log = open_log(dir.path(), FlushPolicy::kInterval);
    Bytes batch = make_batch(16384, 16);
    for (uint64_t n = 0; n < total; n += batch.size()) {
      if (!log->append(batch, LeaderEpoch(0)).is_ok()) std::abort();
    }
    // Power-loss recovery starts from what is on disk: put it there first, so the figure is the
    // scan, not the write-back of the benchmark's own dirty pages.
    if (!log->flush().is_ok()) std::abort();
  }
  int64_t batches = 0;
  for (auto _ : state) {
    PartitionLogOptions o;
    o.dir = dir.path() + "/bench-0";
    o.config.segment_bytes = 256 << 20;
    RecoveryReport report;
    auto r = PartitionLog::open(o, &report);
    if (!r.is_ok() || report.clean_shutdown) std::abort();
    batches = report.batches_recovered;
    state.PauseTiming();
    // Make the next open unclean again: forget the recovery point the open wrote.
    r = Status(StatusCode::kCancelled, "reset");
    std::filesystem::remove(o.dir + "/partition.checkpoint");
    state.ResumeTiming();
  }
  state.counters["batches"] = static_cast<double>(batches);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total));
}

int64_t recovery_mib() {
  const char* env = std::getenv("EDDY_BENCH_RECOVERY_MIB");
  return env != nullptr ? std::max(1L, std::atol(env)) : 1024;
}
BENCHMARK(BM_RecoverUnclean)->Arg(recovery_mib())->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace eddy::log

BENCHMARK_MAIN();
