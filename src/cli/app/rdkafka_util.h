#pragma once
// librdkafka set-up shared by produce, consume and the perf tools: configuration from eddyctl's
// options, owning handles, and a SIGINT/SIGTERM flag so Ctrl-C ends a run cleanly (a consumer
// commits, a producer flushes) instead of killing it.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cli/app/command.h"
#include "common/status.h"

namespace eddy::cli {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdKafkaHandle = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;

struct RdKafkaConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using RdKafkaConf = std::unique_ptr<rd_kafka_conf_t, RdKafkaConfDeleter>;

// A configuration with bootstrap.servers from the global options, socket and metadata timeouts
// bounded by --timeout-ms, then every -X key=value from the command line.
Result<RdKafkaConf> make_rdkafka_conf(const Context& ctx);
Status conf_set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);
// Creates the client; the conf is consumed.
Result<RdKafkaHandle> make_rdkafka(rd_kafka_type_t type, RdKafkaConf conf);

// The -X/--property option every librdkafka-backed command takes.
OptionSpec rdkafka_property_option();

// Set by SIGINT/SIGTERM once install_stop_signals() ran.
extern std::atomic<bool> g_stop_requested;
void install_stop_signals();

// Exit code for a librdkafka error: unknown topic/partition is kExitNotFound, a transport
// failure kExitUnreachable, anything else kExitError.
int exit_code_for(rd_kafka_resp_err_t err);

}  // namespace eddy::cli
