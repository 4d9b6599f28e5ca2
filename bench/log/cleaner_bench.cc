// The log cleaner's figures (docs/benchmarks/storage.md, "Compaction"), one table per run:
//   1. cleaning throughput on a log of --mib MiB whose keys are --unique-pct % of its records,
//      against a raw read + write (pread, pwrite, fsync) of the same segment files in the same
//      run;
//   2. peak memory of a pass (VmHWM, reset before each) against log.cleaner.dedupe.buffer.size;
//   3. appends per second to another log while a pass runs, against the same appends alone.
// Usage: cleaner_bench [--mib N] [--unique-pct P] [--dir D]   (EDDY_BENCH_DIR also sets the dir)

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "log/log_cleaner.h"
#include "log/partition_log.h"
#include "protocol/records/batch_builder.h"

namespace {

using namespace eddy;
using namespace eddy::log;
namespace fs = std::filesystem;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds of the calling thread (user + system): on a shared machine, where the wall time
// of a pass is mostly waiting for a core, what the pass itself costs.
double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int64_t vm_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atoll(line.c_str() + std::strlen(field));
  }
  return -1;
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

void die(const Status& s, const char* what) {
  if (!s.is_ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.to_string().c_str());
    std::exit(1);
  }
}

std::shared_ptr<PartitionLog> open_log(const std::string& dir, int64_t segment_bytes) {
  PartitionLogOptions o;
  o.dir = dir;
  o.config.segment_bytes = segment_bytes;
  o.config.flush_policy = FlushPolicy::kInterval;
  o.config.cleanup_compact = true;
  o.config.cleanup_delete = false;
  auto r = PartitionLog::open(o);
  die(r.status(), "open");
  return *r;
}

// Writes about `mib` MiB of 100-byte records, 100 per batch, keys drawn from unique_pct % of them.
void fill(PartitionLog& log, int64_t mib, int unique_pct) {
  const int64_t records = mib * 1024 * 1024 / 130;
  const int64_t keys = std::max<int64_t>(1, records * unique_pct / 100);
  std::string value(100, 'v');
  uint64_t x = 88172645463325252ULL;
  for (int64_t i = 0; i < records;) {
    records::BatchBuilder b;
    for (int j = 0; j < 100 && i < records; ++j, ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::string key = "key-" + std::to_string(x % static_cast<uint64_t>(keys));
      b.append(1'700'000'000'000 + i, key, value);
    }
    Bytes batch = *b.build();
    die(log.append(batch, LeaderEpoch(0)).status(), "append");
  }
  // Seal the last segment: a tiny batch in a new active one (segment.ms has passed).
  LogConfig cfg = log.config();
  cfg.segment_ms = 1;
  log.update_config(cfg);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  records::BatchBuilder b;
  b.append(0, "end", "end");
  Bytes batch = *b.build();
  die(log.append(batch, LeaderEpoch(0)).status(), "append");
  die(log.flush(), "flush");
}

// pread + pwrite + fsync of every .log file of `dir` into `out`, 1 MiB at a time; `cpu_s` gets
// the copy's CPU seconds.
double raw_copy_s(const std::string& dir, const std::string& out, double* cpu_s) {
  fs::create_directories(out);
  std::vector<char> buf(1 << 20);
  double t0 = now_s();
  double c0 = thread_cpu_s();
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".log") continue;
    int in = ::open(e.path().c_str(), O_RDONLY);
    int o = ::open((out + "/" + e.path().filename().string()).c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                   0644);
    off_t pos = 0;
    ssize_t n;
    while ((n = ::pread(in, buf.data(), buf.size(), pos)) > 0) {
      if (::pwrite(o, buf.data(), static_cast<size_t>(n), pos) != n) std::exit(1);
      pos += n;
    }
    ::fsync(o);
    ::close(in);
    ::close(o);
  }
  *cpu_s = thread_cpu_s() - c0;
  return now_s() - t0;
}

uint64_t dir_log_bytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".log") n += fs::file_size(e.path());
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t mib = 1024;
  int unique_pct = 10;
  const char* env = std::getenv("EDDY_BENCH_DIR");
  std::string base = env != nullptr ? env : "/tmp/eddy-cleaner-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--mib") mib = std::atoll(argv[i + 1]);
    if (a == "--unique-pct") unique_pct = std::atoi(argv[i + 1]);
    if (a == "--dir") base = argv[i + 1];
  }
  fs::remove_all(base);
  const int64_t segment_bytes = 64 << 20;
  const std::string src = base + "/source-0";
  {
    auto log = open_log(src, segment_bytes);
    fill(*log, mib, unique_pct);
    die(log->close(), "close");
  }
  const uint64_t bytes = dir_log_bytes(src);
  std::printf("log: %.1f MiB, keys %d%% of records, segment.bytes %lld MiB\n",
              static_cast<double>(bytes) / (1 << 20), unique_pct,
              static_cast<long long>(segment_bytes >> 20));

  // 1 and 2: a pass per dedupe buffer size, each on a fresh copy; the raw copy in between.
  std::printf(
      "\n| dedupe buffer | pass s | MiB/s | raw read+write MiB/s | ratio | pass CPU s | raw CPU s "
      "| peak RSS MiB | output MiB |\n|---|---|---|---|---|---|---|---|---|\n");
  for (uint64_t dedupe_mib : {4, 16, 128}) {
    std::string copy = base + "/copy-" + std::to_string(dedupe_mib) + "-0";
    fs::copy(src, copy, fs::copy_options::recursive);
    double raw_cpu = 0;
    double raw = raw_copy_s(src, base + "/raw-" + std::to_string(dedupe_mib), &raw_cpu);
    fs::remove_all(base + "/raw-" + std::to_string(dedupe_mib));
    auto log = open_log(copy, segment_bytes);
    Cleaner cleaner(dedupe_mib << 20, 0.9, nullptr, &SystemClock::instance());
    int64_t before_kib = vm_kib("VmRSS:");
    reset_peak_rss();
    double t0 = now_s();
    double c0 = thread_cpu_s();
    int passes = 0;
    while (cleanable_view(*log, SystemClock::instance().wall_ms()).dirty_bytes > 0 &&
           passes < 100) {
      die(cleaner.clean(*log).status(), "clean");
      ++passes;
    }
    double t = now_s() - t0;
    double cpu = thread_cpu_s() - c0;
    int64_t peak_kib = vm_kib("VmHWM:");
    double mibs = static_cast<double>(bytes) / (1 << 20);
    std::printf(
        "| %llu MiB | %.2f (%d pass%s) | %.0f | %.0f | %.2f | %.2f | %.2f | %.0f (+%.0f) | %.1f "
        "|\n",
        static_cast<unsigned long long>(dedupe_mib), t, passes, passes == 1 ? "" : "es", mibs / t,
        mibs / raw, raw / t, cpu, raw_cpu, static_cast<double>(peak_kib) / 1024,
        static_cast<double>(peak_kib - before_kib) / 1024,
        static_cast<double>(log->size_bytes()) / (1 << 20));
    die(log->close(), "close");
    fs::remove_all(copy);
  }

  // 3: appends of 1 KiB batches to another log, alone and while a pass runs.
  auto appends_per_s = [&](bool with_cleaner, double io_bytes_per_s) {
    std::string copy = base + "/produce-src-0";
    fs::remove_all(copy);
    fs::copy(src, copy, fs::copy_options::recursive);
    auto target = open_log(base + "/produce-" + std::to_string(with_cleaner) + "-0", 1 << 30);
    std::atomic<bool> done{false};
    double cleaning_s = 0;
    std::thread cleaner_thread([&] {
      if (!with_cleaner) {
        std::this_thread::sleep_for(std::chrono::seconds(3));
      } else {
        auto log = open_log(copy, segment_bytes);
        IoThrottle throttle(io_bytes_per_s, &SystemClock::instance());
        Cleaner cleaner(128 << 20, 0.9, &throttle, &SystemClock::instance());
        double t0 = now_s();
        die(cleaner.clean(*log).status(), "clean");
        cleaning_s = now_s() - t0;
        die(log->close(), "close");
      }
      done = true;
    });
    records::BatchBuilder b;
    b.append(0, "k", std::string(1024 - 80, 'p'));
    Bytes proto = *b.build();
    int64_t n = 0;
    double t0 = now_s();
    while (!done.load()) {
      Bytes copy_batch = proto;
      die(target->append(copy_batch, LeaderEpoch(0)).status(), "append");
      ++n;
      if (n % 1024 == 0) die(target->flush(), "flush");
    }
    double t = now_s() - t0;
    cleaner_thread.join();
    die(target->close(), "close");
    return std::make_pair(static_cast<double>(n) / t, cleaning_s);
  };
  auto alone = appends_per_s(false, 0);
  auto during = appends_per_s(true, 1e18);
  auto throttled = appends_per_s(true, 32 << 20);
  std::printf("\n| appends (1 KiB batches, flush every 1024) | per second |\n|---|---|\n");
  std::printf("| alone | %.0f |\n| while a pass runs (%.1f s) | %.0f (%.2f) |\n", alone.first,
              during.second, during.first, during.first / alone.first);
  std::printf("| while a pass at 32 MiB/s runs (%.1f s) | %.0f (%.2f) |\n", throttled.second,
              throttled.first, throttled.first / alone.first);
  fs::remove_all(base);
  return 0;
}
