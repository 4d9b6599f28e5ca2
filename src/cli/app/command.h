#pragma once
// The eddyctl command framework: a command is a path of words ("topic create"), its options and
// a run function. Parsing is strict: an unknown option or a missing value is a usage error (exit
// 2) that names the command's --help. Global options (-b, --format, --timeout-ms) are accepted
// anywhere on the line.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/admin_client.h"
#include "client/kafka_error.h"
#include "common/status.h"

namespace eddy::cli {

// eddyctl talks to brokers through Eddy's own client (src/client).
using client::AdminClient;
using client::Connection;
using client::HostPort;
using client::kafka_error;
using client::kafka_error_hint;
using client::kEarliestTimestamp;
using client::kLatestTimestamp;
using client::parse_host_port;
using client::TopicPartition;

// Exit codes; docs/eddyctl.md lists them for operators and scripts.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,        // the broker refused the request, or the operation failed
  kExitUsage = 2,        // bad command line: unknown option, missing or malformed argument
  kExitUnreachable = 3,  // no broker answered within the timeout
  kExitNotFound = 4,     // the topic, partition or group does not exist
};

struct OptionSpec {
  std::string name;        // long name without dashes: "partitions"
  char short_name = 0;     // 'p', or 0
  std::string value_name;  // "N"; empty for a flag
  std::string help;
};

class Args {
 public:
  std::vector<std::string> positionals;
  std::map<std::string, std::vector<std::string>> values;  // flags map to {"true"}

  bool has(const std::string& name) const { return values.contains(name); }
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  std::vector<std::string> all(const std::string& name) const;
  // An integer option; kInvalidArgument naming the option when it does not parse or is out of
  // [min, max].
  Result<int64_t> get_int(const std::string& name, int64_t fallback, int64_t min,
                          int64_t max) const;
};

struct Global {
  std::string bootstrap = "127.0.0.1:9092";
  std::string format = "table";  // table | json
  int timeout_ms = 10000;
  bool json() const { return format == "json"; }
};

class Context {
 public:
  Context(Args args, Global global, std::ostream& out, std::ostream& err)
      : args(std::move(args)), global(std::move(global)), out(out), err(err) {}
  Args args;
  Global global;
  std::ostream& out;
  std::ostream& err;

  // The admin client, connected on first use.
  Result<AdminClient*> admin();
  // Prints "eddyctl: <message>" to err and returns the exit code for `status`.
  int fail(const Status& status);
  int usage_error(const std::string& message);

 private:
  std::unique_ptr<AdminClient> admin_;
};

struct CommandSpec {
  std::vector<std::string> path;  // {"topic", "create"}
  std::string summary;
  std::string usage;  // positional part: "TOPIC [TOPIC...]"
  std::string description;
  std::vector<OptionSpec> options;
  size_t min_args = 0;
  size_t max_args = 0;
  std::function<int(Context&)> run;
};

std::vector<CommandSpec>& command_registry();
// -b, --format, --timeout-ms, --help: accepted by every command.
const std::vector<OptionSpec>& global_options();
void register_cluster_commands(std::vector<CommandSpec>& out);
void register_config_commands(std::vector<CommandSpec>& out);
void register_logdirs_commands(std::vector<CommandSpec>& out);
void register_topic_commands(std::vector<CommandSpec>& out);
void register_group_commands(std::vector<CommandSpec>& out);
void register_io_commands(std::vector<CommandSpec>& out);
void register_perf_commands(std::vector<CommandSpec>& out);
void register_leader_commands(std::vector<CommandSpec>& out);
void register_broker_commands(std::vector<CommandSpec>& out);
void register_partition_commands(std::vector<CommandSpec>& out);
void register_offsets_commands(std::vector<CommandSpec>& out);
void register_completion_commands(std::vector<CommandSpec>& out);

// Runs eddyctl with argv (without the program name); returns the exit code.
int run_eddyctl(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

// The bash, zsh and fish completion scripts, generated from the registry so they never go stale.
std::string bash_completion();
std::string zsh_completion();
std::string fish_completion();

}  // namespace eddy::cli
