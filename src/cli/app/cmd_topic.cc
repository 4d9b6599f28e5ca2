// eddyctl topic create | list | delete | alter-config | add-partitions | delete-records.
// (topic describe lives in topic_describe.cc.)

#include <algorithm>
#include <ostream>

#include "cli/app/alter_configs.h"
#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "cli/app/util.h"
#include "client/kafka_error.h"
#include "protocol/errors.h"
#include "protocol/generated/create_partitions.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/delete_records.h"
#include "protocol/generated/delete_topics.h"

namespace eddy::cli {

int topic_describe(Context& ctx);

namespace {

using namespace protocol;

// One topic's outcome: its status, and the word the table shows when it succeeded (CREATED,
// EXISTS, DELETED, NOT FOUND, VALID).
struct Outcome {
  std::string name;
  Status status;
  std::string label;
};

// Prints per-item results as a table or JSON; returns the exit code of the worst failure
// (not-found wins over other errors only when it is the only kind).
int report_results(Context& ctx, const std::vector<Outcome>& results) {
  int code = kExitOk;
  Json arr = Json::array();
  Table t({"TOPIC", "STATUS"});
  for (const auto& [name, status, label] : results) {
    if (!status.is_ok()) {
      int c = status.code() == StatusCode::kNotFound ? kExitNotFound : kExitError;
      if (code == kExitOk || c == kExitError) code = c;
      ctx.err << "eddyctl: " << status.message() << "\n";
    }
    std::string shown = status.is_ok() ? label : "FAILED";
    arr.push(Json::object()
                 .set("name", name)
                 .set("ok", status.is_ok())
                 .set("status", shown)
                 .set("error", status.is_ok() ? Json() : Json(status.message())));
    t.add({name, shown});
  }
  ctx.out << (ctx.global.json() ? arr.dump() + "\n" : t.render());
  return code;
}

int topic_create(Context& ctx) {
  auto partitions = ctx.args.get_int("partitions", -1, 1, 1'000'000);
  if (!partitions.is_ok()) return ctx.fail(partitions.status());
  auto replicas = ctx.args.get_int("replication-factor", -1, 1, 32767);
  if (!replicas.is_ok()) return ctx.fail(replicas.status());
  CreateTopicsRequest req;
  req.timeout_ms = ctx.global.timeout_ms;
  req.validate_only = ctx.args.has("validate-only");
  for (const auto& name : ctx.args.positionals) {
    CreateTopicsRequest::CreatableTopic t;
    t.name = name;
    t.num_partitions = static_cast<int32_t>(*partitions);
    t.replication_factor = static_cast<int16_t>(*replicas);
    for (const auto& kv : ctx.args.all("config")) {
      auto parsed = split_key_value(kv, "--config");
      if (!parsed.is_ok()) return ctx.fail(parsed.status());
      t.configs.push_back({parsed->first, parsed->second, {}});
    }
    req.topics.push_back(std::move(t));
  }
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  // v4 is the first version that takes -1 for "the broker's default" partitions and replicas.
  auto resp = (*admin)->bootstrap().call<CreateTopicsResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  std::vector<Outcome> results;
  bool if_not_exists = ctx.args.has("if-not-exists");
  for (const auto& r : resp->topics) {
    int16_t code = r.error_code;
    std::string label = req.validate_only ? "VALID" : "CREATED";
    if (if_not_exists && code == to_int(ErrorCode::kTopicAlreadyExists)) {
      code = 0;
      label = "EXISTS";
    }
    results.push_back(
        {r.name, kafka_error(code, "create topic '" + r.name + "'", r.error_message), label});
  }
  return report_results(ctx, results);
}

int topic_list(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  auto md = (*admin)->metadata(std::nullopt);
  if (!md.is_ok()) return ctx.fail(md.status());
  bool internal = ctx.args.has("internal");
  auto topics = md->topics;
  std::sort(topics.begin(), topics.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  Json arr = Json::array();
  Table t({"NAME", "PARTITIONS", "REPLICAS", "INTERNAL"});
  for (const auto& topic : topics) {
    if (topic.is_internal && !internal) continue;
    size_t rf = topic.partitions.empty() ? 0 : topic.partitions.front().replica_nodes.size();
    std::string name = topic.name.value_or("");
    arr.push(Json::object()
                 .set("name", name)
                 .set("partitions", static_cast<int64_t>(topic.partitions.size()))
                 .set("replication_factor", static_cast<int64_t>(rf))
                 .set("internal", topic.is_internal));
    t.add({name, std::to_string(topic.partitions.size()), std::to_string(rf),
           topic.is_internal ? "yes" : "no"});
  }
  ctx.out << (ctx.global.json() ? arr.dump() + "\n" : t.render());
  return kExitOk;
}

int topic_delete(Context& ctx) {
  DeleteTopicsRequest req;
  req.timeout_ms = ctx.global.timeout_ms;
  for (const auto& name : ctx.args.positionals) {
    req.topic_names.push_back(name);
    DeleteTopicsRequest::DeleteTopicState s;
    s.name = name;
    req.topics.push_back(std::move(s));
  }
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  auto resp = (*admin)->bootstrap().call<DeleteTopicsResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  bool if_exists = ctx.args.has("if-exists");
  std::vector<Outcome> results;
  for (const auto& r : resp->responses) {
    int16_t code = r.error_code;
    std::string label = "DELETED";
    if (if_exists && code == to_int(ErrorCode::kUnknownTopicOrPartition)) {
      code = 0;
      label = "NOT FOUND";
    }
    std::string name = r.name.value_or("");
    results.push_back(
        {name, kafka_error(code, "delete topic '" + name + "'", r.error_message), label});
  }
  return report_results(ctx, results);
}

int topic_alter_config(Context& ctx) {
  const std::string& topic = ctx.args.positionals[0];
  const bool validate_only = ctx.args.has("validate-only");
  std::vector<ConfigChange> changes;
  for (const auto& kv : ctx.args.all("set")) {
    auto parsed = split_key_value(kv, "--set");
    if (!parsed.is_ok()) return ctx.fail(parsed.status());
    changes.push_back({parsed->first, kOpSet, parsed->second, {}});
  }
  for (const auto& key : ctx.args.all("delete")) {
    changes.push_back({key, kOpDelete, std::nullopt, {}});
  }
  if (changes.empty()) return ctx.usage_error("nothing to change: give --set or --delete");
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  Status s = alter_resource_configs((*admin)->bootstrap(), kTopicResource, topic,
                                    std::move(changes), validate_only, "topic '" + topic + "'");
  return report_results(ctx, {{topic, s, validate_only ? "VALID" : "ALTERED"}});
}

int topic_add_partitions(Context& ctx) {
  const std::string& topic = ctx.args.positionals[0];
  if (ctx.args.has("total") == ctx.args.has("add")) {
    return ctx.usage_error("give exactly one of --total N or --add N");
  }
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  int64_t total = 0;
  if (ctx.args.has("total")) {
    auto v = ctx.args.get_int("total", 0, 1, 1'000'000);
    if (!v.is_ok()) return ctx.fail(v.status());
    total = *v;
  } else {
    auto v = ctx.args.get_int("add", 0, 1, 1'000'000);
    if (!v.is_ok()) return ctx.fail(v.status());
    auto md = (*admin)->topic_metadata(topic);
    if (!md.is_ok()) return ctx.fail(md.status());
    total = static_cast<int64_t>(md->partitions.size()) + *v;
  }
  CreatePartitionsRequest req;
  req.timeout_ms = ctx.global.timeout_ms;
  req.validate_only = ctx.args.has("validate-only");
  CreatePartitionsRequest::CreatePartitionsTopic t;
  t.name = topic;
  t.count = static_cast<int32_t>(total);
  t.assignments = std::nullopt;
  req.topics.push_back(std::move(t));
  auto resp = (*admin)->bootstrap().call<CreatePartitionsResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  std::vector<Outcome> results;
  for (const auto& r : resp->results) {
    results.push_back(
        {r.name,
         kafka_error(r.error_code, "add partitions to topic '" + r.name + "'", r.error_message),
         "NOW " + std::to_string(total) + " PARTITIONS"});
  }
  return report_results(ctx, results);
}

int topic_delete_records(Context& ctx) {
  const std::string& topic = ctx.args.positionals[0];
  auto offset = ctx.args.get_int("before-offset", -2, -1, INT64_MAX);
  if (!offset.is_ok()) return ctx.fail(offset.status());
  if (*offset == -2) {
    return ctx.usage_error("give --before-offset N (-1: everything below the high watermark)");
  }
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  auto md = (*admin)->topic_metadata(topic);
  if (!md.is_ok()) return ctx.fail(md.status());
  std::vector<int32_t> wanted;
  if (auto list = ctx.args.get("partitions")) {
    auto parsed = parse_int_list(*list, "--partitions");
    if (!parsed.is_ok()) return ctx.fail(parsed.status());
    wanted = *parsed;
  } else {
    for (const auto& p : md->partitions) wanted.push_back(p.partition_index);
  }
  // DeleteRecords goes to each partition's leader.
  std::map<int32_t, DeleteRecordsRequest> by_leader;
  for (int32_t p : wanted) {
    auto it = std::find_if(md->partitions.begin(), md->partitions.end(),
                           [&](const auto& mp) { return mp.partition_index == p; });
    if (it == md->partitions.end()) {
      return ctx.fail(kafka_error(3, "partition " + topic + "/" + std::to_string(p)));
    }
    auto& req = by_leader[it->leader_id];
    if (req.topics.empty()) req.topics.push_back({topic, {}, {}});
    req.topics[0].partitions.push_back({p, *offset, {}});
  }
  Table t({"PARTITION", "LOW-WATERMARK", "STATUS"});
  Json arr = Json::array();
  int code = kExitOk;
  for (auto& [leader, req] : by_leader) {
    req.timeout_ms = ctx.global.timeout_ms;
    auto conn = (*admin)->broker(leader);
    if (!conn.is_ok()) return ctx.fail(conn.status());
    auto resp = (*conn)->call<DeleteRecordsResponse>(req);
    if (!resp.is_ok()) return ctx.fail(resp.status());
    for (const auto& rt : resp->topics) {
      for (const auto& rp : rt.partitions) {
        Status s = kafka_error(
            rp.error_code, "delete records of " + topic + "/" + std::to_string(rp.partition_index));
        if (!s.is_ok()) {
          ctx.err << "eddyctl: " << s.message() << "\n";
          code = kExitError;
        }
        t.add({std::to_string(rp.partition_index), std::to_string(rp.low_watermark),
               s.is_ok() ? "OK" : error_name(ErrorCode{rp.error_code})});
        arr.push(Json::object()
                     .set("partition", rp.partition_index)
                     .set("low_watermark", rp.low_watermark)
                     .set("error", s.is_ok() ? Json() : Json(s.message())));
      }
    }
  }
  ctx.out << (ctx.global.json() ? arr.dump() + "\n" : t.render());
  return code;
}

}  // namespace

void register_topic_commands(std::vector<CommandSpec>& out) {
  out.push_back({{"topic", "create"},
                 "create topics",
                 "TOPIC [TOPIC...]",
                 "Example: eddyctl topic create orders -p 6 -c retention.ms=86400000",
                 {{"partitions", 'p', "N", "partitions (default: the broker's num.partitions)"},
                  {"replication-factor", 'r', "N",
                   "replicas per partition (default: default.replication.factor)"},
                  {"config", 'c', "KEY=VALUE", "topic config, repeatable"},
                  {"if-not-exists", 0, "", "succeed when the topic already exists"},
                  {"validate-only", 0, "", "check the request without creating anything"}},
                 1,
                 1000,
                 topic_create});
  out.push_back({{"topic", "list"},
                 "list topics",
                 "",
                 "",
                 {{"internal", 'i', "", "include internal topics (__consumer_offsets)"}},
                 0,
                 0,
                 topic_list});
  out.push_back(
      {{"topic", "describe"},
       "show partitions, leaders, replicas, ISR, offsets, sizes, dirty ratios and configs",
       "[TOPIC...]",
       "Several topics: name them, or match their whole names with --regex "
       "(repeatable).\nJSON: an object for one named topic, else an array.",
       {{"all-configs", 'a', "", "list every config, not only those set on the topic"},
        {"regex", 'E', "RE", "also every topic whose whole name matches RE"}},
       0,
       1000,
       topic_describe});
  out.push_back({{"topic", "delete"},
                 "delete topics",
                 "TOPIC [TOPIC...]",
                 "",
                 {{"if-exists", 0, "", "succeed when the topic does not exist"}},
                 1,
                 1000,
                 topic_delete});
  out.push_back({{"topic", "alter-config"},
                 "set or remove topic configs",
                 "TOPIC",
                 "Example: eddyctl topic alter-config orders --set retention.ms=3600000 "
                 "--delete cleanup.policy",
                 {{"set", 's', "KEY=VALUE", "set a config, repeatable"},
                  {"delete", 'd', "KEY", "remove a config (back to the default), repeatable"},
                  {"validate-only", 0, "", "check the request without changing anything"}},
                 1,
                 1,
                 topic_alter_config});
  out.push_back({{"topic", "add-partitions"},
                 "add partitions to a topic",
                 "TOPIC",
                 "",
                 {{"total", 't', "N", "the new partition count"},
                  {"add", 'n', "N", "how many partitions to add"},
                  {"validate-only", 0, "", "check the request without changing anything"}},
                 1,
                 1,
                 topic_add_partitions});
  out.push_back(
      {{"topic", "delete-records"},
       "delete records below an offset (moves the log start offset)",
       "TOPIC",
       "Example: eddyctl topic delete-records orders --partitions 0,1 --before-offset 1000",
       {{"before-offset", 'o', "N",
         "delete records below offset N; -1 deletes everything below the high "
         "watermark"},
        {"partitions", 'p', "P[,P...]", "partitions (default: all)"}},
       1,
       1,
       topic_delete_records});
}

}  // namespace eddy::cli
