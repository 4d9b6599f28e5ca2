// Records per CPU-second of Eddy Streams for two topologies:
//   map-filter:     mapValues (parse a number) -> filter (keep even) -> to
//   windowed-count: groupByKey -> 1 s tumbling windows -> count (in-memory window store,
//                   changelog on) -> toStream -> to
// In process (default): records go through TopologyTestDriver, so the figure is the library's own
// cost per record (serdes, processors, stores, changelog records) without any network.
// With --bootstrap: KafkaStreams consumes --records records already in --input and the figure is
// records per CPU-second of the whole process (librdkafka's threads included).
// With --restore-app-id: the restore rate of a changelog filled beforehand.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "eddy/streams/kafka_streams.h"
#include "eddy/streams/streams_builder.h"
#include "eddy/streams/topology_test_driver.h"

using namespace eddy::streams;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Topology build(const std::string& which, const std::string& input, const std::string& output) {
  StreamsBuilder b;
  auto s = b.stream<std::string, std::string>(input);
  if (which == "map-filter") {
    s.mapValues([](const std::string& v) { return int64_t(std::stoll(v)); })
        .filter([](const std::string&, int64_t v) { return v % 2 == 0; })
        .to(output);
  } else {
    s.groupByKey()
        .windowedBy(TimeWindows::ofSizeWithNoGrace(std::chrono::milliseconds(1000)))
        .count(Materialized<std::string, int64_t>::as("counts").inMemory())
        .toStream()
        .selectKey([](const Windowed<std::string>& w, int64_t) { return w.key; })
        .to(output);
  }
  return b.build();
}

void report(const std::string& mode, const std::string& which, uint64_t n, double cpu,
            double wall) {
  std::printf("%-10s %-15s records %10llu  cpu %7.3f s  wall %7.3f s  %10.0f records/cpu-s\n",
              mode.c_str(), which.c_str(), (unsigned long long)n, cpu, wall, double(n) / cpu);
}

void in_process(const std::string& which, uint64_t n) {
  Topology t = build(which, "in", "out");
  TopologyTestDriver d(t);
  auto in = d.createInputTopic<std::string, std::string>("in");
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("key-" + std::to_string(i));
  double c0 = cpu_seconds(), w0 = wall_seconds();
  for (uint64_t i = 0; i < n; ++i) {
    in.pipeInput(keys[i % keys.size()], std::to_string(i), int64_t(i / 100));  // 100 records/ms
    if (i % 65536 == 0) {
      d.output("out").clear();  // the driver keeps output; a real sink would not
      d.output(d.applicationId() + "-counts-changelog").clear();
    }
  }
  report("in-process", which, n, cpu_seconds() - c0, wall_seconds() - w0);
}

void with_broker(const std::string& which, uint64_t n, const std::string& bootstrap,
                 const std::string& input) {
  StreamsConfig c;
  c.application_id = "streams-bench-" + which + "-" + std::to_string(::getpid());
  c.bootstrap_servers = bootstrap;
  c.state_dir = "/tmp/eddy-streams-bench";
  c.commit_interval_ms = 1000;
  KafkaStreams s(build(which, input, input + "-out-" + which), c);
  double c0 = cpu_seconds(), w0 = wall_seconds();
  s.start();
  while (s.processedRecords() < n && s.state() != KafkaStreams::State::kError) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double cpu = cpu_seconds() - c0, wall = wall_seconds() - w0;
  s.close();
  if (s.state() == KafkaStreams::State::kError) {
    std::fprintf(stderr, "error: %s\n", s.lastError().c_str());
    std::exit(1);
  }
  report("broker", which, n, cpu, wall);
}

// Restores the store "counts" of application --app-id from its changelog (filled beforehand by
// streams_broker_bench.py) and reports the restore rate.
void restore(const std::string& bootstrap, const std::string& input, const std::string& app_id,
             uint64_t changelog_bytes) {
  StreamsBuilder b;
  b.stream<std::string, std::string>(input).groupByKey().count(
      Materialized<std::string, int64_t>::as("counts"));
  StreamsConfig c;
  c.application_id = app_id;
  c.bootstrap_servers = bootstrap;
  c.state_dir = "/tmp/eddy-streams-bench-restore";
  // An empty store every time: a store left by an earlier run, with its checkpoint, would restore
  // nothing (or from a stale offset) against a new broker's changelog.
  std::filesystem::remove_all(c.state_dir);
  KafkaStreams s(b.build(), c);
  std::atomic<int64_t> records{-1}, ms{0};
  s.setRestoreListener([&](const std::string&, int32_t, int64_t n, int64_t d) {
    ms = d;
    records = n;
  });
  double c0 = cpu_seconds();
  s.start();
  while (records < 0 && s.state() != KafkaStreams::State::kError) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double cpu = cpu_seconds() - c0;
  s.close();
  std::filesystem::remove_all(c.state_dir);  // 68 MiB of RocksDB after the 1 GiB run
  double secs = double(ms) / 1000;
  std::printf(
      "restore    RocksDB         records %10lld  bytes %llu  %7.3f s  %8.1f MiB/s  %10.0f "
      "records/s  cpu %.3f s\n",
      (long long)records.load(), (unsigned long long)changelog_bytes, secs,
      double(changelog_bytes) / (1 << 20) / secs, double(records) / secs, cpu);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> f{{"records", "1000000"}, {"topology", "both"}};
  for (int i = 1; i + 1 < argc; i += 2) f[std::string(argv[i]).substr(2)] = argv[i + 1];
  uint64_t n = std::stoull(f["records"]);
  if (f.count("restore-app-id")) {
    restore(f["bootstrap"], f["input"], f["restore-app-id"], std::stoull(f["changelog-bytes"]));
    return 0;
  }
  for (std::string which : {"map-filter", "windowed-count"}) {
    if (f["topology"] != "both" && f["topology"] != which) continue;
    if (f.count("bootstrap")) {
      with_broker(which, n, f["bootstrap"], f["input"]);
    } else {
      in_process(which, n);
    }
  }
  return 0;
}
