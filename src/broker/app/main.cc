// eddyd: the Eddy broker.
//
//   eddyd --config FILE [--override key=value ...]
//   eddyd --print-config-docs        the config reference (markdown) from the key table
//
// Runs in the foreground. SIGTERM or SIGINT: stop accepting, finish in-flight requests, flush
// and close the logs (clean-shutdown markers), exit 0. Exit 1 when the config is invalid or
// start-up fails; 2 for bad usage.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/config/config_docs.h"
#include "broker/handlers/all_handlers.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: eddyd --config FILE [--override key=value ...]\n"
               "       eddyd --print-config-docs\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace eddy::broker;
  std::string config_path;
  std::vector<std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--override" && i + 1 < argc) {
      overrides.emplace_back(argv[++i]);
    } else if (arg == "--print-config-docs") {
      std::fputs(config_reference_markdown().c_str(), stdout);
      return 0;
    } else {
      return usage();
    }
  }
  if (config_path.empty()) return usage();

  auto config = BrokerConfig::load(config_path, overrides);
  if (!config) {
    std::fprintf(stderr, "eddyd: %s\n", config.status().message().c_str());
    return 1;
  }
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  spdlog::set_level(spdlog::level::from_str(config->get_string("logger.level")));
  // One line per event, and few of them: flush each, so a log redirected to a file is complete
  // up to a crash or kill -9.
  spdlog::flush_on(spdlog::level::trace);

  // Signals are taken synchronously by this thread (sigwait), so every thread started from here
  // on inherits the block and none is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that disconnects mid-write must not kill the process.
  signal(SIGPIPE, SIG_IGN);

  auto broker = Broker::open(std::move(*config));
  if (!broker) {
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
  spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  eddy::Status s = (*broker)->shutdown();
  spdlog::info("shutdown complete");
  return s ? 0 : 1;
}
