#pragma once
// A linearizability checker for a single read/write register (Wing & Gong's search with Lowe's
// memoization of visited states, as in Knossos/Porcupine). Histories must stay small (hundreds of
// operations, a handful concurrent); the search is bounded and reports when it gives up.

#include <cstdint>
#include <string>
#include <vector>

namespace eddy::raft::sim {

struct RegisterOp {
  int64_t invoke = 0;    // virtual time the client sent it
  int64_t response = 0;  // virtual time its effect was observed complete (>= invoke)
  bool write = false;
  int64_t value = 0;  // written value, or the value a read returned
  uint64_t id = 0;    // for messages
};

enum class Verdict { kLinearizable, kNotLinearizable, kTooComplex };

struct CheckResult {
  Verdict verdict = Verdict::kLinearizable;
  std::string detail;
};

CheckResult check_register(std::vector<RegisterOp> ops, int64_t initial_value,
                           uint64_t max_states = 2'000'000);

}  // namespace eddy::raft::sim
