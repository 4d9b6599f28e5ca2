#include "linearizability.h"

#include <algorithm>
#include <unordered_set>

namespace eddy::raft::sim {
namespace {

class Search {
 public:
  Search(std::vector<RegisterOp> ops, uint64_t max_states)
      : ops_(std::move(ops)), done_((ops_.size() + 63) / 64, 0), max_states_(max_states) {}

  // Depth-first: try every operation that may take effect next (one invoked before the earliest
  // pending response), applying it to the register; a read must see the current value.
  Verdict run(int64_t value, size_t remaining) {
    if (remaining == 0) return Verdict::kLinearizable;
    if (++states_ > max_states_) return Verdict::kTooComplex;
    std::string key(reinterpret_cast<const char*>(done_.data()), done_.size() * 8);
    key.append(reinterpret_cast<const char*>(&value), sizeof value);
    if (!seen_.insert(std::move(key)).second) return Verdict::kNotLinearizable;
    int64_t min_response = INT64_MAX;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (!is_done(i)) min_response = std::min(min_response, ops_[i].response);
    }
    for (size_t i = 0; i < ops_.size() && ops_[i].invoke <= min_response; ++i) {
      if (is_done(i)) continue;
      const RegisterOp& op = ops_[i];
      if (!op.write && op.value != value) continue;
      set_done(i, true);
      Verdict v = run(op.write ? op.value : value, remaining - 1);
      set_done(i, false);
      if (v != Verdict::kNotLinearizable) return v;
    }
    return Verdict::kNotLinearizable;
  }

  uint64_t states() const { return states_; }

 private:
  bool is_done(size_t i) const { return (done_[i / 64] >> (i % 64)) & 1; }
  void set_done(size_t i, bool on) {
    if (on) {
      done_[i / 64] |= uint64_t{1} << (i % 64);
    } else {
      done_[i / 64] &= ~(uint64_t{1} << (i % 64));
    }
  }

  std::vector<RegisterOp> ops_;
  std::vector<uint64_t> done_;
  std::unordered_set<std::string> seen_;
  uint64_t states_ = 0;
  uint64_t max_states_;
};

}  // namespace

CheckResult check_register(std::vector<RegisterOp> ops, int64_t initial_value,
                           uint64_t max_states) {
  std::sort(ops.begin(), ops.end(), [](const RegisterOp& a, const RegisterOp& b) {
    return a.invoke != b.invoke ? a.invoke < b.invoke : a.id < b.id;
  });
  const size_t n = ops.size();
  Search search(std::move(ops), max_states);
  CheckResult r;
  r.verdict = search.run(initial_value, n);
  if (r.verdict == Verdict::kNotLinearizable) {
    r.detail = "no linearization of " + std::to_string(n) + " operations";
  } else if (r.verdict == Verdict::kTooComplex) {
    r.detail = "search gave up after " + std::to_string(search.states()) + " states";
  }
  return r;
}

}  // namespace eddy::raft::sim
