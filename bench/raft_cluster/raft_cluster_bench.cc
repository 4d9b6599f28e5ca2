// raft_cluster_bench: three raft_kv_node processes on loopback, every entry fsynced before it
// counts. Measures, in one run and on one disk:
//   - proposals committed per second and client-observed commit latency (PUT sent -> OK read,
//     i.e. replicated to a quorum, fsynced on each, applied on the leader) for 1 client and for
//     N concurrent clients (group commit: one fsync covers every proposal in a Ready);
//   - election time after kill -9 of the leader: from the kill to the first surviving node that
//     reports itself leader of a newer term, over T trials (the killed node is restarted and the
//     cluster re-settles between trials).
//
//   raft_cluster_bench --node-binary build/tests/raft_kv_node [--clients 1,32] [--seconds 5]
//                      [--trials 50] [--tick-ms 10] [--election-ticks 10] [--dir DIR]
// Prints a Markdown table. No assertions on timings; exit status 1 only if the cluster fails.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "kv_cluster.h"

namespace {

using namespace eddy::raft::testing;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  std::string binary;
  std::vector<int> clients = {1, 32};
  double seconds = 5;
  int trials = 50;
  int tick_ms = 10;
  int election_ticks = 10;
  std::string dir;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct LoadResult {
  uint64_t ops = 0;
  uint64_t errors = 0;
  double elapsed_s = 0;
  std::vector<double> latencies_ms;
};

LoadResult run_load(KvCluster& cluster, int leader, int clients, double seconds) {
  std::vector<LoadResult> per(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      LoadResult& r = per[static_cast<size_t>(c)];
      KvConnection conn;
      if (!conn.connect(cluster.client_port(leader), 2000)) return;
      // Bounded by the deadline; each request has its own timeout.
      for (uint64_t i = 0; Clock::now() < end; ++i) {
        std::string line = "PUT c" + std::to_string(c) + "-" + std::to_string(i % 1000) + " " +
                           std::string(100, 'x');
        auto t0 = Clock::now();
        auto reply = conn.request(line, 5000);
        auto t1 = Clock::now();
        if (reply && reply->rfind("OK ", 0) == 0) {
          ++r.ops;
          r.latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        } else {
          ++r.errors;
          if (!conn.connected() && !conn.connect(cluster.client_port(leader), 2000)) return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  LoadResult total;
  total.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  for (LoadResult& r : per) {
    total.ops += r.ops;
    total.errors += r.errors;
    total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(),
                              r.latencies_ms.end());
  }
  return total;
}

// Kill the leader, time until a survivor leads a newer term. nullopt when none does in 10 s.
std::optional<double> election_trial(KvCluster& cluster) {
  auto leader = cluster.wait_for_leader(20s);
  if (!leader) return std::nullopt;
  auto before = cluster.status(*leader);
  if (!before) return std::nullopt;
  std::vector<KvConnection> survivors;
  for (int id : cluster.ids()) {
    if (id == *leader) continue;
    KvConnection c;
    if (!c.connect(cluster.client_port(id), 2000)) return std::nullopt;
    survivors.push_back(std::move(c));
  }
  const auto t0 = Clock::now();
  cluster.kill(*leader);
  std::optional<double> elapsed;
  while (!elapsed && Clock::now() - t0 < 10s) {
    for (KvConnection& c : survivors) {
      auto reply = c.request("STATUS", 1000);
      auto st = reply ? parse_status(*reply) : std::nullopt;
      if (st && st->role == "leader" && st->term > before->term) {
        elapsed = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        break;
      }
    }
    std::this_thread::sleep_for(1ms);
  }
  if (!cluster.start(*leader)) return std::nullopt;
  return elapsed;
}

bool parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string f = argv[i];
    std::string v = argv[i + 1];
    if (f == "--node-binary") {
      o->binary = v;
    } else if (f == "--clients") {
      o->clients.clear();
      size_t pos = 0;
      while (pos <= v.size()) {
        size_t comma = v.find(',', pos);
        o->clients.push_back(std::atoi(v.substr(pos, comma - pos).c_str()));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    } else if (f == "--seconds") {
      o->seconds = std::atof(v.c_str());
    } else if (f == "--trials") {
      o->trials = std::atoi(v.c_str());
    } else if (f == "--tick-ms") {
      o->tick_ms = std::atoi(v.c_str());
    } else if (f == "--election-ticks") {
      o->election_ticks = std::atoi(v.c_str());
    } else if (f == "--dir") {
      o->dir = v;
    } else {
      return false;
    }
  }
  return !o->binary.empty() && o->trials >= 0 && o->seconds > 0 &&
         std::all_of(o->clients.begin(), o->clients.end(), [](int c) { return c > 0; });
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: raft_cluster_bench --node-binary PATH [--clients 1,32] [--seconds S]"
                 " [--trials N] [--tick-ms T] [--election-ticks E] [--dir DIR]\n");
    return 2;
  }
  std::filesystem::path root = o.dir.empty()
                                   ? std::filesystem::temp_directory_path() /
                                         ("raft_cluster_bench." + std::to_string(getpid()))
                                   : std::filesystem::path(o.dir);
  std::filesystem::remove_all(root);
  KvClusterOptions co;
  co.binary = o.binary;
  co.root = root;
  co.tick_ms = o.tick_ms;
  co.election_ticks = o.election_ticks;
  int status = 0;
  {
    KvCluster cluster(co);
    if (!cluster.start_all()) {
      std::fprintf(stderr, "raft_cluster_bench: could not start the cluster\n");
      return 1;
    }
    auto leader = cluster.wait_for_leader(20s);
    if (!leader) {
      std::fprintf(stderr, "raft_cluster_bench: no leader\n");
      return 1;
    }
    std::printf(
        "3 raft_kv_node processes on 127.0.0.1, data under %s, fsync on; tick %d ms, "
        "election timeout %d-%d ticks\n\n",
        root.c_str(), o.tick_ms, o.election_ticks, 2 * o.election_ticks - 1);
    std::printf("| clients | proposals/s | p50 commit ms | p99 commit ms | errors |\n");
    std::printf("|--------:|------------:|--------------:|--------------:|-------:|\n");
    for (int clients : o.clients) {
      LoadResult r = run_load(cluster, *leader, clients, o.seconds);
      std::printf("| %d | %.0f | %.2f | %.2f | %llu |\n", clients,
                  static_cast<double>(r.ops) / r.elapsed_s, percentile(r.latencies_ms, 0.5),
                  percentile(r.latencies_ms, 0.99), static_cast<unsigned long long>(r.errors));
      std::fflush(stdout);
      if (r.ops == 0) status = 1;
    }
    std::vector<double> elections;
    int failed = 0;
    for (int t = 0; t < o.trials; ++t) {
      auto ms = election_trial(cluster);
      if (ms) {
        elections.push_back(*ms);
      } else {
        ++failed;
      }
    }
    if (o.trials > 0) {
      std::printf("\n| election trials | p50 ms | p99 ms | max ms | failed |\n");
      std::printf("|----------------:|-------:|-------:|-------:|-------:|\n");
      std::printf("| %d | %.1f | %.1f | %.1f | %d |\n", o.trials, percentile(elections, 0.5),
                  percentile(elections, 0.99),
                  elections.empty() ? 0.0 : *std::max_element(elections.begin(), elections.end()),
                  failed);
      if (failed > 0) status = 1;
    }
  }
  std::filesystem::remove_all(root);
  return status;
}
