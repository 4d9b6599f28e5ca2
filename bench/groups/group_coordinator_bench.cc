// In-process figures for the group coordinator, without sockets or disks (MemoryCoordinatorLog):
// what the coordinator itself costs. End-to-end figures with eddyd and librdkafka come from
// groups_e2e_bench.py. Both are in docs/benchmarks/groups.md.
//
//   group_coordinator_bench [--members 10] [--offsets 100000] [--commits 20000] [--trials 5]
//
// Prints one line per figure: the median over the trials and the spread.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "broker/group/group_coordinator.h"
#include "broker/group/memory_coordinator_log.h"
#include "common/clock.h"

namespace {

using eddy::Bytes;
using eddy::SystemClock;
using namespace eddy::group;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

GroupConfig bench_config() {
  GroupConfig c;
  c.initial_rebalance_delay_ms = 0;
  c.offsets_topic_num_partitions = 1;
  return c;
}

JoinGroupParams join_params(const std::string& member_id) {
  JoinGroupParams p;
  p.group_id = "bench";
  p.session_timeout_ms = 30'000;
  p.rebalance_timeout_ms = 60'000;
  p.member_id = member_id;
  p.protocol_type = "consumer";
  p.protocols = {JoinProtocol{"range", Bytes(64, 1)}};
  p.client_id = "bench";
  return p;
}

// Ten members join an existing single-member group at once (JoinGroup v4+: MEMBER_ID_REQUIRED
// first), all rejoin, the leader syncs the assignment and every member gets it. Returns ms.
double rebalance_once(int members) {
  MemoryCoordinatorLog log;
  GroupCoordinator c(bench_config(), log, SystemClock::instance());
  if (!c.load_partition(0).is_ok()) std::abort();
  auto t0 = Clock::now();
  std::vector<std::string> ids(static_cast<size_t>(members));
  for (int i = 0; i < members; ++i) {
    auto p = join_params("");
    p.require_known_member_id = true;
    c.join_group(p, [&ids, i](JoinGroupResult r) { ids[static_cast<size_t>(i)] = r.member_id; });
  }
  int joined = 0;
  int32_t generation = -1;
  std::string leader;
  for (int i = 0; i < members; ++i) {
    auto p = join_params(ids[static_cast<size_t>(i)]);
    p.require_known_member_id = true;
    c.join_group(p, [&](JoinGroupResult r) {
      ++joined;
      generation = r.generation_id;
      leader = r.leader;
    });
  }
  if (joined != members) std::abort();
  int synced = 0;
  std::vector<std::pair<std::string, Bytes>> assignment;
  for (const std::string& id : ids) assignment.emplace_back(id, Bytes(32, 2));
  for (const std::string& id : ids) {
    SyncGroupParams s;
    s.group_id = "bench";
    s.generation_id = generation;
    s.member_id = id;
    if (id == leader) s.assignments = assignment;
    c.sync_group(s, [&synced](SyncGroupResult r) { synced += r.error_code == err::kNone; });
  }
  if (synced != members) std::abort();
  return ms_since(t0);
}

// Synchronous commits of one partition, one after the other: commits per second.
double commits_per_second(int commits) {
  MemoryCoordinatorLog log;
  GroupCoordinator c(bench_config(), log, SystemClock::instance());
  if (!c.load_partition(0).is_ok()) std::abort();
  auto t0 = Clock::now();
  for (int i = 0; i < commits; ++i) {
    OffsetCommitParams p;
    p.group_id = "bench";
    p.offsets.push_back(OffsetCommitEntry{TopicPartition{"t", 0}, i, 0, std::nullopt});
    bool done = false;
    c.commit_offsets(p, [&done](OffsetCommitResult) { done = true; });
    if (!done) std::abort();
  }
  return commits / (ms_since(t0) / 1000.0);
}

// Loads a partition holding `offsets` committed offsets (100 per group). Returns ms.
double load_once(int offsets) {
  MemoryCoordinatorLog log;
  {
    GroupCoordinator writer(bench_config(), log, SystemClock::instance());
    if (!writer.load_partition(0).is_ok()) std::abort();
    for (int g = 0; g * 100 < offsets; ++g) {
      OffsetCommitParams p;
      p.group_id = "group-" + std::to_string(g);
      for (int i = 0; i < 100 && g * 100 + i < offsets; ++i) {
        p.offsets.push_back(OffsetCommitEntry{TopicPartition{"topic", i}, 1000 + i, 3, "meta"});
      }
      writer.commit_offsets(p, [](OffsetCommitResult) {});
    }
  }
  GroupCoordinator reader(bench_config(), log, SystemClock::instance());
  auto t0 = Clock::now();
  if (!reader.load_partition(0).is_ok()) std::abort();
  double ms = ms_since(t0);
  if (reader.group_count() != static_cast<size_t>((offsets + 99) / 100)) std::abort();
  return ms;
}

struct Stats {
  double median, min, max;
};

template <typename F>
Stats measure(int trials, F f) {
  std::vector<double> v;
  for (int i = 0; i < trials; ++i) v.push_back(f());
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

int arg(int argc, char** argv, const char* name, int def) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  int members = arg(argc, argv, "--members", 10);
  int offsets = arg(argc, argv, "--offsets", 100'000);
  int commits = arg(argc, argv, "--commits", 20'000);
  int trials = std::max(1, arg(argc, argv, "--trials", 5));
  Stats r = measure(trials, [&] { return rebalance_once(members); });
  std::printf("rebalance of %d members joining at once: median %.3f ms (min %.3f, max %.3f)\n",
              members, r.median, r.min, r.max);
  Stats c = measure(trials, [&] { return commits_per_second(commits); });
  std::printf("synchronous commits, in-memory log: median %.0f commits/s (min %.0f, max %.0f)\n",
              c.median, c.min, c.max);
  Stats l = measure(trials, [&] { return load_once(offsets); });
  std::printf("load of %d committed offsets: median %.1f ms (min %.1f, max %.1f)\n", offsets,
              l.median, l.min, l.max);
  return 0;
}
