// The command line every example shares: flags, a KafkaStreams run until SIGINT/SIGTERM, and
// --describe to print the topology instead of running it.
#pragma once

#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "eddy/streams/kafka_streams.h"

namespace eddy::streams::examples {

struct Args {
  std::map<std::string, std::string> flags;  // --name value
  bool describe = false;
  std::string get(const std::string& name, const std::string& fallback) const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
};

inline Args parse(int argc, char** argv, const char* usage) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    if (f == "--describe") {
      a.describe = true;
    } else if (f.rfind("--", 0) == 0 && i + 1 < argc) {
      a.flags[f.substr(2)] = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
      std::exit(2);
    }
  }
  return a;
}

inline volatile std::sig_atomic_t stop_requested = 0;

inline const char* state_name(KafkaStreams::State s) {
  switch (s) {
    case KafkaStreams::State::kCreated:
      return "CREATED";
    case KafkaStreams::State::kRebalancing:
      return "REBALANCING";
    case KafkaStreams::State::kRunning:
      return "RUNNING";
    case KafkaStreams::State::kPendingShutdown:
      return "PENDING_SHUTDOWN";
    case KafkaStreams::State::kNotRunning:
      return "NOT_RUNNING";
    case KafkaStreams::State::kError:
      return "ERROR";
  }
  return "?";
}

// Runs `topology` with the common flags: --bootstrap (default localhost:9092), --app-id,
// --state-dir, --commit-interval-ms, --session-timeout-ms, --num-standby-replicas,
// --num-stream-threads, --print-store NAME (every half second while running, an interactive
// query of key-value store NAME: "store NAME keys: A active, S with standbys" when it changes,
// S counting the standby tasks' stale copies too). `before_close` runs once a stop is
// requested, while the instance still runs (interactive queries). Returns the exit code.
inline int run(const Topology& topology, const Args& a, const std::string& default_app_id,
               const std::function<void(KafkaStreams&)>& before_close = {}) {
  if (a.describe) {
    std::fputs(topology.describe().c_str(), stdout);
    return 0;
  }
  StreamsConfig c;
  c.application_id = a.get("app-id", default_app_id);
  c.bootstrap_servers = a.get("bootstrap", "localhost:9092");
  c.state_dir = a.get("state-dir", "/tmp/eddy-streams");
  c.commit_interval_ms = std::stoll(a.get("commit-interval-ms", "1000"));
  c.num_standby_replicas = std::stoi(a.get("num-standby-replicas", "0"));
  c.num_stream_threads = std::stoi(a.get("num-stream-threads", "1"));
  c.consumer["session.timeout.ms"] = a.get("session-timeout-ms", "10000");
  c.consumer["heartbeat.interval.ms"] = "1000";
  KafkaStreams streams(topology, c);
  streams.setStateListener([&streams](KafkaStreams::State s, KafkaStreams::State) {
    if (s == KafkaStreams::State::kError) {
      std::printf("error: %s\n", streams.lastError().c_str());
    }
    std::printf("state %s\n", state_name(s));
    std::fflush(stdout);
  });
  streams.setRestoreListener([](const std::string& store, int32_t p, int64_t n, int64_t ms) {
    std::printf("restored %s partition %d: %lld records in %lld ms\n", store.c_str(), p,
                (long long)n, (long long)ms);
    std::fflush(stdout);
  });
  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  streams.start();
  std::string tasks, threads, standbys;
  const std::string print_store = a.get("print-store", "");
  std::string store_line;
  auto last_query = std::chrono::steady_clock::now();
  while (!stop_requested && streams.state() != KafkaStreams::State::kError) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (streams.state() != KafkaStreams::State::kRunning) continue;
    if (!print_store.empty() &&
        std::chrono::steady_clock::now() - last_query >= std::chrono::milliseconds(500)) {
      last_query = std::chrono::steady_clock::now();
      // Keys and values read as strings: only the keys are counted.
      size_t active = streams.store<std::string, std::string>(print_store).all().size();
      size_t with_standbys =
          streams
              .store<std::string, std::string>(
                  StoreQueryParameters::fromName(print_store).enableStaleStores())
              .all()
              .size();
      std::string line = "store " + print_store + " keys: " + std::to_string(active) + " active, " +
                         std::to_string(with_standbys) + " with standbys\n";
      if (line != store_line) {
        store_line = line;
        std::fputs(line.c_str(), stdout);
        std::fflush(stdout);
      }
    }
    std::string now;
    for (const auto& t : streams.activeTasks()) {
      now += ' ';  // appended, not " " + ...: GCC 12's -Wrestrict misfires on that here
      now += t.to_string();
    }
    // What each stream thread runs, as "thread StreamThread-<n> tasks ..." lines.
    std::string per_thread;
    for (const auto& m : streams.metadataForLocalThreads()) {
      per_thread += "thread " + m.thread_name + " tasks";
      for (const auto& t : m.active_tasks) {
        per_thread += ' ';
        per_thread += t.to_string();
      }
      per_thread += '\n';
    }
    if (now != tasks || per_thread != threads) {
      tasks = now;
      threads = per_thread;
      std::printf("tasks%s\n%s", tasks.c_str(), threads.c_str());  // tests read these
      std::fflush(stdout);
    }
    std::string standby_now;
    for (const auto& t : streams.standbyTasks()) {
      standby_now += ' ';
      standby_now += t.to_string();
    }
    if (standby_now != standbys) {
      standbys = standby_now;
      std::printf("standby tasks%s\n", standbys.c_str());
      std::fflush(stdout);
    }
  }
  if (before_close && streams.state() == KafkaStreams::State::kRunning) before_close(streams);
  streams.close();
  if (streams.state() == KafkaStreams::State::kError) {
    std::fprintf(stderr, "error: %s\n", streams.lastError().c_str());
    return 1;
  }
  std::printf("processed %llu records\n", (unsigned long long)streams.processedRecords());
  return 0;
}

}  // namespace eddy::streams::examples
