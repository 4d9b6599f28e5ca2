#pragma once
// How the perf tools report: a live progress line each second (on stderr, redrawn in place on a
// terminal), and a final summary as aligned text or JSON.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "cli/app/command.h"
#include "cli/app/latency_stats.h"

namespace eddy::cli {

struct PerfResult {
  std::string mode;  // produce | consume | e2e
  std::string topic;
  int64_t records = 0;
  int64_t bytes = 0;
  int64_t failed = 0;
  double elapsed_s = 0;
  std::string latency_name;  // empty: no latency measured
  LatencySummary latency;
  std::vector<std::pair<std::string, std::string>> settings;
};

void print_perf_result(Context& ctx, const PerfResult& r);

class ProgressLine {
 public:
  ProgressLine(std::ostream& err, bool enabled);
  // Prints a line when a second has passed since the last one.
  void tick(int64_t records, int64_t bytes, LatencyStats& latency);
  void finish();

 private:
  std::ostream& err_;
  bool enabled_;
  bool tty_;
  bool printed_ = false;
  int64_t last_ns_;
  int64_t last_records_ = 0;
  int64_t last_bytes_ = 0;
};

}  // namespace eddy::cli
