// eddyctl logdirs describe: per broker, per log dir, the partitions it holds with their size and
// offset lag, and the totals (DescribeLogDirs, api 35, asked of each broker, as kafka-log-dirs
// does). A broker that does not answer is reported and makes the exit status 1; the others are
// still shown.

#include <algorithm>
#include <ostream>
#include <set>
#include <tuple>

#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "cli/app/util.h"
#include "client/kafka_error.h"
#include "protocol/generated/describe_log_dirs.h"

namespace eddy::cli {

namespace {

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;

struct Replica {
  std::string topic;
  int32_t partition = 0;
  int64_t size = 0;
  int64_t offset_lag = 0;
  bool future = false;
};

struct LogDir {
  std::string path;
  Status error;
  int64_t total_bytes = -1;   // the file system's size; -1 when the broker does not say
  int64_t usable_bytes = -1;  // free for the broker's user
  std::vector<Replica> replicas;
  int64_t size() const {
    int64_t sum = 0;
    for (const auto& r : replicas) sum += r.size;
    return sum;
  }
};

struct BrokerDirs {
  int32_t id = 0;
  Status error;  // the broker did not answer
  std::vector<LogDir> dirs;
  int64_t size() const {
    int64_t sum = 0;
    for (const auto& d : dirs) sum += d.size();
    return sum;
  }
};

BrokerDirs describe_broker(AdminClient& a, int32_t id, const DescribeLogDirsRequest& req) {
  BrokerDirs b;
  b.id = id;
  auto conn = a.broker(id);
  if (!conn.is_ok()) {
    b.error = conn.status();
    return b;
  }
  auto resp = (*conn)->call<DescribeLogDirsResponse>(req);
  if (!resp.is_ok()) {
    b.error = resp.status();
    return b;
  }
  std::string what = "describe log dirs of broker " + std::to_string(id);
  b.error = kafka_error(resp->error_code, what);
  for (const auto& r : resp->results) {
    LogDir d;
    d.path = r.log_dir;
    d.error = kafka_error(r.error_code, what + ", " + r.log_dir);
    d.total_bytes = r.total_bytes;
    d.usable_bytes = r.usable_bytes;
    for (const auto& t : r.topics) {
      for (const auto& p : t.partitions) {
        d.replicas.push_back(
            {t.name, p.partition_index, p.partition_size, p.offset_lag, p.is_future_key});
      }
    }
    std::sort(d.replicas.begin(), d.replicas.end(), [](const Replica& x, const Replica& y) {
      return std::tie(x.topic, x.partition, x.future) < std::tie(y.topic, y.partition, y.future);
    });
    b.dirs.push_back(std::move(d));
  }
  return b;
}

Json error_json(const Status& s) { return s.is_ok() ? Json() : Json(s.message()); }

Json to_json(const std::vector<BrokerDirs>& brokers) {
  Json out = Json::array();
  int64_t total = 0;
  for (const auto& b : brokers) {
    Json dirs = Json::array();
    for (const auto& d : b.dirs) {
      Json replicas = Json::array();
      for (const auto& r : d.replicas) {
        replicas.push(Json::object()
                          .set("topic", r.topic)
                          .set("partition", r.partition)
                          .set("size_bytes", r.size)
                          .set("offset_lag", r.offset_lag)
                          .set("future", r.future));
      }
      dirs.push(Json::object()
                    .set("path", d.path)
                    .set("error", error_json(d.error))
                    .set("partitions", static_cast<int64_t>(d.replicas.size()))
                    .set("size_bytes", d.size())
                    .set("total_bytes", d.total_bytes < 0 ? Json() : Json(d.total_bytes))
                    .set("usable_bytes", d.usable_bytes < 0 ? Json() : Json(d.usable_bytes))
                    .set("replicas", replicas));
    }
    total += b.size();
    out.push(Json::object()
                 .set("broker", b.id)
                 .set("error", error_json(b.error))
                 .set("size_bytes", b.size())
                 .set("log_dirs", dirs));
  }
  return Json::object().set("brokers", out).set("size_bytes", total);
}

void print_tables(std::ostream& out, const std::vector<BrokerDirs>& brokers) {
  Table replicas({"BROKER", "LOG DIR", "TOPIC", "PARTITION", "SIZE", "OFFSET LAG"});
  Table totals({"BROKER", "LOG DIR", "PARTITIONS", "SIZE", "USABLE", "TOTAL", "ERROR"});
  int64_t total = 0;
  size_t partitions = 0;
  for (const auto& b : brokers) {
    std::string id = std::to_string(b.id);
    if (!b.error.is_ok()) totals.add({id, "-", "-", "-", "-", "-", b.error.message()});
    for (const auto& d : b.dirs) {
      for (const auto& r : d.replicas) {
        replicas.add({id, d.path, r.topic,
                      std::to_string(r.partition) + (r.future ? " (future)" : ""),
                      human_bytes(r.size), std::to_string(r.offset_lag)});
      }
      totals.add({id, d.path, std::to_string(d.replicas.size()), human_bytes(d.size()),
                  human_bytes(d.usable_bytes), human_bytes(d.total_bytes),
                  d.error.is_ok() ? "-" : d.error.message()});
      partitions += d.replicas.size();
    }
    total += b.size();
  }
  if (!replicas.empty()) out << replicas.render() << "\n";
  out << totals.render() << "\nTOTAL: " << partitions << " replicas, " << human_bytes(total)
      << "\n";
}

int logdirs_describe(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  AdminClient& a = **admin;
  std::vector<std::string> topics = ctx.args.all("topic");
  auto md = a.metadata(topics.empty() ? std::optional<std::vector<std::string>>()
                                      : std::optional<std::vector<std::string>>(topics));
  if (!md.is_ok()) return ctx.fail(md.status());
  DescribeLogDirsRequest req;
  if (topics.empty()) {
    req.topics.reset();  // null: every partition
  } else {
    // Kafka's request names partitions, so a topic's come from the metadata.
    for (const auto& t : md->topics) {
      std::string name = t.name.value_or("");
      Status s = kafka_error(t.error_code, "topic '" + name + "'");
      if (!s.is_ok()) return ctx.fail(s);
      std::vector<int32_t> parts;
      for (const auto& p : t.partitions) parts.push_back(p.partition_index);
      req.topics->push_back({name, parts, {}});
    }
  }
  std::set<int32_t> known;
  for (const auto& b : md->brokers) known.insert(b.node_id);
  std::set<int32_t> ids;
  for (const auto& text : ctx.args.all("broker")) {
    auto ints = parse_int_list(text, "--broker");
    if (!ints.is_ok()) return ctx.fail(ints.status());
    for (int32_t id : *ints) {
      if (!known.contains(id)) {
        return ctx.fail(not_found("broker " + std::to_string(id) + " is not in the cluster"));
      }
      ids.insert(id);
    }
  }
  if (ids.empty()) ids = known;
  std::vector<BrokerDirs> brokers;
  bool failed = false;
  for (int32_t id : ids) {
    brokers.push_back(describe_broker(a, id, req));
    const BrokerDirs& b = brokers.back();
    failed =
        failed || !b.error.is_ok() ||
        std::any_of(b.dirs.begin(), b.dirs.end(), [](const auto& d) { return !d.error.is_ok(); });
  }
  if (ctx.global.json()) {
    ctx.out << to_json(brokers).dump() << "\n";
  } else {
    print_tables(ctx.out, brokers);
  }
  for (const auto& b : brokers) {
    if (!b.error.is_ok())
      ctx.err << "eddyctl: broker " << b.id << ": " << b.error.message() << "\n";
  }
  return failed ? kExitError : kExitOk;
}

}  // namespace

void register_logdirs_commands(std::vector<CommandSpec>& out) {
  out.push_back({{"logdirs", "describe"},
                 "show each broker's log dirs: partitions, sizes, offset lag, totals",
                 "",
                 "As kafka-log-dirs --describe. Offset lag is Kafka's: how far the replica's log "
                 "end is behind its high watermark (a future replica: behind the current one).\n"
                 "Example: eddyctl logdirs describe --broker 1 --topic orders",
                 {{"broker", 0, "N[,N...]", "only these brokers, repeatable (default: every one)"},
                  {"topic", 't', "TOPIC", "only this topic's partitions, repeatable"}},
                 0,
                 0,
                 logdirs_describe});
}

}  // namespace eddy::cli
