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
