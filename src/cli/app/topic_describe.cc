// eddyctl topic describe: partitions (leader, epoch, replicas, ISR, log start/end offsets, size,
// and for a compacted topic the log cleaner's dirty ratio) and configs with their sources, in one
// view like `kafka-topics.sh --describe` plus `kafka-configs.sh --describe` plus
// `kafka-log-dirs.sh`.

#include <algorithm>
#include <ostream>

#include "cli/app/cleaner_dirty_ratio.h"
#include "cli/app/command.h"
#include "cli/app/describe_many.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "cli/app/util.h"
#include "client/kafka_error.h"
#include "protocol/generated/describe_configs.h"
#include "protocol/generated/describe_log_dirs.h"

namespace eddy::cli {

using namespace protocol;

namespace {

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) {
    if (!s.empty()) s += ',';
    s += std::to_string(id);
  }
  return s;
}

Json id_array(const std::vector<int32_t>& ids) {
  Json a = Json::array();
  for (int32_t id : ids) a.push(id);
  return a;
}

// Partition sizes as each partition's leader reports them through DescribeLogDirs. A broker that
// does not answer leaves its partitions' sizes unknown (-1) rather than failing the describe.
// A topic's partitions grouped by their leader (leader -> partitions); leaderless ones left out.
std::map<int32_t, std::vector<int32_t>> partitions_by_leader(
    const MetadataResponse::MetadataResponseTopic& topic) {
  std::map<int32_t, std::vector<int32_t>> by_leader;
  for (const auto& p : topic.partitions) {
    if (p.leader_id >= 0) by_leader[p.leader_id].push_back(p.partition_index);
  }
  return by_leader;
}

std::map<int32_t, int64_t> partition_sizes(
    AdminClient& admin, const MetadataResponse::MetadataResponseTopic& topic,
    const std::map<int32_t, std::vector<int32_t>>& by_leader) {
  std::map<int32_t, int64_t> sizes;
  for (const auto& [leader, parts] : by_leader) {
    auto conn = admin.broker(leader);
    if (!conn.is_ok()) continue;
    DescribeLogDirsRequest req;
    req.topics.emplace();
    req.topics->push_back({topic.name.value_or(""), parts, {}});
    auto resp = (*conn)->call<DescribeLogDirsResponse>(req);
    if (!resp.is_ok()) continue;
    for (const auto& dir : resp->results) {
      if (dir.error_code != 0) continue;
      for (const auto& t : dir.topics) {
        if (t.name != topic.name.value_or("")) continue;
        for (const auto& p : t.partitions) {
          if (!p.is_future_key) sizes[p.partition_index] += p.partition_size;
        }
      }
    }
  }
  return sizes;
}

}  // namespace

// One topic: to ctx.out as a table, or (json != nullptr) as an object appended to *json.
int describe_one(Context& ctx, AdminClient& a, const std::string& name, Json* json) {
  auto topic = a.topic_metadata(name);
  if (!topic.is_ok()) return ctx.fail(topic.status());
  std::vector<TopicPartition> tps;
  for (const auto& p : topic->partitions) tps.push_back({name, p.partition_index});
  auto start = a.list_offsets(tps, kEarliestTimestamp);
  if (!start.is_ok()) return ctx.fail(start.status());
  auto end = a.list_offsets(tps, kLatestTimestamp);
  if (!end.is_ok()) return ctx.fail(end.status());
  const auto by_leader = partitions_by_leader(*topic);
  auto sizes = partition_sizes(a, *topic, by_leader);

  DescribeConfigsRequest creq;
  creq.resources.push_back({int8_t{2}, name, std::nullopt, {}});
  auto cresp = a.bootstrap().call<DescribeConfigsResponse>(creq);
  if (!cresp.is_ok()) return ctx.fail(cresp.status());
  std::vector<DescribeConfigsResponse::DescribeConfigsResourceResult> configs;
  for (const auto& r : cresp->results) {
    Status s =
        kafka_error(r.error_code, "describe configs of topic '" + name + "'", r.error_message);
    if (!s.is_ok()) return ctx.fail(s);
    configs = r.configs;
  }
  bool all = ctx.args.has("all-configs");
  auto shown = [&](const auto& c) { return all || c.config_source == 1; };
  // A compacted topic: each leader's cleaner dirty ratio, from its admin listener.
  bool compacted = false;
  for (const auto& c : configs) {
    if (c.name == "cleanup.policy" && c.value && c.value->find("compact") != std::string::npos) {
      compacted = true;
    }
  }
  std::map<int32_t, double> dirty;
  if (compacted) {
    std::map<int32_t, std::string> hosts;
    if (auto md = a.metadata(std::vector<std::string>{}); md.is_ok()) {
      for (const auto& b : md->brokers) hosts[b.node_id] = b.host;
    }
    dirty = cleaner_dirty_ratios(a, name, by_leader, hosts);
  }
  auto dirty_json = [&](int32_t p) {
    auto it = dirty.find(p);
    return it == dirty.end() ? Json() : Json(it->second);
  };
  auto dirty_text = [&](int32_t p) {
    auto it = dirty.find(p);
    if (it == dirty.end()) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", it->second);
    return std::string(buf);
  };

  auto sorted = topic->partitions;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& x, const auto& y) { return x.partition_index < y.partition_index; });
  auto size_of = [&](int32_t p) {
    auto it = sizes.find(p);
    return it == sizes.end() ? int64_t{-1} : it->second;
  };
  if (json != nullptr) {
    Json parts = Json::array();
    for (const auto& p : sorted) {
      TopicPartition tp{name, p.partition_index};
      parts.push(
          Json::object()
              .set("partition", p.partition_index)
              .set("leader", p.leader_id)
              .set("leader_epoch", p.leader_epoch)
              .set("replicas", id_array(p.replica_nodes))
              .set("isr", id_array(p.isr_nodes))
              .set("offline_replicas", id_array(p.offline_replicas))
              .set("log_start_offset", (*start)[tp])
              .set("log_end_offset", (*end)[tp])
              .set("size_bytes", size_of(p.partition_index))
              .set("cleaner_dirty_ratio", compacted ? dirty_json(p.partition_index) : Json()));
    }
    Json cfg = Json::array();
    for (const auto& c : configs) {
      if (!shown(c)) continue;
      cfg.push(Json::object()
                   .set("name", c.name)
                   .set("value", c.is_sensitive || !c.value ? Json() : Json(*c.value))
                   .set("source", config_source_name(c.config_source))
                   .set("read_only", c.read_only)
                   .set("sensitive", c.is_sensitive));
    }
    json->push(Json::object()
                   .set("name", name)
                   .set("internal", topic->is_internal)
                   .set("partitions", parts)
                   .set("configs", cfg));
    return kExitOk;
  }
  size_t rf = sorted.empty() ? 0 : sorted.front().replica_nodes.size();
  ctx.out << "NAME:                " << name << "\n"
          << "INTERNAL:            " << (topic->is_internal ? "yes" : "no") << "\n"
          << "PARTITIONS:          " << sorted.size() << "\n"
          << "REPLICATION FACTOR:  " << rf << "\n\n";
  std::vector<std::string> columns = {"PARTITION", "LEADER",    "EPOCH",   "REPLICAS",
                                      "ISR",       "LOG-START", "LOG-END", "SIZE"};
  if (compacted) columns.push_back("DIRTY");
  Table pt(columns);
  for (const auto& p : sorted) {
    TopicPartition tp{name, p.partition_index};
    std::vector<std::string> row = {std::to_string(p.partition_index),
                                    std::to_string(p.leader_id),
                                    std::to_string(p.leader_epoch),
                                    join_ids(p.replica_nodes),
                                    join_ids(p.isr_nodes),
                                    std::to_string((*start)[tp]),
                                    std::to_string((*end)[tp]),
                                    human_bytes(size_of(p.partition_index))};
    if (compacted) row.push_back(dirty_text(p.partition_index));
    pt.add(row);
  }
  ctx.out << pt.render() << "\n";
  Table ct({"CONFIG", "VALUE", "SOURCE"});
  for (const auto& c : configs) {
    if (!shown(c)) continue;
    ct.add({c.name, c.is_sensitive ? "<sensitive>" : c.value.value_or("-"),
            config_source_name(c.config_source)});
  }
  if (ct.empty()) {
    ctx.out << "CONFIGS: none set on the topic (--all-configs shows the effective values)\n";
  } else {
    ctx.out << ct.render();
  }
  return kExitOk;
}

// topic describe TOPIC... [--regex RE]...: each named topic, then every topic whose whole name
// matches a regex (ECMAScript, as std::regex), in name order. JSON: one object for a single
// name, else an array.
int topic_describe(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  std::vector<std::string> patterns = ctx.args.all("regex");
  if (ctx.args.positionals.empty() && patterns.empty()) {
    return ctx.usage_error("name a TOPIC or give --regex");
  }
  std::vector<std::string> topics;
  if (!patterns.empty()) {
    auto md = (*admin)->metadata(std::nullopt);
    if (!md.is_ok()) return ctx.fail(md.status());
    for (const auto& t : md->topics) {
      if (t.name) topics.push_back(*t.name);
    }
    std::sort(topics.begin(), topics.end());
  }
  auto names = with_regex_matches(ctx.args.positionals, patterns, topics);
  if (!names.is_ok()) return ctx.fail(names.status());
  return describe_many(
      ctx, *names, "topic", ctx.args.positionals.size() == 1 && patterns.empty(),
      [&](const std::string& name, Json* json) { return describe_one(ctx, **admin, name, json); });
}

}  // namespace eddy::cli
