// eddyctl produce | consume, on librdkafka so records go through the standard client path.

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/rdkafka_util.h"
#include "cli/app/util.h"

namespace eddy::cli {

namespace {

struct DeliveryCounts {
  int64_t delivered = 0;
  int64_t failed = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* counts = static_cast<DeliveryCounts*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++counts->delivered;
  } else {
    if (counts->failed++ == 0) counts->first_error = m->err;
  }
}

int produce(Context& ctx) {
  const std::string& topic = ctx.args.positionals[0];
  auto partition = ctx.args.get_int("partition", RD_KAFKA_PARTITION_UA, 0, INT32_MAX);
  if (!partition.is_ok()) return ctx.fail(partition.status());
  std::string key_sep = ctx.args.get_or("key-separator", "");
  const bool tombstones = ctx.args.has("tombstone");
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : ctx.args.all("header")) {
    auto kv = split_key_value(h, "--header");
    if (!kv.is_ok()) return ctx.fail(kv.status());
    headers.push_back(*kv);
  }
  // Reach a broker first with the admin client, so a wrong address is reported at once (exit 3)
  // instead of after librdkafka's message timeout.
  if (auto admin = ctx.admin(); !admin.is_ok()) return ctx.fail(admin.status());
  auto conf = make_rdkafka_conf(ctx);
  if (!conf.is_ok()) return ctx.fail(conf.status());
  DeliveryCounts counts;
  Status s = conf_set(conf->get(), "acks", ctx.args.get_or("acks", "all"));
  if (s.is_ok())
    s = conf_set(conf->get(), "compression.codec", ctx.args.get_or("compression", "none"));
  if (s.is_ok())
    s = conf_set(conf->get(), "message.timeout.ms", std::to_string(ctx.global.timeout_ms));
  if (!s.is_ok()) return ctx.fail(s);
  rd_kafka_conf_set_dr_msg_cb(conf->get(), on_delivery);
  rd_kafka_conf_set_opaque(conf->get(), &counts);
  auto rk = make_rdkafka(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.is_ok()) return ctx.fail(rk.status());
  install_stop_signals();
  std::string line;
  int64_t sent = 0;
  while (!g_stop_requested.load() && std::getline(std::cin, line)) {
    std::string key, value = line;
    bool has_key = false;
    if (!key_sep.empty()) {
      size_t at = line.find(key_sep);
      if (at != std::string::npos) {
        key = line.substr(0, at);
        value = line.substr(at + key_sep.size());
        has_key = true;
      }
    }
    // --tombstone: an empty value is sent as null, which deletes the key under compaction.
    const bool null_value = tombstones && value.empty();
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [k, v] : headers) {
        rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
      }
    }
    for (int attempt = 0;; ++attempt) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk->get(), RD_KAFKA_V_TOPIC(topic.c_str()),
          RD_KAFKA_V_PARTITION(static_cast<int32_t>(*partition)),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(null_value ? nullptr : value.data(), null_value ? 0 : value.size()),
          RD_KAFKA_V_KEY(has_key ? key.data() : nullptr, has_key ? key.size() : 0),
          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt > 10 * ctx.global.timeout_ms) {
        if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
        ctx.err << "eddyctl: produce to " << topic << " failed: " << rd_kafka_err2str(err) << "\n";
        return exit_code_for(err);
      }
      rd_kafka_poll(rk->get(), 100);  // local queue full: let deliveries drain
    }
    ++sent;
    rd_kafka_poll(rk->get(), 0);
  }
  rd_kafka_flush(rk->get(), ctx.global.timeout_ms);
  int64_t pending = sent - counts.delivered - counts.failed;
  if (ctx.global.json()) {
    ctx.out << Json::object()
                   .set("topic", topic)
                   .set("produced", counts.delivered)
                   .set("failed", counts.failed + pending)
                   .set("error",
                        counts.failed > 0 ? Json(rd_kafka_err2name(counts.first_error)) : Json())
                   .dump(0)
            << "\n";
  } else {
    ctx.err << "produced " << counts.delivered << " records to " << topic << "\n";
  }
  // The admin client reached a broker before the first record, so a record that timed out was
  // not acknowledged by a broker that answers (a full disk, a topic that does not come to be,
  // too few in-sync replicas): the broker's failure, exit 1, not "unreachable".
  auto after_connect = [](int code) { return code == kExitUnreachable ? kExitError : code; };
  // The broker's own word on the topic, when it has one (UNKNOWN_TOPIC_OR_PARTITION).
  auto print_topic_error = [&] {
    if (auto admin = ctx.admin(); admin.is_ok()) {
      if (auto md = (*admin)->topic_metadata(topic); !md.is_ok()) {
        ctx.err << "eddyctl: " << md.status().message() << "\n";
      }
    }
  };
  if (counts.failed > 0) {
    ctx.err << "eddyctl: " << counts.failed
            << " records failed: " << rd_kafka_err2name(counts.first_error) << ": "
            << rd_kafka_err2str(counts.first_error) << "\n";
    if (exit_code_for(counts.first_error) == kExitUnreachable) {
      ctx.err << "  hint: " << ctx.global.bootstrap
              << " answered but did not acknowledge the records in time; its log says why "
                 "(disk full, unknown topic, too few in-sync replicas)\n";
      print_topic_error();
    }
    return after_connect(exit_code_for(counts.first_error));
  }
  if (pending > 0) {
    ctx.err << "eddyctl: " << pending << " records not acknowledged within "
            << ctx.global.timeout_ms << " ms\n";
    print_topic_error();
    return kExitError;
  }
  return kExitOk;
}

std::string format_record(const rd_kafka_message_t* m, const std::string& format,
                          const std::string& key_sep) {
  std::string value(static_cast<const char*>(m->payload), m->len);
  std::string key =
      m->key != nullptr ? std::string(static_cast<const char*>(m->key), m->key_len) : std::string();
  if (format == "value") return value;
  if (format == "kv") return key + key_sep + value;
  rd_kafka_timestamp_type_t tstype;
  int64_t ts = rd_kafka_message_timestamp(m, &tstype);
  Json headers = Json::object();
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; i < 10000 && rd_kafka_header_get_all(hdrs, i, &name, &val, &size) ==
                                        RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      headers.set(name,
                  val != nullptr ? record_bytes({static_cast<const char*>(val), size}) : Json());
    }
  }
  return Json::object()
      .set("topic", rd_kafka_topic_name(m->rkt))
      .set("partition", m->partition)
      .set("offset", static_cast<int64_t>(m->offset))
      .set("timestamp", ts)
      .set("key", m->key != nullptr ? record_bytes(key) : Json())
      .set("value", m->payload != nullptr ? record_bytes(value) : Json())
      .set("headers", headers)
      .dump(0);
}

int consume(Context& ctx) {
  const std::string& topic = ctx.args.positionals[0];
  std::string format = ctx.args.get_or("output", ctx.global.json() ? "json" : "value");
  if (format != "value" && format != "kv" && format != "json") {
    return ctx.usage_error("--output must be value, kv or json");
  }
  auto count = ctx.args.get_int("count", -1, 1, INT64_MAX);
  if (!count.is_ok()) return ctx.fail(count.status());
  bool follow = ctx.args.has("follow");
  std::string key_sep = ctx.args.get_or("key-separator", "\t");
  std::string group = ctx.args.get_or("group", "");
  // In a group the default is the committed offset; partitions without one start as a consumer
  // without a group does (as rpk's): from the beginning, or, with --follow, only what comes next.
  std::string from = ctx.args.get_or("offset", !group.empty() ? "stored"
                                               : follow       ? "end"
                                                              : "beginning");
  if (ctx.args.has("from-beginning")) from = "beginning";
  if (auto t = ctx.args.get("from-time")) from = "time:" + *t;
  // Resolve the start offset of each partition with the admin client: it also tells an unknown
  // topic apart (exit 4) before librdkafka would wait on it.
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  auto md = (*admin)->topic_metadata(topic);
  if (!md.is_ok()) return ctx.fail(md.status());
  std::vector<int32_t> partitions;
  if (auto list = ctx.args.get("partitions")) {
    auto parsed = parse_int_list(*list, "--partitions");
    if (!parsed.is_ok()) return ctx.fail(parsed.status());
    partitions = *parsed;
    // The simple consumer would wait on a partition that does not exist instead of failing.
    for (int32_t p : partitions) {
      bool exists = std::any_of(md->partitions.begin(), md->partitions.end(),
                                [p](const auto& known) { return known.partition_index == p; });
      if (!exists) {
        return ctx.fail(not_found("topic '" + topic + "' has no partition " + std::to_string(p)));
      }
    }
  } else {
    for (const auto& p : md->partitions) partitions.push_back(p.partition_index);
  }
  int64_t start = RD_KAFKA_OFFSET_END;
  std::map<TopicPartition, int64_t> by_time;
  if (from == "beginning") {
    start = RD_KAFKA_OFFSET_BEGINNING;
  } else if (from == "end") {
    start = RD_KAFKA_OFFSET_END;
  } else if (from == "stored") {
    start = RD_KAFKA_OFFSET_STORED;
  } else if (from.rfind("time:", 0) == 0) {
    auto ts = parse_timestamp_ms(from.substr(5));
    if (!ts.is_ok()) return ctx.fail(ts.status());
    std::vector<TopicPartition> tps;
    for (int32_t p : partitions) tps.push_back({topic, p});
    auto offsets = (*admin)->list_offsets(tps, *ts);
    if (!offsets.is_ok()) return ctx.fail(offsets.status());
    by_time = *offsets;
  } else {
    char* end = nullptr;
    start = std::strtoll(from.c_str(), &end, 10);
    if (from.empty() || *end != '\0' || start == INT64_MIN) {
      return ctx.usage_error(
          "--offset must be beginning, end, stored, time:TIME, an offset N or -N (the last N)");
    }
    // -N: the last N records of each partition (librdkafka resolves the tail offset).
    if (start < 0) start = RD_KAFKA_OFFSET_TAIL(-start);
  }
  auto conf = make_rdkafka_conf(ctx);
  if (!conf.is_ok()) return ctx.fail(conf.status());
  Status s = conf_set(conf->get(), "enable.partition.eof", "true");
  // Without a group, librdkafka's simple consumer reads the partitions (as kcat without -G): the
  // high-level consumer needs a group.id, and looking its coordinator up makes the broker create
  // __consumer_offsets (50 partitions) for a user who never used a group.
  if (s.is_ok() && !group.empty()) s = conf_set(conf->get(), "group.id", group);
  if (s.is_ok()) {
    // A tail longer than the partition starts at its beginning. A new group that is not
    // following would otherwise start at the end and print nothing.
    bool earliest = from == "beginning" || from[0] == '-' || (from == "stored" && !follow);
    s = conf_set(conf->get(), "auto.offset.reset", earliest ? "earliest" : "latest");
  }
  // A group consumer with no explicit position subscribes and lets the group assign partitions.
  bool subscribe = !group.empty() && !ctx.args.has("partitions") && by_time.empty() &&
                   (from == "beginning" || from == "end" || from == "stored");
  if (!s.is_ok()) return ctx.fail(s);
  // A group's subscription, or the chosen partitions from their start offsets.
  RdKafkaHandle subscriber;
  std::unique_ptr<PartitionReader> reader;
  if (subscribe) {
    auto rk = make_rdkafka(RD_KAFKA_CONSUMER, std::move(*conf));
    if (!rk.is_ok()) return ctx.fail(rk.status());
    subscriber = std::move(*rk);
    rd_kafka_poll_set_consumer(subscriber.get());
    rd_kafka_topic_partition_list_t* sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(subscriber.get(), sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ctx.err << "eddyctl: cannot start consuming " << topic << ": " << rd_kafka_err2str(err)
              << "\n";
      return exit_code_for(err);
    }
  } else {
    std::vector<std::pair<int32_t, int64_t>> starts;
    for (int32_t p : partitions) {
      int64_t off = from == "stored" && group.empty() ? RD_KAFKA_OFFSET_END : start;
      if (!by_time.empty()) {
        off = by_time[{topic, p}] < 0 ? RD_KAFKA_OFFSET_END : by_time[{topic, p}];
      }
      starts.emplace_back(p, off);
    }
    auto opened = PartitionReader::open(std::move(*conf), group, topic, starts);
    if (!opened.is_ok()) return ctx.fail(opened.status());
    reader = std::move(*opened);
  }
  install_stop_signals();
  int64_t received = 0;
  std::set<int32_t> at_eof;
  int code = kExitOk;
  // Without --follow, stop once every partition reached its end, or after --timeout-ms with
  // nothing new.
  auto idle_since = std::chrono::steady_clock::now();
  while (!g_stop_requested.load() && (*count < 0 || received < *count)) {
    rd_kafka_message_t* m =
        reader ? reader->poll(200) : rd_kafka_consumer_poll(subscriber.get(), 200);
    if (m == nullptr) {
      auto idle = std::chrono::steady_clock::now() - idle_since;
      if (!follow && idle > std::chrono::milliseconds(ctx.global.timeout_ms)) break;
      continue;
    }
    idle_since = std::chrono::steady_clock::now();
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_eof.insert(m->partition);
      rd_kafka_message_destroy(m);
      if (!follow && at_eof.size() >= partitions.size()) break;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ctx.err << "eddyctl: consume " << topic << ": " << rd_kafka_message_errstr(m) << "\n";
      code = exit_code_for(m->err);
      rd_kafka_message_destroy(m);
      if (code == kExitNotFound) break;
      continue;
    }
    at_eof.erase(m->partition);
    ctx.out << format_record(m, format, key_sep) << "\n";
    ++received;
    rd_kafka_message_destroy(m);
  }
  ctx.out.flush();
  if (reader) {
    reader->close(/*commit=*/!group.empty());
  } else {
    rd_kafka_commit(subscriber.get(), nullptr, 0);
    rd_kafka_consumer_close(subscriber.get());
  }
  return code;
}

}  // namespace

void register_io_commands(std::vector<CommandSpec>& out) {
  out.push_back(
      {{"produce"},
       "produce lines from stdin, one record per line",
       "TOPIC",
       "Example: printf 'k1:v1\\nk2:v2\\n' | eddyctl produce orders -k : -H source=cli",
       {{"key-separator", 'k', "SEP", "split each line into KEY SEP VALUE"},
        {"header", 'H', "KEY=VALUE", "add a header to every record, repeatable"},
        {"partition", 'p', "N", "produce to partition N (default: the partitioner)"},
        {"compression", 'z', "CODEC", "none, gzip, snappy, lz4 or zstd"},
        {"acks", 'a', "ACKS", "0, 1 or all (default all)"},
        {"tombstone", 0, "", "send an empty value as null: a tombstone (\"key:\" with -k :)"},
        rdkafka_property_option()},
       1,
       1,
       produce});
  out.push_back({{"consume"},
                 "print records of a topic",
                 "TOPIC",
                 "Without --follow, reads from the beginning and stops at the end of every "
                 "partition;\nwith --follow, starts at the end and waits for new records.\n"
                 "Examples: eddyctl consume orders -n 10\n"
                 "          eddyctl consume orders -o -10      (the last 10 of each partition)\n"
                 "          eddyctl consume orders -g billing -f --output json",
                 {{"offset", 'o', "WHERE",
                   "beginning (default), end (default with --follow), stored (default with "
                   "--group), time:TIME, N, or -N for the last N records"},
                  {"from-beginning", 0, "", "same as --offset beginning"},
                  {"from-time", 0, "TIME", "start at the first record at or after TIME"},
                  {"partitions", 'p', "P[,P...]", "only these partitions"},
                  {"group", 'g', "GROUP", "consume in GROUP and commit offsets"},
                  {"count", 'n', "N", "stop after N records"},
                  {"follow", 'f', "", "keep waiting for new records"},
                  {"output", 'F', "FORMAT", "value (default), kv or json (one object per line)"},
                  {"key-separator", 'k', "SEP", "separator for --output kv (default tab)"},
                  rdkafka_property_option()},
                 1,
                 1,
                 consume});
}

}  // namespace eddy::cli
