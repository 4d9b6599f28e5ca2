// eddyctl group list | describe | delete | delete-offsets. (reset-offsets: group_reset.cc.)

#include <algorithm>
#include <ostream>
#include <set>

#include "cli/app/command.h"
#include "cli/app/describe_many.h"
#include "cli/app/group_util.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "client/kafka_error.h"
#include "protocol/errors.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/reader.h"

namespace eddy::cli {

int group_reset_offsets(Context& ctx);

Result<std::vector<TopicPartition>> decode_consumer_assignment(ByteSpan bytes) {
  std::vector<TopicPartition> out;
  if (bytes.empty()) return out;
  protocol::Reader r(bytes);
  r.read_int16();  // ConsumerProtocolAssignment version; v0-v3 share this prefix
  int32_t topics = r.read_array_length(false, false, 6);
  for (int32_t t = 0; t < topics && r.ok(); ++t) {
    std::string topic = r.read_string(false, false).value_or("");
    int32_t parts = r.read_array_length(false, false, 4);
    for (int32_t p = 0; p < parts && r.ok(); ++p) out.push_back({topic, r.read_int32()});
  }
  if (!r.ok()) return corruption("bad consumer assignment: " + r.status().message());
  return out;
}

Result<protocol::DescribeGroupsResponse::DescribedGroup> describe_group(AdminClient& admin,
                                                                        const std::string& group) {
  EDDY_ASSIGN_OR_RETURN(Connection * conn, admin.coordinator(group));
  protocol::DescribeGroupsRequest req;
  req.groups = {group};
  EDDY_ASSIGN_OR_RETURN(auto resp, conn->call<protocol::DescribeGroupsResponse>(req));
  if (resp.groups.empty()) return internal_error("DescribeGroups answered no group");
  auto& g = resp.groups.front();
  EDDY_RETURN_IF_ERROR(
      kafka_error(g.error_code, "describe group '" + group + "'", g.error_message));
  // Kafka answers an unknown group with state Dead and no error.
  if (g.group_state == "Dead") return kafka_error(69, "describe group '" + group + "'");
  return std::move(g);
}

namespace {

using namespace protocol;

struct GroupRow {
  std::string id, state, type;
  int32_t coordinator;
};

// Every group of the cluster, by id: each broker lists only the groups it coordinates.
Result<std::vector<GroupRow>> list_all_groups(AdminClient& admin) {
  EDDY_ASSIGN_OR_RETURN(auto md, admin.metadata(std::vector<std::string>{}));
  std::vector<GroupRow> rows;
  for (const auto& b : md.brokers) {
    EDDY_ASSIGN_OR_RETURN(auto* conn, admin.broker(b.node_id));
    ListGroupsRequest req;
    EDDY_ASSIGN_OR_RETURN(auto resp, conn->call<ListGroupsResponse>(req));
    EDDY_RETURN_IF_ERROR(
        kafka_error(resp.error_code, "list groups on broker " + std::to_string(b.node_id)));
    for (const auto& g : resp.groups) {
      rows.push_back({g.group_id, g.group_state, g.protocol_type, b.node_id});
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const GroupRow& x, const GroupRow& y) { return x.id < y.id; });
  return rows;
}

int group_list(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  auto rows = list_all_groups(**admin);
  if (!rows.is_ok()) return ctx.fail(rows.status());
  Json arr = Json::array();
  Table t({"GROUP", "STATE", "PROTOCOL-TYPE", "COORDINATOR"});
  auto or_null = [](const std::string& v) { return v.empty() ? Json() : Json(v); };
  for (const auto& r : *rows) {
    arr.push(Json::object()
                 .set("group", r.id)
                 .set("state", or_null(r.state))
                 .set("protocol_type", or_null(r.type))
                 .set("coordinator", r.coordinator));
    t.add({r.id, r.state.empty() ? "-" : r.state, r.type.empty() ? "-" : r.type,
           std::to_string(r.coordinator)});
  }
  ctx.out << (ctx.global.json() ? arr.dump() + "\n" : t.render());
  return kExitOk;
}

// One group: to ctx.out as tables, or (json != nullptr) as an object appended to *json.
int describe_one_group(Context& ctx, AdminClient* admin, const std::string& group, Json* json) {
  auto g = describe_group(*admin, group);
  if (!g.is_ok()) return ctx.fail(g.status());
  struct Owner {
    std::string member, client, host;
  };
  std::map<TopicPartition, Owner> owners;
  Json members = Json::array();
  Table mt({"MEMBER-ID", "CLIENT-ID", "HOST", "ASSIGNMENT"});
  for (const auto& m : g->members) {
    std::vector<TopicPartition> assigned;
    if (g->protocol_type == "consumer") {
      auto decoded = decode_consumer_assignment(m.member_assignment);
      if (decoded.is_ok()) assigned = *decoded;
    }
    std::string summary;
    Json parts = Json::array();
    for (const auto& tp : assigned) {
      owners[tp] = {m.member_id, m.client_id, m.client_host};
      summary += (summary.empty() ? "" : ",") + tp.topic + "/" + std::to_string(tp.partition);
      parts.push(Json::object().set("topic", tp.topic).set("partition", tp.partition));
    }
    mt.add({m.member_id, m.client_id, m.client_host, summary.empty() ? "-" : summary});
    members.push(
        Json::object()
            .set("member_id", m.member_id)
            .set("group_instance_id", m.group_instance_id ? Json(*m.group_instance_id) : Json())
            .set("client_id", m.client_id)
            .set("host", m.client_host)
            .set("assignment", parts));
  }
  auto committed = admin->committed_offsets(group, std::nullopt);
  if (!committed.is_ok()) return ctx.fail(committed.status());
  std::set<TopicPartition> all;
  for (const auto& [tp, off] : *committed) all.insert(tp);
  for (const auto& [tp, owner] : owners) all.insert(tp);
  std::map<TopicPartition, int64_t> ends;
  if (!all.empty()) {
    auto e = admin->list_offsets({all.begin(), all.end()}, kLatestTimestamp);
    if (!e.is_ok()) return ctx.fail(e.status());
    ends = *e;
  }
  Json offsets = Json::array();
  Table ot({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID", "HOST",
            "CLIENT-ID"});
  int64_t total_lag = 0;
  for (const auto& tp : all) {
    auto c = committed->find(tp);
    int64_t end = ends.contains(tp) ? ends[tp] : -1;
    bool has = c != committed->end();
    int64_t lag = has && end >= 0 ? std::max<int64_t>(0, end - c->second) : -1;
    if (lag > 0) total_lag += lag;
    auto o = owners.find(tp);
    Owner owner = o == owners.end() ? Owner{"-", "-", "-"} : o->second;
    ot.add({tp.topic, std::to_string(tp.partition), has ? std::to_string(c->second) : "-",
            std::to_string(end), lag >= 0 ? std::to_string(lag) : "-", owner.member, owner.host,
            owner.client});
    offsets.push(Json::object()
                     .set("topic", tp.topic)
                     .set("partition", tp.partition)
                     .set("committed_offset", has ? Json(c->second) : Json())
                     .set("log_end_offset", end)
                     .set("lag", lag >= 0 ? Json(lag) : Json())
                     .set("member_id", o == owners.end() ? Json() : Json(owner.member)));
  }
  if (json != nullptr) {
    json->push(Json::object()
                   .set("group", group)
                   .set("state", g->group_state)
                   .set("protocol_type", g->protocol_type)
                   .set("protocol", g->protocol_data)
                   .set("members", members)
                   .set("offsets", offsets)
                   .set("total_lag", total_lag));
    return kExitOk;
  }
  ctx.out << "GROUP:          " << group << "\n"
          << "STATE:          " << g->group_state << "\n"
          << "PROTOCOL-TYPE:  " << (g->protocol_type.empty() ? "-" : g->protocol_type) << "\n"
          << "ASSIGNOR:       " << (g->protocol_data.empty() ? "-" : g->protocol_data) << "\n"
          << "MEMBERS:        " << g->members.size() << "\n"
          << "TOTAL-LAG:      " << total_lag << "\n\n";
  if (!mt.empty()) ctx.out << mt.render() << "\n";
  ctx.out << (ot.empty() ? std::string("no committed offsets\n") : ot.render());
  return kExitOk;
}

// group describe GROUP... [--regex RE]...: each named group, then every group whose whole id
// matches a regex (ECMAScript), in id order. JSON: one object for a single name, else an array.
int group_describe(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  std::vector<std::string> patterns = ctx.args.all("regex");
  if (ctx.args.positionals.empty() && patterns.empty()) {
    return ctx.usage_error("name a GROUP or give --regex");
  }
  std::vector<std::string> ids;
  if (!patterns.empty()) {
    auto rows = list_all_groups(**admin);
    if (!rows.is_ok()) return ctx.fail(rows.status());
    for (const auto& r : *rows) ids.push_back(r.id);
  }
  auto names = with_regex_matches(ctx.args.positionals, patterns, ids);
  if (!names.is_ok()) return ctx.fail(names.status());
  return describe_many(ctx, *names, "group", ctx.args.positionals.size() == 1 && patterns.empty(),
                       [&](const std::string& group, Json* json) {
                         return describe_one_group(ctx, *admin, group, json);
                       });
}

int group_delete(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  int code = kExitOk;
  Json arr = Json::array();
  Table t({"GROUP", "STATUS"});
  for (const auto& group : ctx.args.positionals) {
    Status s;
    auto conn = (*admin)->coordinator(group);
    if (!conn.is_ok()) {
      s = conn.status();
    } else {
      DeleteGroupsRequest req;
      req.groups_names = {group};
      auto resp = (*conn)->call<DeleteGroupsResponse>(req);
      if (!resp.is_ok()) return ctx.fail(resp.status());
      for (const auto& r : resp->results) {
        s = kafka_error(r.error_code, "delete group '" + r.group_id + "'");
      }
    }
    if (!s.is_ok()) {
      int c = s.code() == StatusCode::kNotFound ? kExitNotFound : kExitError;
      if (code == kExitOk || c == kExitError) code = c;
      ctx.err << "eddyctl: " << s.message() << "\n";
    }
    t.add({group, s.is_ok() ? "DELETED" : "FAILED"});
    arr.push(Json::object()
                 .set("group", group)
                 .set("ok", s.is_ok())
                 .set("error", s.is_ok() ? Json() : Json(s.message())));
  }
  ctx.out << (ctx.global.json() ? arr.dump() + "\n" : t.render());
  return code;
}

int group_delete_offsets(Context& ctx) {
  const std::string& group = ctx.args.positionals[0];
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  auto tps = select_partitions(ctx, **admin);
  if (!tps.is_ok()) return ctx.fail(tps.status());
  OffsetDeleteRequest req;
  req.group_id = group;
  for (const auto& tp : *tps) {
    if (req.topics.empty() || req.topics.back().name != tp.topic)
      req.topics.push_back({tp.topic, {}});
    req.topics.back().partitions.push_back({tp.partition});
  }
  auto conn = (*admin)->coordinator(group);
  if (!conn.is_ok()) return ctx.fail(conn.status());
  auto resp = (*conn)->call<OffsetDeleteResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  Status top = kafka_error(resp->error_code, "delete offsets of group '" + group + "'");
  if (!top.is_ok()) return ctx.fail(top);
  int code = kExitOk;
  Json arr = Json::array();
  Table t({"TOPIC", "PARTITION", "STATUS"});
  for (const auto& rt : resp->topics) {
    for (const auto& rp : rt.partitions) {
      Status s = kafka_error(
          rp.error_code, "delete offset of " + rt.name + "/" + std::to_string(rp.partition_index));
      if (!s.is_ok()) {
        ctx.err << "eddyctl: " << s.message() << "\n";
        code = kExitError;
      }
      t.add({rt.name, std::to_string(rp.partition_index),
             s.is_ok() ? "DELETED" : error_name(ErrorCode{rp.error_code})});
      arr.push(Json::object()
                   .set("topic", rt.name)
                   .set("partition", rp.partition_index)
                   .set("error", s.is_ok() ? Json() : Json(s.message())));
    }
  }
  ctx.out << (ctx.global.json() ? arr.dump() + "\n" : t.render());
  return code;
}

}  // namespace

const std::vector<OptionSpec>& partition_selection_options() {
  static const std::vector<OptionSpec> kOptions = {
      {"topic", 't', "TOPIC[:P,P...]", "a topic, or some of its partitions; repeatable"},
      {"all-topics", 0, "", "every topic the group has committed offsets for"},
  };
  return kOptions;
}

void register_group_commands(std::vector<CommandSpec>& out) {
  out.push_back({{"group", "list"}, "list consumer groups", "", "", {}, 0, 0, group_list});
  out.push_back({{"group", "describe"},
                 "show a group's state, members, assignments, committed offsets and lag",
                 "[GROUP...]",
                 "Several groups: name them, or match their whole ids with --regex "
                 "(repeatable).\nJSON: an object for one named group, else an array.",
                 {{"regex", 'E', "RE", "also every group whose whole id matches RE"}},
                 0,
                 1000,
                 group_describe});
  out.push_back({{"group", "delete"},
                 "delete consumer groups (they must have no members)",
                 "GROUP [GROUP...]",
                 "",
                 {},
                 1,
                 1000,
                 group_delete});
  std::vector<OptionSpec> reset = partition_selection_options();
  reset.insert(reset.end(),
               {{"to-earliest", 0, "", "reset to the log start offset"},
                {"to-latest", 0, "", "reset to the log end offset"},
                {"to-offset", 0, "N", "reset to offset N (clamped to the log)"},
                {"to-datetime", 0, "TIME", "the first offset at or after TIME (ISO 8601 or ms)"},
                {"by-duration", 0, "DURATION", "the first offset DURATION ago (30m, 2h, 7d)"},
                {"shift-by", 0, "N", "move the committed offset by N (may be negative)"},
                {"dry-run", 0, "", "show the plan and change nothing"},
                {"execute", 0, "", "commit the new offsets"}});
  out.push_back({{"group", "reset-offsets"},
                 "move a group's committed offsets (the group must be empty)",
                 "GROUP",
                 "Give one target and either --dry-run (show the plan) or --execute.\n"
                 "Example: eddyctl group reset-offsets billing --topic orders --by-duration 2h "
                 "--dry-run",
                 reset,
                 1,
                 1,
                 group_reset_offsets});
  out.push_back({{"group", "delete-offsets"},
                 "delete a group's committed offsets for topics or partitions",
                 "GROUP",
                 "",
                 partition_selection_options(),
                 1,
                 1,
                 group_delete_offsets});
}

}  // namespace eddy::cli
