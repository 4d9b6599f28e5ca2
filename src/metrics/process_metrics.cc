#include "metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "common/build_info.h"

namespace eddy::metrics {
namespace {

struct Stat {
  double cpu_seconds = 0;
  double start_time_seconds = 0;  // since the epoch
  double threads = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

// /proc/self/stat: fields after the command name (which may hold spaces, hence the last ')').
Stat read_stat() {
  Stat s;
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  size_t close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  // f[0] is field 3 (state): utime 14, stime 15, num_threads 20, starttime 22, vsize 23, rss 24.
  auto at = [&](int field) { return f.size() > size_t(field - 3) ? std::stod(f[field - 3]) : 0.0; };
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  s.cpu_seconds = (at(14) + at(15)) / ticks;
  s.threads = at(20);
  static const double boot = boot_time_seconds();
  s.start_time_seconds = boot + at(22) / ticks;
  s.virtual_bytes = at(23);
  s.resident_bytes = at(24) * page;
  return s;
}

double open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  double n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace

Registry::CollectorHandle add_process_collector(Registry& registry) {
  const auto started = std::chrono::steady_clock::now();
  return registry.add_collector([started](Writer& w) {
    Stat s = read_stat();
    w.family("process_cpu_seconds_total", "User and system CPU time of the process", Type::kCounter,
             {});
    w.sample({}, s.cpu_seconds);
    w.family("process_resident_memory_bytes", "Resident memory of the process", Type::kGauge, {});
    w.sample({}, s.resident_bytes);
    w.family("process_virtual_memory_bytes", "Virtual memory of the process", Type::kGauge, {});
    w.sample({}, s.virtual_bytes);
    w.family("process_threads", "Threads of the process", Type::kGauge, {});
    w.sample({}, s.threads);
    w.family("process_open_fds", "Open file descriptors", Type::kGauge, {});
    w.sample({}, open_fds());
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
      w.family("process_max_fds", "The open-file limit (RLIMIT_NOFILE)", Type::kGauge, {});
      w.sample({}, lim.rlim_cur == RLIM_INFINITY ? -1 : static_cast<double>(lim.rlim_cur));
    }
    w.family("process_start_time_seconds", "Start time of the process since the epoch",
             Type::kGauge, {});
    w.sample({}, s.start_time_seconds);
    w.family("eddy_uptime_seconds", "Time since the broker started", Type::kGauge, {});
    w.sample({}, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    w.family("eddy_build_info", "Always 1; the labels say which build runs", Type::kGauge,
             {"version", "revision", "build_type", "compiler"});
    w.sample({build_info::kVersion, build_info::kGitCommit, build_info::kBuildType,
              build_info::kCompiler},
             1);
  });
}

}  // namespace eddy::metrics
