// eddyctl perf produce | consume | e2e: what an application on librdkafka sees. Settings follow
// kafka-producer-perf-test (record size, count, throughput cap, acks, linger, batch size,
// compression); a progress line each second on stderr, a summary at the end, --json for scripts.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <random>
#include <thread>

#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/latency_stats.h"
#include "cli/app/perf_report.h"
#include "cli/app/rdkafka_util.h"
#include "cli/app/util.h"

namespace eddy::cli {

namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

struct PerfSettings {
  std::string topic;
  int64_t records = 0;
  int64_t record_size = 0;
  int64_t throughput = -1;  // records/s cap; -1: none
  bool progress = true;
};

Result<PerfSettings> parse_settings(Context& ctx, int64_t default_records) {
  PerfSettings s;
  s.topic = ctx.args.positionals[0];
  EDDY_ASSIGN_OR_RETURN(s.records,
                        ctx.args.get_int("num-records", default_records, 1, 1'000'000'000'000));
  EDDY_ASSIGN_OR_RETURN(s.record_size, ctx.args.get_int("record-size", 100, 1, 16 << 20));
  EDDY_ASSIGN_OR_RETURN(s.throughput, ctx.args.get_int("throughput", -1, -1, 1'000'000'000));
  if (s.throughput == 0) return invalid_argument("--throughput must be positive, or -1 for no cap");
  s.progress = !ctx.args.has("no-progress");
  return s;
}

// Paces a sender to `per_s` records a second (kafka's ThroughputThrottler idea: sleep only when
// ahead of schedule, so a slow stretch is made up afterwards).
class Throttle {
 public:
  explicit Throttle(int64_t per_s) : per_s_(per_s), start_ns_(steady_ns()) {}
  void wait(int64_t sent) {
    if (per_s_ <= 0) return;
    int64_t due_ns = start_ns_ + sent * 1'000'000'000 / per_s_;
    int64_t ahead = due_ns - steady_ns();
    if (ahead > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(ahead));
  }

 private:
  int64_t per_s_;
  int64_t start_ns_;
};

Status producer_settings(Context& ctx, rd_kafka_conf_t* conf) {
  EDDY_RETURN_IF_ERROR(conf_set(conf, "acks", ctx.args.get_or("acks", "all")));
  EDDY_RETURN_IF_ERROR(conf_set(conf, "linger.ms", ctx.args.get_or("linger-ms", "5")));
  EDDY_RETURN_IF_ERROR(conf_set(conf, "batch.size", ctx.args.get_or("batch-size", "1000000")));
  EDDY_RETURN_IF_ERROR(conf_set(conf, "compression.codec", ctx.args.get_or("compression", "none")));
  EDDY_RETURN_IF_ERROR(conf_set(conf, "queue.buffering.max.messages", "1000000"));
  return conf_set(conf, "message.timeout.ms", "120000");
}

struct ProduceState {
  LatencyStats latency;
  int64_t delivered = 0;
  int64_t delivered_bytes = 0;
  int64_t failed = 0;
  int64_t last_delivery_ns = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_perf_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<ProduceState*>(opaque);
  int64_t now = steady_ns();
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (st->failed++ == 0) st->first_error = m->err;
    return;
  }
  int64_t sent_ns = reinterpret_cast<intptr_t>(m->_private);
  st->latency.add_us((now - sent_ns) / 1000);
  ++st->delivered;
  st->delivered_bytes += static_cast<int64_t>(m->len);
  st->last_delivery_ns = now;
}

Status ensure_topic(Context& ctx, const std::string& topic) {
  EDDY_ASSIGN_OR_RETURN(AdminClient * admin, ctx.admin());
  auto md = admin->topic_metadata(topic);
  if (!md.is_ok() && md.status().code() == StatusCode::kNotFound) {
    return {StatusCode::kNotFound,
            md.status().message() + "\n  hint: create it first: eddyctl topic create " + topic};
  }
  return md.status();
}

int perf_produce(Context& ctx) {
  auto settings = parse_settings(ctx, 1'000'000);
  if (!settings.is_ok()) return ctx.fail(settings.status());
  const PerfSettings& s = *settings;
  if (Status st = ensure_topic(ctx, s.topic); !st.is_ok()) return ctx.fail(st);
  auto conf = make_rdkafka_conf(ctx);
  if (!conf.is_ok()) return ctx.fail(conf.status());
  if (Status st = producer_settings(ctx, conf->get()); !st.is_ok()) return ctx.fail(st);
  ProduceState state;
  rd_kafka_conf_set_dr_msg_cb(conf->get(), on_perf_delivery);
  rd_kafka_conf_set_opaque(conf->get(), &state);
  auto rk = make_rdkafka(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.is_ok()) return ctx.fail(rk.status());
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk->get(), s.topic.c_str(), nullptr);
  // One random payload, as kafka-producer-perf-test does: the broker path, not the generator,
  // is what is measured. Printable so a consumer can show it.
  std::string payload(static_cast<size_t>(s.record_size), 'x');
  std::mt19937 rng(42);
  for (auto& c : payload) c = static_cast<char>('A' + rng() % 26);
  install_stop_signals();
  ProgressLine progress(ctx.err, s.progress);
  Throttle throttle(s.throughput);
  int64_t start_ns = steady_ns();
  int64_t sent = 0;
  int code = kExitOk;
  while (sent < s.records && !g_stop_requested.load()) {
    throttle.wait(sent);
    void* opaque = reinterpret_cast<void*>(static_cast<intptr_t>(steady_ns()));
    int rc = rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload.data(),
                              payload.size(), nullptr, 0, opaque);
    if (rc != 0) {
      rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        ctx.err << "\neddyctl: produce failed: " << rd_kafka_err2str(err) << "\n";
        code = exit_code_for(err);
        break;
      }
      rd_kafka_poll(rk->get(), 1);
    } else {
      ++sent;
      rd_kafka_poll(rk->get(), 0);
    }
    progress.tick(state.delivered, state.delivered_bytes, state.latency);
    if (state.failed > 0) break;
  }
  // Bounded: librdkafka fails what it cannot deliver within message.timeout.ms.
  for (int i = 0; i < 1300 && rd_kafka_outq_len(rk->get()) > 0; ++i) {
    rd_kafka_poll(rk->get(), 100);
    progress.tick(state.delivered, state.delivered_bytes, state.latency);
  }
  progress.finish();
  rd_kafka_topic_destroy(rkt);
  int64_t end_ns = state.last_delivery_ns > 0 ? state.last_delivery_ns : steady_ns();
  PerfResult r;
  r.mode = "produce";
  r.topic = s.topic;
  r.records = state.delivered;
  r.bytes = state.delivered_bytes;
  r.failed = state.failed + (sent - state.delivered - state.failed);
  r.elapsed_s = static_cast<double>(end_ns - start_ns) / 1e9;
  r.latency = state.latency.summary();
  r.latency_name = "produce latency (send to acknowledgement)";
  r.settings = {{"record_size", std::to_string(s.record_size)},
                {"acks", ctx.args.get_or("acks", "all")},
                {"linger_ms", ctx.args.get_or("linger-ms", "5")},
                {"batch_size", ctx.args.get_or("batch-size", "1000000")},
                {"compression", ctx.args.get_or("compression", "none")},
                {"throughput_cap", std::to_string(s.throughput)}};
  print_perf_result(ctx, r);
  if (state.failed > 0) {
    ctx.err << "eddyctl: " << state.failed
            << " records failed: " << rd_kafka_err2name(state.first_error) << ": "
            << rd_kafka_err2str(state.first_error) << "\n";
    return exit_code_for(state.first_error);
  }
  return code;
}

// The end offsets of every partition of `topic`, for consumers that start exactly there.
Result<std::map<TopicPartition, int64_t>> partition_offsets(Context& ctx, const std::string& topic,
                                                            int64_t timestamp) {
  EDDY_ASSIGN_OR_RETURN(AdminClient * admin, ctx.admin());
  EDDY_ASSIGN_OR_RETURN(auto md, admin->topic_metadata(topic));
  std::vector<TopicPartition> tps;
  for (const auto& p : md.partitions) tps.push_back({topic, p.partition_index});
  return admin->list_offsets(tps, timestamp);
}

// A reader of every partition in `offsets` from that offset; in no group unless -g names one.
Result<std::unique_ptr<PartitionReader>> partition_reader(
    Context& ctx, const std::map<TopicPartition, int64_t>& offsets) {
  EDDY_ASSIGN_OR_RETURN(RdKafkaConf conf, make_rdkafka_conf(ctx));
  EDDY_RETURN_IF_ERROR(conf_set(conf.get(), "enable.auto.commit", "false"));
  EDDY_RETURN_IF_ERROR(conf_set(conf.get(), "fetch.wait.max.ms", "100"));
  std::string topic;
  std::vector<std::pair<int32_t, int64_t>> starts;
  for (const auto& [tp, off] : offsets) {
    topic = tp.topic;
    starts.emplace_back(tp.partition, off);
  }
  return PartitionReader::open(std::move(conf), ctx.args.get_or("group", ""), topic, starts);
}

int perf_consume(Context& ctx) {
  const std::string& topic = ctx.args.positionals[0];
  auto start = partition_offsets(ctx, topic, kEarliestTimestamp);
  if (!start.is_ok()) return ctx.fail(start.status());
  auto end = partition_offsets(ctx, topic, kLatestTimestamp);
  if (!end.is_ok()) return ctx.fail(end.status());
  int64_t available = 0;
  for (const auto& [tp, off] : *end) available += off - (*start)[tp];
  auto wanted = ctx.args.get_int("num-records", available, 1, INT64_MAX);
  if (!wanted.is_ok()) return ctx.fail(wanted.status());
  if (*wanted == 0) return ctx.fail(failed_precondition("topic '" + topic + "' is empty"));
  auto reader = partition_reader(ctx, *start);
  if (!reader.is_ok()) return ctx.fail(reader.status());
  install_stop_signals();
  ProgressLine progress(ctx.err, !ctx.args.has("no-progress"));
  LatencyStats none;
  int64_t received = 0, bytes = 0, first_ns = 0, last_ns = 0;
  int64_t start_ns = steady_ns();
  auto idle_since = SteadyClock::now();
  while (received < *wanted && !g_stop_requested.load()) {
    rd_kafka_message_t* m = (*reader)->poll(100);
    progress.tick(received, bytes, none);
    if (m == nullptr) {
      if (SteadyClock::now() - idle_since > std::chrono::milliseconds(ctx.global.timeout_ms)) {
        break;
      }
      continue;
    }
    idle_since = SteadyClock::now();
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      last_ns = steady_ns();
      if (first_ns == 0) first_ns = last_ns;
      ++received;
      bytes += static_cast<int64_t>(m->len);
    }
    rd_kafka_message_destroy(m);
  }
  progress.finish();
  (*reader)->close(/*commit=*/false);
  PerfResult r;
  r.mode = "consume";
  r.topic = topic;
  r.records = received;
  r.bytes = bytes;
  r.failed = *wanted - received;
  r.elapsed_s = static_cast<double>((last_ns > 0 ? last_ns : steady_ns()) - start_ns) / 1e9;
  r.settings = {{"time_to_first_record_ms",
                 std::to_string(first_ns > 0 ? (first_ns - start_ns) / 1'000'000 : -1)}};
  print_perf_result(ctx, r);
  if (received < *wanted) {
    ctx.err << "eddyctl: read " << received << " of " << *wanted << " records before "
            << ctx.global.timeout_ms << " ms without new records\n";
    return kExitError;
  }
  return kExitOk;
}

// End to end: a producer paced to --throughput and a consumer in this process, each record
// carrying its send time; latency is consume time minus send time on one steady clock.
int perf_e2e(Context& ctx) {
  auto settings = parse_settings(ctx, 10'000);
  if (!settings.is_ok()) return ctx.fail(settings.status());
  PerfSettings s = *settings;
  if (!ctx.args.has("throughput")) s.throughput = 1000;
  if (s.record_size < 8) return ctx.usage_error("--record-size must be at least 8 for e2e");
  auto end = partition_offsets(ctx, s.topic, kLatestTimestamp);
  if (!end.is_ok()) return ctx.fail(end.status());
  auto consumer = partition_reader(ctx, *end);
  if (!consumer.is_ok()) return ctx.fail(consumer.status());
  auto conf = make_rdkafka_conf(ctx);
  if (!conf.is_ok()) return ctx.fail(conf.status());
  if (Status st = producer_settings(ctx, conf->get()); !st.is_ok()) return ctx.fail(st);
  ProduceState state;
  rd_kafka_conf_set_dr_msg_cb(conf->get(), on_perf_delivery);
  rd_kafka_conf_set_opaque(conf->get(), &state);
  auto producer = make_rdkafka(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!producer.is_ok()) return ctx.fail(producer.status());
  install_stop_signals();

  LatencyStats e2e;
  std::atomic<int64_t> received{0};
  std::atomic<bool> producer_done{false};
  std::atomic<int64_t> received_bytes{0};
  std::thread reader([&] {
    auto idle_since = SteadyClock::now();
    while (received.load() < s.records && !g_stop_requested.load()) {
      rd_kafka_message_t* m = (*consumer)->poll(100);
      if (m == nullptr) {
        if (producer_done.load() &&
            SteadyClock::now() - idle_since > std::chrono::milliseconds(ctx.global.timeout_ms)) {
          break;
        }
        continue;
      }
      idle_since = SteadyClock::now();
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->len >= 8) {
        int64_t sent_ns;
        std::memcpy(&sent_ns, m->payload, sizeof sent_ns);
        e2e.add_us((steady_ns() - sent_ns) / 1000);
        received_bytes.fetch_add(static_cast<int64_t>(m->len));
        received.fetch_add(1);
      }
      rd_kafka_message_destroy(m);
    }
  });
  std::string payload(static_cast<size_t>(s.record_size), 'e');
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer->get(), s.topic.c_str(), nullptr);
  Throttle throttle(s.throughput);
  ProgressLine progress(ctx.err, s.progress);
  LatencyStats none;
  int64_t start_ns = steady_ns();
  int64_t sent = 0;
  while (sent < s.records && !g_stop_requested.load() && state.failed == 0) {
    throttle.wait(sent);
    int64_t now = steady_ns();
    std::memcpy(payload.data(), &now, sizeof now);
    void* opaque = reinterpret_cast<void*>(static_cast<intptr_t>(now));
    if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload.data(),
                         payload.size(), nullptr, 0, opaque) == 0) {
      ++sent;
    }
    rd_kafka_poll(producer->get(), 0);
    progress.tick(received.load(), received_bytes.load(), none);
  }
  for (int i = 0; i < 1300 && rd_kafka_outq_len(producer->get()) > 0; ++i) {
    rd_kafka_poll(producer->get(), 100);
  }
  producer_done.store(true);
  reader.join();
  progress.finish();
  rd_kafka_topic_destroy(rkt);
  (*consumer)->close(/*commit=*/false);
  PerfResult r;
  r.mode = "e2e";
  r.topic = s.topic;
  r.records = received.load();
  r.bytes = received_bytes.load();
  r.failed = sent - received.load();
  r.elapsed_s = static_cast<double>(steady_ns() - start_ns) / 1e9;
  r.latency = e2e.summary();
  r.latency_name = "end-to-end latency (send to consume)";
  r.settings = {{"record_size", std::to_string(s.record_size)},
                {"acks", ctx.args.get_or("acks", "all")},
                {"throughput_cap", std::to_string(s.throughput)},
                {"produce_p99_ms", std::to_string(state.latency.summary().p99_ms)}};
  print_perf_result(ctx, r);
  return r.failed > 0 ? kExitError : kExitOk;
}

std::vector<OptionSpec> producer_options() {
  return {{"num-records", 'n', "N", "records to send"},
          {"record-size", 's', "BYTES", "record value size (default 100)"},
          {"throughput", 't', "N", "cap at N records/s (default -1: no cap)"},
          {"acks", 'a', "ACKS", "0, 1 or all (default all)"},
          {"linger-ms", 0, "MS", "linger.ms (default 5)"},
          {"batch-size", 0, "BYTES", "batch.size (default 1000000)"},
          {"compression", 'z', "CODEC", "none, gzip, snappy, lz4 or zstd"},
          {"json", 0, "", "print the summary as JSON (same as --format json)"},
          {"no-progress", 0, "", "no live progress line"},
          rdkafka_property_option()};
}

}  // namespace

void register_perf_commands(std::vector<CommandSpec>& out) {
  out.push_back({{"perf", "produce"},
                 "producer throughput and acknowledgement latency",
                 "TOPIC",
                 "Example: eddyctl perf produce bench -n 1000000 -s 100 --acks all",
                 producer_options(),
                 1,
                 1,
                 perf_produce});
  out.push_back({{"perf", "consume"},
                 "consumer throughput from the start of a topic",
                 "TOPIC",
                 "",
                 {{"num-records", 'n', "N", "records to read (default: all in the topic)"},
                  {"group", 'g', "GROUP",
                   "consume in this consumer group (default none; offsets are not committed)"},
                  {"json", 0, "", "print the summary as JSON"},
                  {"no-progress", 0, "", "no live progress line"},
                  rdkafka_property_option()},
                 1,
                 1,
                 perf_consume});
  auto e2e = producer_options();
  e2e[2].help = "records/s (default 1000)";
  e2e[0].help = "records to send (default 10000)";
  out.push_back({{"perf", "e2e"},
                 "end-to-end latency: produce at a fixed rate and consume in the same process",
                 "TOPIC",
                 "",
                 e2e,
                 1,
                 1,
                 perf_e2e});
}

}  // namespace eddy::cli
