// eddyctl group reset-offsets: plan new committed offsets from one target (earliest, latest, an
// offset, a time, a duration ago, a shift), show the plan, and commit it only with --execute.
// Like kafka-consumer-groups.sh, it refuses a group with members: their commits would overwrite
// the reset at once.

#include <algorithm>
#include <ostream>
#include <set>

#include "cli/app/group_util.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "cli/app/util.h"
#include "client/kafka_error.h"
#include "protocol/generated/offset_commit.h"

namespace eddy::cli {

using namespace protocol;

Result<std::vector<TopicPartition>> select_partitions(Context& ctx, AdminClient& admin) {
  std::set<TopicPartition> out;
  if (ctx.args.has("all-topics")) {
    EDDY_ASSIGN_OR_RETURN(auto committed,
                          admin.committed_offsets(ctx.args.positionals[0], std::nullopt));
    for (const auto& [tp, off] : committed) out.insert(tp);
  }
  for (const auto& spec : ctx.args.all("topic")) {
    size_t colon = spec.find(':');
    std::string topic = spec.substr(0, colon);
    EDDY_ASSIGN_OR_RETURN(auto md, admin.topic_metadata(topic));
    if (colon == std::string::npos) {
      for (const auto& p : md.partitions) out.insert({topic, p.partition_index});
      continue;
    }
    EDDY_ASSIGN_OR_RETURN(auto parts, parse_int_list(spec.substr(colon + 1), "--topic " + spec));
    for (int32_t p : parts) {
      bool exists = std::any_of(md.partitions.begin(), md.partitions.end(),
                                [&](const auto& mp) { return mp.partition_index == p; });
      if (!exists) return kafka_error(3, "partition " + topic + "/" + std::to_string(p));
      out.insert({topic, p});
    }
  }
  if (out.empty() && !ctx.args.has("all-topics") && ctx.args.all("topic").empty()) {
    return invalid_argument("name the partitions: --topic TOPIC[:P,P...] or --all-topics");
  }
  return std::vector<TopicPartition>(out.begin(), out.end());
}

int group_reset_offsets(Context& ctx) {
  const std::string& group = ctx.args.positionals[0];
  const char* targets[] = {"to-earliest", "to-latest",   "to-offset",
                           "to-datetime", "by-duration", "shift-by"};
  int given = 0;
  for (const char* t : targets) given += ctx.args.has(t) ? 1 : 0;
  if (given != 1) {
    return ctx.usage_error(
        "give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, "
        "--by-duration, --shift-by");
  }
  bool dry_run = ctx.args.has("dry-run");
  if (dry_run == ctx.args.has("execute")) {
    return ctx.usage_error("give --dry-run to see the plan, or --execute to apply it");
  }
  // Parse the target before touching the network, so a typo is a usage error.
  int64_t timestamp = 0, offset = 0, shift = 0;
  if (auto v = ctx.args.get("to-datetime")) {
    auto ts = parse_timestamp_ms(*v);
    if (!ts.is_ok()) return ctx.fail(ts.status());
    timestamp = *ts;
  }
  if (auto v = ctx.args.get("by-duration")) {
    auto d = parse_duration_ms(*v);
    if (!d.is_ok()) return ctx.fail(d.status());
    timestamp = now_ms() - *d;
  }
  if (ctx.args.has("to-offset")) {
    auto o = ctx.args.get_int("to-offset", 0, 0, INT64_MAX);
    if (!o.is_ok()) return ctx.fail(o.status());
    offset = *o;
  }
  if (ctx.args.has("shift-by")) {
    auto s = ctx.args.get_int("shift-by", 0, INT64_MIN / 2, INT64_MAX / 2);
    if (!s.is_ok()) return ctx.fail(s.status());
    shift = *s;
  }
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  AdminClient& a = **admin;
  auto tps = select_partitions(ctx, a);
  if (!tps.is_ok()) return ctx.fail(tps.status());
  auto g = describe_group(a, group);
  if (!g.is_ok() && g.status().code() != StatusCode::kNotFound) return ctx.fail(g.status());
  std::string state = g.is_ok() ? g->group_state : "Empty";
  if (g.is_ok() && !g->members.empty()) {
    return ctx.fail(failed_precondition(
        "group '" + group + "' has " + std::to_string(g->members.size()) + " members (state " +
        state + ")\n  hint: stop its consumers first; offsets reset only in an Empty group"));
  }
  auto start = a.list_offsets(*tps, kEarliestTimestamp);
  if (!start.is_ok()) return ctx.fail(start.status());
  auto end = a.list_offsets(*tps, kLatestTimestamp);
  if (!end.is_ok()) return ctx.fail(end.status());
  auto committed = a.committed_offsets(group, *tps);
  if (!committed.is_ok()) return ctx.fail(committed.status());
  std::map<TopicPartition, int64_t> by_time;
  if (ctx.args.has("to-datetime") || ctx.args.has("by-duration")) {
    auto t = a.list_offsets(*tps, timestamp);
    if (!t.is_ok()) return ctx.fail(t.status());
    by_time = *t;
  }
  std::map<TopicPartition, int64_t> plan;
  for (const auto& tp : *tps) {
    int64_t lo = (*start)[tp], hi = (*end)[tp];
    auto c = committed->find(tp);
    int64_t target = hi;
    if (ctx.args.has("to-earliest")) target = lo;
    if (ctx.args.has("to-offset")) target = offset;
    if (!by_time.empty()) target = by_time[tp] < 0 ? hi : by_time[tp];  // none after: the end
    if (ctx.args.has("shift-by")) target = (c == committed->end() ? hi : c->second) + shift;
    plan[tp] = std::clamp(target, lo, hi);
  }
  if (!dry_run) {
    OffsetCommitRequest req;
    req.group_id = group;
    for (const auto& [tp, off] : plan) {
      if (req.topics.empty() || req.topics.back().name != tp.topic) {
        req.topics.push_back({});
        req.topics.back().name = tp.topic;
      }
      OffsetCommitRequest::OffsetCommitRequestPartition p;
      p.partition_index = tp.partition;
      p.committed_offset = off;
      p.committed_metadata = "";
      req.topics.back().partitions.push_back(p);
    }
    auto conn = a.coordinator(group);
    if (!conn.is_ok()) return ctx.fail(conn.status());
    // v2-v8: a simple (generation -1) commit is accepted for a group with no members.
    auto resp = (*conn)->call<OffsetCommitResponse>(req, 8);
    if (!resp.is_ok()) return ctx.fail(resp.status());
    for (const auto& rt : resp->topics) {
      for (const auto& rp : rt.partitions) {
        Status s = kafka_error(rp.error_code, "commit offset of " + rt.name + "/" +
                                                  std::to_string(rp.partition_index));
        if (!s.is_ok()) return ctx.fail(s);
      }
    }
  }
  Json arr = Json::array();
  Table t({"TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET", "LOG-START", "LOG-END"});
  for (const auto& [tp, off] : plan) {
    auto c = committed->find(tp);
    bool has = c != committed->end();
    t.add({tp.topic, std::to_string(tp.partition), has ? std::to_string(c->second) : "-",
           std::to_string(off), std::to_string((*start)[tp]), std::to_string((*end)[tp])});
    arr.push(Json::object()
                 .set("topic", tp.topic)
                 .set("partition", tp.partition)
                 .set("current_offset", has ? Json(c->second) : Json())
                 .set("new_offset", off)
                 .set("log_start_offset", (*start)[tp])
                 .set("log_end_offset", (*end)[tp]));
  }
  if (ctx.global.json()) {
    ctx.out << Json::object()
                   .set("group", group)
                   .set("executed", !dry_run)
                   .set("partitions", arr)
                   .dump()
            << "\n";
  } else {
    ctx.out << t.render()
            << (dry_run ? "\nDRY RUN: nothing committed; run again with --execute to apply.\n"
                        : "\nCommitted the new offsets.\n");
  }
  return kExitOk;
}

}  // namespace eddy::cli
