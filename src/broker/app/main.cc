// eddyd: the Eddy broker.
//
//   eddyd --config FILE [--override key=value ...]
//   eddyd format --cluster-id ID --config FILE [--override key=value ...]
//                                    writes meta.properties for a cluster node (Kafka's
//                                    kafka-storage format)
//   eddyd random-uuid                 prints a new cluster id
//   eddyd --print-config-docs        the config reference (markdown) from the key table
//   eddyd --version                  version, git commit and build type
//   eddyd --help                     this usage, exit 0
//
// Runs in the foreground. SIGTERM, SIGINT or SIGHUP: stop accepting, finish in-flight requests,
// flush and close the logs (clean-shutdown markers), exit 0. SIGHUP is a clean stop as in Kafka
// (whose JVM runs its shutdown hooks on it): a broker whose terminal goes away must not die
// without closing its logs, and eddyd has no configuration to reload. Exit 1 when the config is
// invalid or start-up fails (another process holds a data directory, a port is in use); 2 for
// bad usage.
//
// At start the soft open-file limit is raised to the hard one: segment files, connections and the
// metadata log all need descriptors, and the file-handle budget of the logs is sized from it.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/config/config_docs.h"
#include "broker/handlers/all_handlers.h"
#include "broker/logging.h"
#include "broker/meta_properties.h"
#include "common/build_info.h"
#include "common/uuid.h"

namespace {

// Usage goes to stdout with exit 0 when asked for (--help), to stderr with exit 2 after a bad
// command line.
int usage(bool asked = false) {
  std::fprintf(asked ? stdout : stderr,
               "usage: eddyd --config FILE [--override key=value ...]\n"
               "       eddyd format --cluster-id ID --config FILE [--override key=value ...]\n"
               "       eddyd random-uuid\n"
               "       eddyd --print-config-docs\n"
               "       eddyd --version | --help\n"
               "\n"
               "FILE is YAML (config/eddy.yaml) or a Kafka server.properties file; see\n"
               "docs/operations.md.\n");
  return asked ? 0 : 2;
}

// Below this many descriptors a broker with many partitions or connections runs short; Kafka's
// documentation asks for 100,000.
constexpr rlim_t kLowOpenFileLimit = 16'384;

// Raises the soft RLIMIT_NOFILE to the hard limit and says what it got.
void raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t before = lim.rlim_cur;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  if (lim.rlim_cur < kLowOpenFileLimit) {
    spdlog::warn(
        "open-file limit is {} (hard limit {}): too low for many partitions or connections; "
        "raise it (ulimit -n, LimitNOFILE= in the systemd unit) to at least {}",
        lim.rlim_cur, lim.rlim_max, kLowOpenFileLimit);
  } else if (before != lim.rlim_cur) {
    spdlog::info("open-file limit raised from {} to {}", before, lim.rlim_cur);
  }
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace eddy::broker;
  std::string config_path;
  std::vector<std::string> overrides;
  std::string command;
  std::string cluster_id;
  int first = 1;
  if (argc > 1 && (std::string(argv[1]) == "format" || std::string(argv[1]) == "random-uuid")) {
    command = argv[1];
    first = 2;
  }
  if (command == "random-uuid") {
    if (argc != 2) return usage();
    std::printf("%s\n", eddy::Uuid::random().to_base64().c_str());
    return 0;
  }
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (command == "format" && (arg == "--cluster-id" || arg == "-t") && i + 1 < argc) {
      cluster_id = argv[++i];
    } else if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--override" && i + 1 < argc) {
      overrides.emplace_back(argv[++i]);
    } else if (arg == "--version") {
      std::printf("eddyd %s\n", eddy::build_info::describe().c_str());
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      return usage(true);
    } else if (arg == "--print-config-docs") {
      std::fputs(config_reference_markdown().c_str(), stdout);
      return 0;
    } else {
      return usage();
    }
  }
  if (config_path.empty()) return usage();
  if (command == "format" && cluster_id.empty()) return usage();

  auto config = BrokerConfig::load(config_path, overrides);
  if (!config) {
    std::fprintf(stderr, "eddyd: %s\n", config.status().message().c_str());
    return 1;
  }
  if (command == "format") {
    std::vector<std::string> dirs = config->log_dirs();
    dirs.push_back(config->metadata_log_dir());
    eddy::Status s = format_storage(dirs, config->node_id(), cluster_id);
    if (!s) {
      std::fprintf(stderr, "eddyd format: %s\n", s.message().c_str());
      return 1;
    }
    std::printf("formatted node %d of cluster %s\n", config->node_id(), cluster_id.c_str());
    return 0;
  }
  configure_logging(*config);
  // One line per event, and few of them: flush each, so a log redirected to a file is complete
  // up to a crash or kill -9.
  spdlog::flush_on(spdlog::level::trace);
  log_startup_summary(*config, config_path);
  for (const auto& w : config->warnings()) spdlog::warn("{}", w);
  raise_open_file_limit();

  // Signals are taken synchronously by this thread (sigwait), so every thread started from here
  // on inherits the block and none is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that disconnects mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);

  // Start-up may wait for the controller quorum; a stop signal meanwhile ends it (the signal
  // stays pending, and is blocked, until sigwait below).
  auto interrupted = [] {
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
  };
  auto broker = Broker::open(std::move(*config), interrupted);
  if (!broker) {
    if (interrupted()) {
      spdlog::info("stopped during start-up");
      return 0;
    }
    spdlog::critical("start-up failed: {}", broker.status().to_string());
    return 1;
  }
  register_all_handlers((*broker)->registry(), (*broker)->context());
  if (auto s = (*broker)->start(); !s) {
    spdlog::critical("start-up failed: {}", s.to_string());
    (void)(*broker)->shutdown();
    return 1;
  }
  spdlog::info("eddyd started");

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", signal_name(sig));
  eddy::Status s = (*broker)->shutdown();
  if ((*broker)->abandoned_controller_task()) {
    // Destroying the broker would wait for the task; the logs are closed, and the metadata log
    // drops a torn tail at the next start.
    spdlog::error("shutdown complete, without the controller task that was running");
    std::_Exit(1);
  }
  spdlog::info("shutdown complete");
  return s ? 0 : 1;
}
