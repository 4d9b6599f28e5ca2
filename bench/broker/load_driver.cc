// eddy-load: a Kafka load driver on librdkafka. It measures what one client process can push
// through a broker: produce throughput, consume throughput, and end-to-end latency at a fixed
// rate. Pointed at `--mock` it runs librdkafka's in-memory mock cluster inside this process,
// a broker that does no storage work, which gives the client-bound ceiling on this machine.
//
// Every mode prints one line of `key=value` pairs so run.sh can aggregate runs with awk.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../compare/driver_flags.h"
#include "../compare/driver_output.h"

namespace {

using eddy::bench::now_ns;

struct Options {
  std::string mode = "produce";  // produce | consume | e2e | all | produce-consume
  std::string bootstrap;
  bool mock = false;
  std::string topic = "eddy-load";
  int partitions = 1;
  int producers = 1;  // produce mode: independent producer instances, one thread each
  int64_t records = 1'000'000;
  size_t record_bytes = 100;
  std::string acks = "1";
  int linger_ms = 5;
  int batch_bytes = 1'000'000;
  std::string compression = "none";
  bool idempotence = false;
  int64_t rate = 20'000;     // e2e records/s
  int64_t duration_s = 10;   // e2e length
  int64_t timeout_s = 120;   // bound on every wait
  int fetch_wait_ms = 500;   // consumer fetch.wait.max.ms
  int64_t settle_ms = 2000;  // e2e: wait for the consumer's start offset before sending
  // e2e: keep librdkafka's default of Nagle's algorithm on (socket.nagle.disable=false). Off by
  // default end to end, see run_e2e().
  bool nagle = false;
  bool tcp_nodelay = false;  // set socket.nagle.disable=true on the clients (run_e2e decides)
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "eddy-load: %s\n", what.c_str());
  std::exit(2);
}

void usage() {
  std::fprintf(
      stderr,
      "usage: eddy-load (--bootstrap HOST:PORT | --mock)\n"
      "  [--mode produce|consume|e2e|all|produce-consume]\n"
      "  [--topic T] [--partitions P] [--producers K] [--records N] [--record-bytes S]\n"
      "  [--acks 0|1|all] [--linger-ms L] [--batch-bytes B]\n"
      "  [--compression none|gzip|snappy|lz4|zstd] [--idempotence] [--rate R] [--duration-s D]\n"
      "  [--timeout-s T] [--fetch-wait-ms W] [--settle-ms M] [--nagle]\n");
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  eddy::bench::Flags flags;
  eddy::bench::add_workload_flags(flags, o)
      .add("--bootstrap", &o.bootstrap)
      .add_switch("--mock", &o.mock)
      .add("--settle-ms", &o.settle_ms)
      .add("--acks", &o.acks)
      .add("--linger-ms", &o.linger_ms)
      .add("--batch-bytes", &o.batch_bytes)
      .add("--compression", &o.compression)
      .add_switch("--idempotence", &o.idempotence)
      .add("--fetch-wait-ms", &o.fetch_wait_ms)
      .add_switch("--nagle", &o.nagle)
      .parse(argc, argv, usage);
  if (o.mock == !o.bootstrap.empty()) usage();
  if (o.records <= 0 || o.record_bytes < 8 || o.record_bytes > (16u << 20) || o.rate <= 0 ||
      o.partitions <= 0 || o.partitions > 10'000 || o.producers <= 0 || o.producers > 64 ||
      o.duration_s <= 0 || o.timeout_s <= 0 || o.settle_ms < 0) {
    die("out-of-range option");
  }
  return o;
}

void set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    die(std::string(key) + ": " + err);
  }
}

// Delivery reports are counted here; the opaque is the ProduceStats of the run.
struct ProduceStats {
  std::atomic<int64_t> delivered{0};
  std::atomic<int64_t> failed{0};
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* stats = static_cast<ProduceStats*>(opaque);
  if (m->err) {
    if (stats->failed.fetch_add(1) == 0) stats->first_error = m->err;
  } else {
    stats->delivered.fetch_add(1, std::memory_order_relaxed);
  }
}

rd_kafka_t* make_producer(const Options& o, const std::string& bootstrap, ProduceStats* stats) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "acks", o.acks);
  set(conf, "linger.ms", std::to_string(o.linger_ms));
  set(conf, "batch.size", std::to_string(o.batch_bytes));
  set(conf, "compression.codec", o.compression);
  set(conf, "queue.buffering.max.messages", "1000000");
  set(conf, "queue.buffering.max.kbytes", "1048576");
  set(conf, "message.timeout.ms", std::to_string(o.timeout_s * 1000));
  if (o.idempotence) set(conf, "enable.idempotence", "true");
  if (o.tcp_nodelay) set(conf, "socket.nagle.disable", "true");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, stats);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die(std::string("producer: ") + err);
  return rk;
}

rd_kafka_t* make_consumer(const Options& o, const std::string& bootstrap, int wait_ms) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "enable.partition.eof", "false");
  set(conf, "fetch.wait.max.ms", std::to_string(wait_ms));
  set(conf, "fetch.message.max.bytes", "1048576");
  set(conf, "queued.min.messages", "1000000");
  if (o.tcp_nodelay) set(conf, "socket.nagle.disable", "true");
  if (getenv("EDDY_LOAD_DEBUG")) set(conf, "debug", getenv("EDDY_LOAD_DEBUG"));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) die(std::string("consumer: ") + err);
  (void)o;
  return rk;
}

// The legacy (group-less) consumer: partitions are started by hand on one queue, so no group
// coordinator takes part in the figures.
struct PartitionReader {
  rd_kafka_topic_t* topic = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  int partitions = 0;
};

PartitionReader start_reading(rd_kafka_t* rk, const Options& o, int64_t offset) {
  PartitionReader r;
  r.topic = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
  r.queue = rd_kafka_queue_new(rk);
  r.partitions = o.partitions;
  for (int p = 0; p < o.partitions; ++p) {
    if (rd_kafka_consume_start_queue(r.topic, p, offset, r.queue) != 0) {
      die(std::string("consume_start: ") + rd_kafka_err2str(rd_kafka_last_error()));
    }
  }
  return r;
}

void stop_reading(PartitionReader& r) {
  for (int p = 0; p < r.partitions; ++p) rd_kafka_consume_stop(r.topic, p);
  rd_kafka_queue_destroy(r.queue);
  rd_kafka_topic_destroy(r.topic);
}

// Creates o.topic with o.partitions partitions (an existing topic is fine), so a multi-partition
// run does not depend on the broker's num.partitions for auto-created topics.
void create_topic(const Options& o, const std::string& bootstrap) {
  ProduceStats unused;
  rd_kafka_t* rk = make_producer(o, bootstrap, &unused);
  char err[512];
  rd_kafka_NewTopic_t* topic =
      rd_kafka_NewTopic_new(o.topic.c_str(), o.partitions, 1, err, sizeof err);
  if (!topic) die(std::string("new topic: ") + err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &topic, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, static_cast<int>(o.timeout_s * 1000));
  if (!ev) die("create topic: timed out");
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  if (!res) die(std::string("create topic: ") + rd_kafka_event_error_string(ev));
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      die(std::string("create topic: ") + rd_kafka_err2str(e));
    }
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(topic);
  rd_kafka_destroy(rk);
}

// One producer instance's share of a produce run: records [first, first + count), round-robin
// over the partitions. Returns an error message, empty on success.
std::string produce_share(const Options& o, const std::string& bootstrap, int64_t first,
                          int64_t count) {
  ProduceStats stats;
  rd_kafka_t* rk = make_producer(o, bootstrap, &stats);
  std::vector<char> payload(o.record_bytes, 'x');
  const int64_t deadline = now_ns() + o.timeout_s * 1'000'000'000;
  std::string error;
  for (int64_t i = first; i < first + count && error.empty(); ++i) {
    std::memcpy(payload.data(), &i, sizeof i);
    for (;;) {
      rd_kafka_resp_err_t err =
          rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o.topic.c_str()),
                            RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % o.partitions)),
                            RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        error = std::string("produce: ") + rd_kafka_err2str(err);
        break;
      }
      if (now_ns() > deadline) {
        error = "produce: timed out waiting for queue space";
        break;
      }
      rd_kafka_poll(rk, 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_resp_err_t ferr = rd_kafka_flush(rk, static_cast<int>(o.timeout_s * 1000));
  if (error.empty() && ferr) error = std::string("flush: ") + rd_kafka_err2str(ferr);
  if (error.empty() && stats.failed.load() > 0) {
    error = "delivery failed for " + std::to_string(stats.failed.load()) +
            " records: " + rd_kafka_err2str(stats.first_error);
  }
  rd_kafka_destroy(rk);
  return error;
}

// Produces o.records records as fast as the client allows, split evenly over o.producers
// independent producer instances (each its own connections and thread, as separate
// applications would be).
void run_produce(const Options& o, const std::string& bootstrap) {
  if (o.partitions > 1 && !o.mock) create_topic(o, bootstrap);
  std::vector<std::string> errors(static_cast<size_t>(o.producers));
  std::vector<std::thread> threads;
  const int64_t start = now_ns();
  int64_t first = 0;
  for (int p = 0; p < o.producers; ++p) {
    const int64_t count = o.records / o.producers + (p < o.records % o.producers ? 1 : 0);
    threads.emplace_back([&o, &bootstrap, &errors, p, first, count] {
      errors[static_cast<size_t>(p)] = produce_share(o, bootstrap, first, count);
    });
    first += count;
  }
  for (auto& t : threads) t.join();
  const double secs = static_cast<double>(now_ns() - start) / 1e9;
  for (const auto& e : errors) {
    if (!e.empty()) die(e);
  }
  eddy::bench::print_produce(o.records, o.record_bytes, o.producers, o.partitions, o.acks.c_str(),
                             secs);
}

// Consumes o.records records from offset 0 of every partition (what run_produce wrote).
void run_consume(const Options& o, const std::string& bootstrap) {
  rd_kafka_t* rk = make_consumer(o, bootstrap, o.fetch_wait_ms);
  // The mock cluster keeps only its last few segments, so there read what the partitions hold.
  // A real broker must serve all o.records, even those whose high watermark is still waiting
  // for a flush when this starts (acks=1 under log.flush.policy=sync answers before the fsync).
  int64_t expected = o.mock ? 0 : o.records;
  for (int p = 0; o.mock && p < o.partitions; ++p) {
    int64_t low = 0;
    int64_t high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        rk, o.topic.c_str(), p, &low, &high, static_cast<int>(o.timeout_s * 1000));
    if (err) die(std::string("watermarks: ") + rd_kafka_err2str(err));
    expected += high - low;
  }
  PartitionReader reader = start_reading(rk, o, RD_KAFKA_OFFSET_BEGINNING);
  rd_kafka_queue_t* q = reader.queue;
  std::vector<rd_kafka_message_t*> batch(10'000);
  int64_t seen = 0;
  int64_t bytes = 0;
  // The clock starts at the first record, so metadata and offset look-ups are not counted.
  int64_t start = 0;
  const int64_t deadline = now_ns() + o.timeout_s * 1'000'000'000;
  while (seen < expected) {
    if (now_ns() > deadline) die("consume: timed out after " + std::to_string(seen) + " records");
    ssize_t n = rd_kafka_consume_batch_queue(q, 100, batch.data(), batch.size());
    if (n > 0 && start == 0) start = now_ns();
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<size_t>(i)];
      if (m->err) {
        std::string e = rd_kafka_message_errstr(m);
        rd_kafka_message_destroy(m);
        die("consume: " + e);
      }
      ++seen;
      bytes += static_cast<int64_t>(m->len);
      rd_kafka_message_destroy(m);
    }
  }
  const double secs = static_cast<double>(now_ns() - start) / 1e9;
  eddy::bench::print_consume(seen, bytes, secs);
  stop_reading(reader);
  rd_kafka_destroy(rk);
}

// Produces at o.rate records/s for o.duration_s and measures, in the same process, the time from
// handing a record to the producer until the consumer receives it. The send time travels in the
// first 8 bytes of the value; both ends read the same monotonic clock.
//
// Both clients set TCP_NODELAY (socket.nagle.disable=true) unless --nagle, as Kafka's own Java
// client does on every connection and hiredis (the Redis driver's client) does too. librdkafka
// leaves Nagle on by default: a small produce request then waits in the client's kernel until the
// broker has acknowledged the previous one's bytes.
void run_e2e(const Options& o, const std::string& bootstrap) {
  Options eo = o;
  eo.tcp_nodelay = !o.nagle;
  ProduceStats stats;
  rd_kafka_t* producer = make_producer(eo, bootstrap, &stats);
  // One record first, so the topic exists (auto-created on a real broker) before the consumer
  // looks up its end offset.
  std::vector<char> payload(o.record_bytes, 'x');
  std::memset(payload.data(), 0, sizeof(int64_t));
  if (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(o.topic.c_str()), RD_KAFKA_V_PARTITION(0),
                        RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) ||
      rd_kafka_flush(producer, static_cast<int>(o.timeout_s * 1000)) ||
      stats.delivered.load() != 1) {
    die("e2e: warm-up record was not delivered");
  }
  stats.delivered.store(0);
  rd_kafka_t* consumer = make_consumer(eo, bootstrap, o.fetch_wait_ms);
  PartitionReader partitions = start_reading(consumer, eo, RD_KAFKA_OFFSET_END);

  const int64_t total = o.rate * o.duration_s;
  std::vector<int64_t> latencies_ns;
  latencies_ns.reserve(static_cast<size_t>(total));
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    rd_kafka_queue_t* q = partitions.queue;
    // One message at a time: consume_batch_queue() waits for a full batch or its timeout, which
    // would add up to that timeout to every latency.
    while (!stop.load() && static_cast<int64_t>(latencies_ns.size()) < total) {
      rd_kafka_message_t* m = rd_kafka_consume_queue(q, 50);
      if (!m) continue;
      const int64_t now = now_ns();
      if (!m->err && m->len >= sizeof(int64_t)) {
        int64_t sent;
        std::memcpy(&sent, m->payload, sizeof sent);
        if (sent != 0) latencies_ns.push_back(now - sent);
      }
      rd_kafka_message_destroy(m);
    }
  });

  // Give the consumer time to resolve its start offset, so the first records are not skipped.
  std::this_thread::sleep_for(std::chrono::milliseconds(o.settle_ms));
  const int64_t interval_ns = 1'000'000'000 / o.rate;
  const int64_t start = now_ns();
  for (int64_t i = 0; i < total; ++i) {
    const int64_t due = start + i * interval_ns;
    while (now_ns() < due) {
      rd_kafka_poll(producer, 0);
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    const int64_t sent = now_ns();
    std::memcpy(payload.data(), &sent, sizeof sent);
    rd_kafka_resp_err_t err =
        rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(o.topic.c_str()),
                          RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % o.partitions)),
                          RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err) die(std::string("e2e produce: ") + rd_kafka_err2str(err));
  }
  rd_kafka_flush(producer, static_cast<int>(o.timeout_s * 1000));
  const int64_t deadline = now_ns() + 10'000'000'000;
  while (now_ns() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (stats.delivered.load() + stats.failed.load() >= total) break;
  }
  // The reader stops by itself once it has seen every record; this bounds the wait if some never
  // arrive (they then count as missing).
  const int64_t reader_deadline = now_ns() + 10'000'000'000;
  while (now_ns() < reader_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (static_cast<int64_t>(latencies_ns.size()) >= total) break;
  }
  stop.store(true);
  reader.join();

  eddy::bench::print_e2e(o.rate, total, stats.failed.load(), latencies_ns);
  stop_reading(partitions);
  rd_kafka_destroy(consumer);
  rd_kafka_destroy(producer);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::string bootstrap = o.bootstrap;
  rd_kafka_t* mock_handle = nullptr;
  rd_kafka_mock_cluster_t* mock = nullptr;
  if (o.mock) {
    // The mock cluster needs a client instance for its bookkeeping; it serves real sockets.
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    set(conf, "log_level", "3");
    char err[512];
    mock_handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!mock_handle) die(std::string("mock handle: ") + err);
    mock = rd_kafka_mock_cluster_new(mock_handle, 1);
    if (!mock) die("rd_kafka_mock_cluster_new failed");
    if (rd_kafka_mock_topic_create(mock, o.topic.c_str(), o.partitions, 1)) {
      die("mock topic create failed");
    }
    bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
  }
  // produce-consume serves the mock cluster, which lives only as long as this process.
  const bool both = o.mode == "all" || o.mode == "produce-consume";
  if (o.mode == "produce" || both) run_produce(o, bootstrap);
  if (o.mode == "consume" || both) run_consume(o, bootstrap);
  if (o.mode == "e2e" || o.mode == "all") {
    Options e = o;
    e.topic = o.topic + "-e2e";
    if (mock && rd_kafka_mock_topic_create(mock, e.topic.c_str(), e.partitions, 1)) {
      die("mock topic create failed");
    }
    run_e2e(e, bootstrap);
  }
  if (o.mode != "produce" && o.mode != "consume" && o.mode != "e2e" && !both) usage();
  if (mock) rd_kafka_mock_cluster_destroy(mock);
  if (mock_handle) rd_kafka_destroy(mock_handle);
  std::fflush(stdout);
  return 0;
}
