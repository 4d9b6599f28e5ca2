#include "cli/app/rdkafka_util.h"

#include <csignal>

#include "cli/app/util.h"

namespace eddy::cli {

std::atomic<bool> g_stop_requested{false};

namespace {
void on_stop_signal(int) { g_stop_requested.store(true); }
}  // namespace

void install_stop_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

Status conf_set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    return invalid_argument("librdkafka property " + key + "=" + value + ": " + err);
  }
  return Status::ok();
}

Result<RdKafkaConf> make_rdkafka_conf(const Context& ctx) {
  RdKafkaConf conf(rd_kafka_conf_new());
  EDDY_RETURN_IF_ERROR(conf_set(conf.get(), "bootstrap.servers", ctx.global.bootstrap));
  EDDY_RETURN_IF_ERROR(conf_set(conf.get(), "client.id", "eddyctl"));
  std::string timeout = std::to_string(ctx.global.timeout_ms);
  EDDY_RETURN_IF_ERROR(conf_set(conf.get(), "socket.connection.setup.timeout.ms", timeout));
  // librdkafka logs connection failures itself; eddyctl reports them once, by exit code.
  EDDY_RETURN_IF_ERROR(conf_set(conf.get(), "log_level", "3"));
  for (const auto& kv : ctx.args.all("property")) {
    EDDY_ASSIGN_OR_RETURN(auto parsed, split_key_value(kv, "-X"));
    EDDY_RETURN_IF_ERROR(conf_set(conf.get(), parsed.first, parsed.second));
  }
  return conf;
}

Result<RdKafkaHandle> make_rdkafka(rd_kafka_type_t type, RdKafkaConf conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (rk == nullptr) return invalid_argument(std::string("librdkafka: ") + err);
  conf.release();  // rd_kafka_new owns it now
  return RdKafkaHandle(rk);
}

Result<std::unique_ptr<PartitionReader>> PartitionReader::open(
    RdKafkaConf conf, const std::string& group, const std::string& topic,
    const std::vector<std::pair<int32_t, int64_t>>& start_offsets) {
  // As a Status whose code gives the exit code exit_code_for() gives the error.
  auto failed = [](rd_kafka_resp_err_t err, const std::string& what) {
    std::string m = "cannot start consuming " + what + ": " + rd_kafka_err2str(err);
    switch (exit_code_for(err)) {
      case kExitNotFound:
        return not_found(m);
      case kExitUnreachable:
        return unavailable(m);
      default:
        return internal_error(m);
    }
  };
  if (!group.empty()) EDDY_RETURN_IF_ERROR(conf_set(conf.get(), "group.id", group));
  EDDY_ASSIGN_OR_RETURN(RdKafkaHandle rk, make_rdkafka(RD_KAFKA_CONSUMER, std::move(conf)));
  std::unique_ptr<PartitionReader> r(new PartitionReader(std::move(rk)));
  rd_kafka_t* client = r->rk_.get();
  if (!group.empty()) {
    r->in_group_ = true;
    rd_kafka_poll_set_consumer(client);
    rd_kafka_topic_partition_list_t* list =
        rd_kafka_topic_partition_list_new(static_cast<int>(start_offsets.size()));
    for (const auto& [p, offset] : start_offsets) {
      rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = offset;
    }
    rd_kafka_resp_err_t err = rd_kafka_assign(client, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return failed(err, topic);
    return r;
  }
  r->queue_ = rd_kafka_queue_new(client);
  r->topic_ = rd_kafka_topic_new(client, topic.c_str(), nullptr);
  if (r->topic_ == nullptr) return failed(rd_kafka_last_error(), topic);
  for (const auto& [p, offset] : start_offsets) {
    if (rd_kafka_consume_start_queue(r->topic_, p, offset, r->queue_) == -1) {
      return failed(rd_kafka_last_error(), topic + "/" + std::to_string(p));
    }
    r->started_.push_back(p);
  }
  return r;
}

PartitionReader::~PartitionReader() {
  close(false);
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
  if (topic_ != nullptr) rd_kafka_topic_destroy(topic_);
}

rd_kafka_message_t* PartitionReader::poll(int timeout_ms) {
  if (in_group_) return rd_kafka_consumer_poll(rk_.get(), timeout_ms);
  rd_kafka_message_t* m = rd_kafka_consume_queue(queue_, timeout_ms);
  rd_kafka_poll(rk_.get(), 0);  // the client's error and log callbacks
  return m;
}

void PartitionReader::close(bool commit) {
  if (closed_) return;
  closed_ = true;
  if (in_group_) {
    if (commit) rd_kafka_commit(rk_.get(), nullptr, 0);
    rd_kafka_consumer_close(rk_.get());
    return;
  }
  for (int32_t p : started_) rd_kafka_consume_stop(topic_, p);
  started_.clear();
}

OptionSpec rdkafka_property_option() {
  return {"property", 'X', "KEY=VALUE", "librdkafka property, repeatable (e.g. -X linger.ms=5)"};
}

int exit_code_for(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return kExitOk;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return kExitNotFound;
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
      return kExitUnreachable;
    default:
      return kExitError;
  }
}

}  // namespace eddy::cli
