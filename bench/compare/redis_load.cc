// eddy-redis-load: the Redis Streams side of bench/run. It runs the same workloads as eddy-load
// (bench/broker/load_driver.cc) with the same flags and prints the same one-line key=value
// results, so bench/run aggregates every system the same way.
//
// A Kafka partition maps to one stream (key T-p): a stream is Redis's unit of ordering. Records
// are XADD T-p * v <payload>, pipelined: a producer keeps two batches of --pipeline commands in
// flight (it writes batch n+1 before reading the replies to batch n), which is how Redis is
// driven fastest (the redis-benchmark -P idea) and lets appendfsync always cover a whole batch
// with one fsync. Consumers read with XREAD COUNT --read-count from the last id seen.

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "driver_flags.h"
#include "driver_output.h"

namespace {

using eddy::bench::now_ns;

struct Options {
  std::string mode = "produce";  // produce | consume | e2e
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string topic = "eddy-load";
  int partitions = 1;
  int producers = 1;
  int64_t records = 1'000'000;
  size_t record_bytes = 100;
  int pipeline = 0;        // XADD commands per batch, two batches in flight; 0: about 512 KiB
  int read_count = 10000;  // XREAD COUNT
  int64_t rate = 20'000;   // e2e records/s
  int64_t duration_s = 10;
  int64_t timeout_s = 120;  // bound on every wait
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "eddy-redis-load: %s\n", what.c_str());
  std::exit(2);
}

void usage() {
  std::fprintf(stderr,
               "usage: eddy-redis-load [--host H] [--port P] [--mode produce|consume|e2e]\n"
               "  [--topic T] [--partitions P] [--producers K] [--records N] [--record-bytes S]\n"
               "  [--pipeline D] [--read-count C] [--rate R] [--duration-s D] [--timeout-s T]\n");
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  eddy::bench::Flags flags;
  eddy::bench::add_workload_flags(flags, o)
      .add("--host", &o.host)
      .add("--port", &o.port)
      .add("--pipeline", &o.pipeline)
      .add("--read-count", &o.read_count)
      .parse(argc, argv, usage);
  if (o.records <= 0 || o.record_bytes < 8 || o.record_bytes > (1u << 20) || o.partitions <= 0 ||
      o.partitions > 1000 || o.producers <= 0 || o.producers > 64 || o.pipeline < 0 ||
      o.pipeline > 100'000 || o.read_count <= 0 || o.read_count > 100'000 || o.rate <= 0 ||
      o.duration_s <= 0 || o.timeout_s <= 0 || o.port <= 0 || o.port > 65535) {
    die("out-of-range option");
  }
  // About 512 KiB per batch, at most 5,000 commands: larger batches measured no faster here.
  if (o.pipeline == 0) {
    o.pipeline = static_cast<int>(std::clamp<size_t>((512u << 10) / o.record_bytes, 1, 5000));
  }
  return o;
}

std::string stream_key(const Options& o, int64_t partition) {
  return o.topic + "-" + std::to_string(partition);
}

using Reply = std::unique_ptr<redisReply, void (*)(void*)>;

// One blocking connection; reads and writes time out after --timeout-s, so no wait is unbounded.
class Connection {
 public:
  explicit Connection(const Options& o) {
    const timeval tv{static_cast<time_t>(o.timeout_s), 0};
    ctx_ = redisConnectWithTimeout(o.host.c_str(), o.port, tv);
    if (!ctx_ || ctx_->err) die(std::string("connect: ") + (ctx_ ? ctx_->errstr : "no memory"));
    if (redisSetTimeout(ctx_, tv) != REDIS_OK) die("set timeout");
  }
  ~Connection() { redisFree(ctx_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // hiredis takes a non-const argv, hence the copy.
  void append(std::vector<const char*> argv, const std::vector<size_t>& lens) {
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      die(std::string("append: ") + ctx_->errstr);
    }
  }

  // The next reply, flushing what was appended first; a Redis error reply is fatal.
  Reply next() {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || !raw) die(std::string("reply: ") + ctx_->errstr);
    Reply r(static_cast<redisReply*>(raw), freeReplyObject);
    if (r->type == REDIS_REPLY_ERROR) die(std::string("redis: ") + r->str);
    return r;
  }

  // Sends everything appended so far without reading.
  void flush() {
    int done = 0;
    while (!done) {
      if (redisBufferWrite(ctx_, &done) != REDIS_OK) die(std::string("write: ") + ctx_->errstr);
    }
  }

  // Reads whatever replies have arrived without blocking; returns how many.
  int64_t drain_ready() {
    int64_t n = 0;
    pollfd p{ctx_->fd, POLLIN, 0};
    while (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
      if (redisBufferRead(ctx_) != REDIS_OK) die(std::string("read: ") + ctx_->errstr);
      void* raw = nullptr;
      while (redisGetReplyFromReader(ctx_, &raw) == REDIS_OK && raw) {
        Reply r(static_cast<redisReply*>(raw), freeReplyObject);
        if (r->type == REDIS_REPLY_ERROR) die(std::string("redis: ") + r->str);
        ++n;
        raw = nullptr;
      }
    }
    return n;
  }

 private:
  redisContext* ctx_ = nullptr;
};

// Appends XADD key * v payload.
void append_xadd(Connection& c, const std::string& key, const std::vector<char>& payload) {
  static const char kStar[] = "*";
  static const char kField[] = "v";
  c.append({"XADD", key.c_str(), kStar, kField, payload.data()},
           {4, key.size(), 1, 1, payload.size()});
}

// One producer's share: records [first, first + count) round-robin over the streams, pipelined.
void produce_share(const Options& o, int64_t first, int64_t count) {
  Connection c(o);
  std::vector<std::string> keys;
  for (int p = 0; p < o.partitions; ++p) keys.push_back(stream_key(o, p));
  std::vector<char> payload(o.record_bytes, 'x');
  std::deque<int64_t> in_flight;
  auto read_batch = [&] {
    for (int64_t k = 0; k < in_flight.front(); ++k) c.next();
    in_flight.pop_front();
  };
  for (int64_t i = first; i < first + count;) {
    const int64_t n = std::min<int64_t>(o.pipeline, first + count - i);
    for (int64_t k = 0; k < n; ++k, ++i) {
      std::memcpy(payload.data(), &i, sizeof i);
      append_xadd(c, keys[static_cast<size_t>(i % o.partitions)], payload);
    }
    in_flight.push_back(n);
    // Reading batch n's first reply writes batch n+1 out, so the server always has work queued.
    if (in_flight.size() > 1) read_batch();
  }
  while (!in_flight.empty()) read_batch();
}

void run_produce(const Options& o) {
  std::vector<std::thread> threads;
  const int64_t start = now_ns();
  int64_t first = 0;
  for (int p = 0; p < o.producers; ++p) {
    const int64_t count = o.records / o.producers + (p < o.records % o.producers ? 1 : 0);
    threads.emplace_back([&o, first, count] { produce_share(o, first, count); });
    first += count;
  }
  for (auto& t : threads) t.join();
  const double secs = static_cast<double>(now_ns() - start) / 1e9;
  eddy::bench::print_produce(o.records, o.record_bytes, o.producers, o.partitions, "redis", secs);
}

// Reads every stream from the ids in `last` with one XREAD (BLOCK block_ms when block_ms >= 0)
// and calls on_record(value) per entry; returns the entries read.
template <typename F>
int64_t xread(Connection& c, const Options& o, std::vector<std::string>& last, int block_ms,
              F on_record) {
  std::vector<std::string> keys;
  for (int p = 0; p < o.partitions; ++p) keys.push_back(stream_key(o, p));
  const std::string count = std::to_string(o.read_count);
  const std::string block = std::to_string(block_ms);
  std::vector<const char*> argv{"XREAD", "COUNT", count.c_str()};
  if (block_ms >= 0) {
    argv.push_back("BLOCK");
    argv.push_back(block.c_str());
  }
  argv.push_back("STREAMS");
  for (const auto& k : keys) argv.push_back(k.c_str());
  for (const auto& id : last) argv.push_back(id.c_str());
  std::vector<size_t> lens;
  for (const char* a : argv) lens.push_back(std::strlen(a));
  c.append(argv, lens);
  Reply r = c.next();
  if (r->type == REDIS_REPLY_NIL) return 0;
  if (r->type != REDIS_REPLY_ARRAY) die("XREAD: unexpected reply type");
  int64_t n = 0;
  for (size_t s = 0; s < r->elements; ++s) {
    const redisReply* stream = r->element[s];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2) die("XREAD: bad stream");
    const std::string name(stream->element[0]->str, stream->element[0]->len);
    const auto it = std::find(keys.begin(), keys.end(), name);
    if (it == keys.end()) die("XREAD: unknown stream " + name);
    const redisReply* entries = stream->element[1];
    for (size_t e = 0; e < entries->elements; ++e) {
      const redisReply* entry = entries->element[e];
      if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
          entry->element[1]->elements != 2) {
        die("XREAD: bad entry");
      }
      const redisReply* value = entry->element[1]->element[1];
      on_record(value->str, value->len);
      last[static_cast<size_t>(it - keys.begin())].assign(entry->element[0]->str,
                                                          entry->element[0]->len);
      ++n;
    }
  }
  return n;
}

// Reads every stream from its start until it has seen what XLEN reported.
void run_consume(const Options& o) {
  Connection c(o);
  int64_t expected = 0;
  for (int p = 0; p < o.partitions; ++p) {
    const std::string key = stream_key(o, p);
    c.append({"XLEN", key.c_str()}, {4, key.size()});
    expected += c.next()->integer;
  }
  std::vector<std::string> last(static_cast<size_t>(o.partitions), "0-0");
  int64_t seen = 0;
  int64_t bytes = 0;
  const int64_t start = now_ns();
  const int64_t deadline = start + o.timeout_s * 1'000'000'000;
  while (seen < expected) {
    if (now_ns() > deadline) die("consume: timed out after " + std::to_string(seen) + " records");
    const int64_t n =
        xread(c, o, last, -1, [&](const char*, size_t len) { bytes += static_cast<int64_t>(len); });
    if (n == 0) die("consume: streams ended after " + std::to_string(seen) + " records");
    seen += n;
  }
  const double secs = static_cast<double>(now_ns() - start) / 1e9;
  eddy::bench::print_consume(seen, bytes, secs);
}

// Produces at o.rate records/s for o.duration_s into fresh streams and measures, in the same
// process, the time from handing a record to the connection until a blocked XREAD returns it.
// The producer does not wait for each reply (librdkafka does not either): it reads replies
// whenever they are ready.
void run_e2e(const Options& o) {
  const int64_t total = o.rate * o.duration_s;
  std::vector<int64_t> latencies_ns;
  latencies_ns.reserve(static_cast<size_t>(total));
  std::atomic<bool> stop{false};
  std::atomic<int64_t> received{0};  // latencies_ns belongs to the reader until it is joined
  std::thread reader([&] {
    Connection c(o);
    std::vector<std::string> last(static_cast<size_t>(o.partitions), "0-0");
    while (!stop.load() && received.load() < total) {
      xread(c, o, last, 100, [&](const char* value, size_t len) {
        const int64_t now = now_ns();
        if (len < sizeof(int64_t)) return;
        int64_t sent;
        std::memcpy(&sent, value, sizeof sent);
        latencies_ns.push_back(now - sent);
        received.fetch_add(1);
      });
    }
  });

  Connection c(o);
  std::vector<std::string> keys;
  for (int p = 0; p < o.partitions; ++p) keys.push_back(stream_key(o, p));
  std::vector<char> payload(o.record_bytes, 'x');
  int64_t replies = 0;
  const int64_t interval_ns = 1'000'000'000 / o.rate;
  const int64_t start = now_ns();
  for (int64_t i = 0; i < total; ++i) {
    const int64_t due = start + i * interval_ns;
    while (now_ns() < due) {
      replies += c.drain_ready();
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    const int64_t sent = now_ns();
    std::memcpy(payload.data(), &sent, sizeof sent);
    append_xadd(c, keys[static_cast<size_t>(i % o.partitions)], payload);
    c.flush();
  }
  for (; replies < total; ++replies) c.next();
  // The reader stops by itself once it has seen every record; this bounds the wait if some never
  // arrive (they then count as missing).
  const int64_t reader_deadline = now_ns() + 10'000'000'000;
  while (now_ns() < reader_deadline && received.load() < total) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop.store(true);
  reader.join();

  eddy::bench::print_e2e(o.rate, total, 0, latencies_ns);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (o.mode == "produce")
    run_produce(o);
  else if (o.mode == "consume")
    run_consume(o);
  else if (o.mode == "e2e")
    run_e2e(o);
  else
    usage();
  std::fflush(stdout);
  return 0;
}
