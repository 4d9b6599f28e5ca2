// How fast the deterministic simulation runs: scheduler events (ticks, message deliveries, fsync
// completions, client operations, faults) per second of wall time, and whole seeds per second.
// One seed is 3 s of virtual time. With faults off the cluster just replicates client traffic.

#include <benchmark/benchmark.h>

#include "simulation.h"

namespace eddy::raft::sim {
namespace {

void BM_SimulatedSeed(benchmark::State& state) {
  SimOptions o;
  o.voters = static_cast<int>(state.range(0));
  o.faults = state.range(1) != 0;
  uint64_t seed = 0, events = 0, committed = 0;
  for (auto _ : state) {
    o.seed = seed++;
    SimResult r = run_simulation(o);
    if (!r.ok) {
      state.SkipWithError(r.failure.c_str());
      return;
    }
    events += r.events;
    committed += r.committed;
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["seeds_per_s"] =
      benchmark::Counter(static_cast<double>(seed), benchmark::Counter::kIsRate);
  state.counters["events_per_seed"] =
      benchmark::Counter(static_cast<double>(events) / static_cast<double>(seed));
  state.counters["commits_per_seed"] =
      benchmark::Counter(static_cast<double>(committed) / static_cast<double>(seed));
}

BENCHMARK(BM_SimulatedSeed)
    ->ArgNames({"voters", "faults"})
    ->Args({3, 1})
    ->Args({5, 1})
    ->Args({3, 0})
    ->Args({5, 0})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace eddy::raft::sim

BENCHMARK_MAIN();
