// eddyctl partition reassign | reassignments: partition reassignments (KIP-455) as Kafka's
// kafka-reassign-partitions.sh does them: a JSON plan
//   {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}, ...]}
// is executed (AlterPartitionReassignments) or cancelled (--cancel: the same partitions with no
// target), and --generate proposes a plan that spreads the named topics over the named brokers.
// Any broker takes them and forwards them to the active controller. --throttle and --verify
// set and clear the plan's replication throttle as Kafka's tool does (reassign_throttle.h).

#include <cctype>
#include <climits>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/reassign_throttle.h"
#include "cli/app/table.h"
#include "cli/app/util.h"
#include "protocol/errors.h"
#include "protocol/generated/alter_partition_reassignments.h"
#include "protocol/generated/list_partition_reassignments.h"

namespace eddy::cli {

namespace {

using protocol::AlterPartitionReassignmentsRequest;
using protocol::AlterPartitionReassignmentsResponse;
using protocol::ListPartitionReassignmentsRequest;
using protocol::ListPartitionReassignmentsResponse;

// A parsed JSON value: just what a plan needs (numbers are integers).
struct Value {
  using Array = std::vector<Value>;
  using Object = std::map<std::string, Value>;
  std::variant<std::nullptr_t, bool, int64_t, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v = nullptr;
  const Object* object() const {
    auto* o = std::get_if<std::shared_ptr<Object>>(&v);
    return o ? o->get() : nullptr;
  }
  const Array* array() const {
    auto* a = std::get_if<std::shared_ptr<Array>>(&v);
    return a ? a->get() : nullptr;
  }
  const Value* get(const std::string& key) const {
    const Object* o = object();
    if (o == nullptr) return nullptr;
    auto it = o->find(key);
    return it == o->end() ? nullptr : &it->second;
  }
};

// A strict recursive-descent reader of RFC 8259 text; bounded depth.
class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}
  Result<Value> parse() {
    EDDY_ASSIGN_OR_RETURN(Value v, value(0));
    skip();
    if (pos_ != s_.size()) return error("trailing text");
    return v;
  }

 private:
  Status error(const std::string& what) const {
    return invalid_argument("plan: " + what + " at byte " + std::to_string(pos_));
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Result<std::string> string() {
    if (!eat('"')) return error("expected a string");
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c == '\\') {
        if (pos_ >= s_.size()) break;
        char e = s_[pos_++];
        if (e == 'u') return error("\\u escapes are not supported in a plan");
        out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
      } else {
        out.push_back(c);
      }
    }
    if (!eat('"')) return error("unterminated string");
    return out;
  }
  Result<Value> value(int depth) {
    if (depth > 16) return error("nested too deep");
    skip();
    if (pos_ >= s_.size()) return error("unexpected end");
    Value v;
    char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      auto o = std::make_shared<Value::Object>();
      if (!eat('}')) {
        do {
          EDDY_ASSIGN_OR_RETURN(std::string key, string());
          if (!eat(':')) return error("expected ':'");
          EDDY_ASSIGN_OR_RETURN(Value member, value(depth + 1));
          (*o)[key] = std::move(member);
        } while (eat(','));
        if (!eat('}')) return error("expected '}'");
      }
      v.v = o;
    } else if (c == '[') {
      ++pos_;
      auto a = std::make_shared<Value::Array>();
      if (!eat(']')) {
        do {
          EDDY_ASSIGN_OR_RETURN(Value item, value(depth + 1));
          a->push_back(std::move(item));
        } while (eat(','));
        if (!eat(']')) return error("expected ']'");
      }
      v.v = a;
    } else if (c == '"') {
      EDDY_ASSIGN_OR_RETURN(std::string str, string());
      v.v = std::move(str);
    } else if (s_.compare(pos_, 4, "null") == 0) {
      pos_ += 4;
    } else if (s_.compare(pos_, 4, "true") == 0) {
      pos_ += 4;
      v.v = true;
    } else if (s_.compare(pos_, 5, "false") == 0) {
      pos_ += 5;
      v.v = false;
    } else {
      size_t end = pos_;
      if (end < s_.size() && s_[end] == '-') ++end;
      while (end < s_.size() && std::isdigit(static_cast<unsigned char>(s_[end]))) ++end;
      if (end == pos_ || end - pos_ > 18) return error("expected a value");
      v.v = static_cast<int64_t>(std::stoll(s_.substr(pos_, end - pos_)));
      pos_ = end;
    }
    return v;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

Result<int32_t> as_int32(const Value* v, const std::string& what) {
  const int64_t* n = v == nullptr ? nullptr : std::get_if<int64_t>(&v->v);
  if (n == nullptr || *n < 0 || *n > INT32_MAX) {
    return invalid_argument("plan: " + what + " must be a non-negative integer");
  }
  return static_cast<int32_t>(*n);
}

// Kafka's reassignment JSON: {"version":1,"partitions":[{"topic","partition","replicas"}]}
// ("log_dirs" is accepted and must be "any": Eddy has one log dir per partition).
Result<std::vector<PlanEntry>> read_plan(const std::string& path) {
  std::ifstream in(path);
  if (!in) return not_found("cannot read the plan " + path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  EDDY_ASSIGN_OR_RETURN(Value root, Parser(s).parse());
  const Value* parts = root.get("partitions");
  if (parts == nullptr || parts->array() == nullptr) {
    return invalid_argument("plan: expected {\"version\":1,\"partitions\":[...]}");
  }
  std::vector<PlanEntry> out;
  for (const Value& p : *parts->array()) {
    PlanEntry e;
    const Value* topic = p.get("topic");
    const std::string* name = topic ? std::get_if<std::string>(&topic->v) : nullptr;
    if (name == nullptr || name->empty()) return invalid_argument("plan: a partition has no topic");
    e.topic = *name;
    EDDY_ASSIGN_OR_RETURN(e.partition, as_int32(p.get("partition"), "partition"));
    const Value* replicas = p.get("replicas");
    if (replicas != nullptr && replicas->array() != nullptr) {
      for (const Value& r : *replicas->array()) {
        EDDY_ASSIGN_OR_RETURN(int32_t id, as_int32(&r, "a replica"));
        e.replicas.push_back(id);
      }
    }
    if (const Value* dirs = p.get("log_dirs"); dirs != nullptr && dirs->array() != nullptr) {
      for (const Value& d : *dirs->array()) {
        const std::string* dir = std::get_if<std::string>(&d.v);
        if (dir == nullptr || *dir != "any") {
          return invalid_argument("plan: log_dirs other than \"any\" are not supported");
        }
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

Json plan_json(const std::vector<PlanEntry>& plan) {
  Json parts = Json::array();
  for (const auto& e : plan) {
    Json replicas = Json::array();
    for (int32_t r : e.replicas) replicas.push(r);
    parts.push(Json::object()
                   .set("topic", e.topic)
                   .set("partition", e.partition)
                   .set("replicas", std::move(replicas)));
  }
  return Json::object().set("version", 1).set("partitions", std::move(parts));
}

// --generate: the current assignment of the topics and a proposal that spreads each topic's
// partitions over `brokers` round-robin (Kafka's rack-unaware assignment with start 0), keeping
// each partition's replica count.
int generate(Context& ctx, AdminClient& admin) {
  auto topics = ctx.args.get("topics");
  auto brokers_arg = ctx.args.get("brokers");
  if (!topics || !brokers_arg) return ctx.usage_error("--generate needs --topics and --brokers");
  auto brokers = parse_int_list(*brokers_arg, "--brokers");
  if (!brokers.is_ok()) return ctx.usage_error(brokers.status().message());
  if (brokers->empty()) return ctx.usage_error("--brokers names no broker");
  std::vector<PlanEntry> current, proposed;
  std::stringstream names(*topics);
  std::string name;
  while (std::getline(names, name, ',')) {
    if (name.empty()) continue;
    auto t = admin.topic_metadata(name);
    if (!t.is_ok()) return ctx.fail(t.status());
    for (const auto& p : t->partitions) {
      current.push_back({name, p.partition_index, p.replica_nodes});
      if (p.replica_nodes.size() > brokers->size()) {
        return ctx.fail(invalid_argument("topic " + name + " has " +
                                         std::to_string(p.replica_nodes.size()) +
                                         " replicas per partition, more than the brokers named"));
      }
      PlanEntry e{name, p.partition_index, {}};
      for (size_t j = 0; j < p.replica_nodes.size(); ++j) {
        e.replicas.push_back((*brokers)[(p.partition_index + j) % brokers->size()]);
      }
      proposed.push_back(std::move(e));
    }
  }
  if (ctx.global.json()) {
    ctx.out << Json::object()
                   .set("current", plan_json(current))
                   .set("proposed", plan_json(proposed))
                   .dump()
            << "\n";
  } else {
    ctx.out << "Current partition replica assignment\n"
            << plan_json(current).dump(0) << "\n\nProposed partition reassignment configuration\n"
            << plan_json(proposed).dump(0) << "\n";
  }
  return kExitOk;
}

template <class Ids>
std::string join(const Ids& ids) {
  std::string out;
  for (int32_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

// The plan partitions' current replicas.
Result<std::map<std::pair<std::string, int32_t>, std::vector<int32_t>>> current_replicas(
    AdminClient& admin, const std::vector<PlanEntry>& plan) {
  std::map<std::pair<std::string, int32_t>, std::vector<int32_t>> out;
  std::set<std::string> topics;
  for (const auto& e : plan) topics.insert(e.topic);
  for (const auto& name : topics) {
    auto t = admin.topic_metadata(name);
    if (!t.is_ok()) return t.status();
    for (const auto& p : t->partitions) out[{name, p.partition_index}] = p.replica_nodes;
  }
  return out;
}

// --throttle N: the brokers' rates and the topics' throttled replicas, before the plan starts.
Status throttle(Context& ctx, AdminClient& admin, const std::vector<PlanEntry>& plan,
                int64_t rate) {
  auto current = current_replicas(admin, plan);
  if (!current.is_ok()) return current.status();
  ReassignmentThrottle t = reassignment_throttle(plan, *current);
  EDDY_RETURN_IF_ERROR(set_reassignment_throttle(admin, t, rate));
  if (!ctx.global.json()) {
    ctx.err << "replication throttled to " << rate << " bytes/s on brokers " << join(t.brokers)
            << "; run --verify until the reassignment is complete, which removes the throttle\n";
  }
  return Status::ok();
}

// --verify: each plan partition's state (Kafka's --verify); once every one is complete, the
// replication throttle is removed (unless --preserve-throttles). Exit 0 when complete, 1 not.
int verify(Context& ctx, AdminClient& admin, const std::vector<PlanEntry>& plan) {
  ListPartitionReassignmentsRequest req;
  req.timeout_ms = ctx.global.timeout_ms;
  auto resp = admin.bootstrap().call<ListPartitionReassignmentsResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  if (resp->error_code != 0) {
    return ctx.fail(kafka_error(resp->error_code, "partition reassignments", resp->error_message));
  }
  std::set<std::pair<std::string, int32_t>> ongoing;
  for (const auto& t : resp->topics) {
    for (const auto& p : t.partitions) ongoing.insert({t.name, p.partition_index});
  }
  auto current = current_replicas(admin, plan);
  if (!current.is_ok()) return ctx.fail(current.status());
  bool complete = true;
  std::set<std::string> topics;
  Json list = Json::array();
  Table table({"TOPIC", "PARTITION", "STATUS"});
  for (const auto& e : plan) {
    topics.insert(e.topic);
    std::string status = "complete";
    if (ongoing.contains({e.topic, e.partition})) {
      status = "in progress";
    } else if (auto it = current->find({e.topic, e.partition});
               it == current->end() || it->second != e.replicas) {
      status = "not reassigned: replicas are " +
               (it == current->end() ? std::string("unknown") : join(it->second));
    }
    complete = complete && status == "complete";
    list.push(
        Json::object().set("topic", e.topic).set("partition", e.partition).set("status", status));
    table.add({e.topic, std::to_string(e.partition), status});
  }
  bool cleared = false;
  if (complete && !ctx.args.has("preserve-throttles")) {
    Status s = clear_reassignment_throttle(admin, topics);
    if (!s.is_ok()) return ctx.fail(s);
    cleared = true;
  }
  if (ctx.global.json()) {
    ctx.out << Json::object()
                   .set("partitions", list)
                   .set("complete", complete)
                   .set("throttle_cleared", cleared)
                   .dump()
            << "\n";
  } else {
    ctx.out << table.render();
    if (cleared)
      ctx.out << "replication throttle removed from every broker and the plan's topics\n";
  }
  return complete ? kExitOk : kExitError;
}

int partition_reassign(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  if (ctx.args.has("generate")) return generate(ctx, **admin);
  auto path = ctx.args.get("plan");
  if (!path) return ctx.usage_error("give --plan FILE (or --generate)");
  auto plan = read_plan(*path);
  if (!plan.is_ok()) return ctx.fail(plan.status());
  if (ctx.args.has("verify")) return verify(ctx, **admin, *plan);
  const bool cancel = ctx.args.has("cancel");
  if (ctx.args.has("throttle")) {
    if (cancel) return ctx.usage_error("--throttle applies to a plan being executed, not --cancel");
    auto rate = ctx.args.get_int("throttle", -1, 0, INT64_MAX);
    if (!rate.is_ok()) return ctx.usage_error(rate.status().message());
    Status s = throttle(ctx, **admin, *plan, *rate);
    if (!s.is_ok()) return ctx.fail(s);
  }
  AlterPartitionReassignmentsRequest req;
  req.timeout_ms = ctx.global.timeout_ms;
  std::map<std::string, size_t> index;
  for (const auto& e : *plan) {
    if (!cancel && e.replicas.empty()) {
      return ctx.fail(invalid_argument("plan: " + e.topic + "/" + std::to_string(e.partition) +
                                       " has no replicas"));
    }
    auto [it, fresh] = index.try_emplace(e.topic, req.topics.size());
    if (fresh) req.topics.emplace_back().name = e.topic;
    AlterPartitionReassignmentsRequest::ReassignablePartition p;
    p.partition_index = e.partition;
    if (!cancel) p.replicas = e.replicas;
    req.topics[it->second].partitions.push_back(std::move(p));
  }
  auto resp = (*admin)->bootstrap().call<AlterPartitionReassignmentsResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  if (resp->error_code != 0) {
    return ctx.fail(kafka_error(resp->error_code, "partition reassign", resp->error_message));
  }
  bool failed = false;
  Json results = Json::array();
  Table t({"TOPIC", "PARTITION", "RESULT"});
  for (const auto& topic : resp->responses) {
    for (const auto& p : topic.partitions) {
      std::string result = cancel ? "cancelled" : "started";
      if (p.error_code != 0) {
        failed = true;
        result = protocol::error_name(static_cast<protocol::ErrorCode>(p.error_code));
        if (p.error_message && !p.error_message->empty()) result += ": " + *p.error_message;
      }
      results.push(Json::object()
                       .set("topic", topic.name)
                       .set("partition", p.partition_index)
                       .set("error_code", p.error_code)
                       .set("result", result));
      t.add({topic.name, std::to_string(p.partition_index), result});
    }
  }
  if (ctx.global.json()) {
    ctx.out << Json::object().set("results", results).dump() << "\n";
  } else {
    ctx.out << t.render();
  }
  return failed ? kExitError : kExitOk;
}

int partition_reassignments(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  ListPartitionReassignmentsRequest req;
  req.timeout_ms = ctx.global.timeout_ms;
  if (!ctx.args.positionals.empty()) {
    req.topics.emplace();
    for (const auto& name : ctx.args.positionals) {
      auto t = (*admin)->topic_metadata(name);
      if (!t.is_ok()) return ctx.fail(t.status());
      ListPartitionReassignmentsRequest::ListPartitionReassignmentsTopics lt;
      lt.name = name;
      for (const auto& p : t->partitions) lt.partition_indexes.push_back(p.partition_index);
      req.topics->push_back(std::move(lt));
    }
  }
  auto resp = (*admin)->bootstrap().call<ListPartitionReassignmentsResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  if (resp->error_code != 0) {
    return ctx.fail(kafka_error(resp->error_code, "partition reassignments", resp->error_message));
  }
  auto ids = [](const std::vector<int32_t>& v) {
    Json a = Json::array();
    for (int32_t id : v) a.push(id);
    return a;
  };
  Json list = Json::array();
  Table t({"TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING"});
  for (const auto& topic : resp->topics) {
    for (const auto& p : topic.partitions) {
      list.push(Json::object()
                    .set("topic", topic.name)
                    .set("partition", p.partition_index)
                    .set("replicas", ids(p.replicas))
                    .set("adding_replicas", ids(p.adding_replicas))
                    .set("removing_replicas", ids(p.removing_replicas)));
      t.add({topic.name, std::to_string(p.partition_index), join(p.replicas),
             join(p.adding_replicas), join(p.removing_replicas)});
    }
  }
  if (ctx.global.json()) {
    ctx.out << Json::object().set("reassignments", list).dump() << "\n";
  } else if (resp->topics.empty()) {
    ctx.out << "no reassignment in progress\n";
  } else {
    ctx.out << t.render();
  }
  return kExitOk;
}

}  // namespace

void register_partition_commands(std::vector<CommandSpec>& out) {
  out.push_back(
      {{"partition", "reassign"},
       "move partition replicas (a JSON plan like Kafka's), cancel, or --generate a plan",
       "",
       "--plan FILE starts the reassignments of a plan {\"version\":1,\"partitions\":[{\"topic\":"
       "\"t\",\"partition\":0,\"replicas\":[1,2,3]}]}: the new replicas catch up and join the "
       "ISR, then the old ones leave. With --cancel the plan's partitions go back to their "
       "replicas before the reassignment. --generate --topics T1,T2 --brokers 1,2,3 prints the "
       "current assignment and a proposal spreading the topics over those brokers (nothing is "
       "changed). Exit 1 when a partition was refused.\n--throttle BYTES_PER_S (with --plan) "
       "first limits the replication of the moved replicas as kafka-reassign-partitions "
       "--throttle does: leader.replication.throttled.rate and follower.replication.throttled.rate "
       "on every broker taking part, leader.replication.throttled.replicas (the current "
       "replicas) and follower.replication.throttled.replicas (the new ones) on each moved "
       "topic. --verify --plan FILE shows each partition's state and, once every one is "
       "complete, removes those keys from every broker and the plan's topics (unless "
       "--preserve-throttles); exit 1 while not complete.",
       {{"plan", 0, "FILE", "the reassignment plan (Kafka's JSON)"},
        {"cancel", 0, "", "cancel the plan's reassignments in progress"},
        {"generate", 0, "", "propose a plan instead of executing one"},
        {"throttle", 0, "BYTES_PER_S", "limit the moved replicas' replication to this rate"},
        {"verify", 0, "", "show the plan's progress; remove the throttle once complete"},
        {"preserve-throttles", 0, "", "--verify: keep the throttle after completion"},
        {"topics", 0, "T1,T2", "--generate: the topics to move"},
        {"brokers", 0, "1,2,3", "--generate: the brokers to spread them over"}},
       0,
       0,
       partition_reassign});
  out.push_back({{"partition", "reassignments"},
                 "list the partition reassignments in progress",
                 "[TOPIC...]",
                 "",
                 {},
                 0,
                 1000,
                 partition_reassignments});
}

}  // namespace eddy::cli
