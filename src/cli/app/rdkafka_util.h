#pragma once
// librdkafka set-up shared by produce, consume and the perf tools: configuration from eddyctl's
// options, owning handles, and a SIGINT/SIGTERM flag so Ctrl-C ends a run cleanly (a consumer
// commits, a producer flushes) instead of killing it.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
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

// Reads chosen partitions of one topic from chosen offsets, in a consumer group or in none.
// Without a group it is librdkafka's simple consumer (as kcat without -G): the high-level consumer
// needs a group.id, and looking that group's coordinator up makes the broker create
// __consumer_offsets (50 partitions) for a user who never used a group. With a group it is the
// high-level consumer with the partitions assigned (RD_KAFKA_OFFSET_STORED: the group's commit).
class PartitionReader {
 public:
  // `conf` is consumed; `group` empty: no group.
  static Result<std::unique_ptr<PartitionReader>> open(
      RdKafkaConf conf, const std::string& group, const std::string& topic,
      const std::vector<std::pair<int32_t, int64_t>>& start_offsets);
  PartitionReader(const PartitionReader&) = delete;
  PartitionReader& operator=(const PartitionReader&) = delete;
  ~PartitionReader();

  // The next record or event (an error, a partition's EOF), or null after timeout_ms. The caller
  // destroys it.
  rd_kafka_message_t* poll(int timeout_ms);
  // In a group: commits the offsets of the records polled, then leaves it. Idempotent.
  void close(bool commit);

 private:
  explicit PartitionReader(RdKafkaHandle rk) : rk_(std::move(rk)) {}
  RdKafkaHandle rk_;
  bool in_group_ = false;
  bool closed_ = false;
  // The simple consumer's: the partitions started on queue_ (stopped before the handles go).
  rd_kafka_topic_t* topic_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  std::vector<int32_t> started_;
};

// The -X/--property option every librdkafka-backed command takes.
OptionSpec rdkafka_property_option();

// Set by SIGINT/SIGTERM once install_stop_signals() ran.
extern std::atomic<bool> g_stop_requested;
void install_stop_signals();

// Exit code for a librdkafka error: unknown topic/partition is kExitNotFound, a transport
// failure kExitUnreachable, anything else kExitError.
int exit_code_for(rd_kafka_resp_err_t err);

}  // namespace eddy::cli
