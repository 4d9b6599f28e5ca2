// eddyctl cluster config get | set | delete: dynamic broker configs, as
// `kafka-configs --entity-type brokers` manages them. Without --broker the target is the
// cluster-wide default (BROKER resource ""); with --broker N it is broker N's own value (resource
// "N"), which wins over the cluster default. DescribeConfigs and IncrementalAlterConfigs for
// broker N go to broker N itself, as Kafka's admin client sends them (a broker describes only
// itself; it forwards the change to the controller, which keeps it in the metadata log).

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <set>

#include "cli/app/alter_configs.h"
#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "cli/app/util.h"
#include "client/kafka_error.h"
#include "protocol/generated/describe_configs.h"
#include "protocol/generated/incremental_alter_configs.h"

namespace eddy::cli {

namespace {

using protocol::DescribeConfigsRequest;
using protocol::DescribeConfigsResponse;
using protocol::IncrementalAlterConfigsRequest;

constexpr int8_t kSourceDynamicBroker = 2;
constexpr int8_t kSourceDynamicDefaultBroker = 3;

// The resource a command addresses and the connection its requests go to.
struct Target {
  std::string resource;  // "" (cluster-wide default) or the broker id
  Connection* conn = nullptr;
  std::string label() const { return resource.empty() ? "cluster" : "broker " + resource; }
};

// Resolves --broker N (absent: the cluster-wide default, asked through the bootstrap broker).
// A broker that is not in the cluster metadata is NOT FOUND.
Result<Target> target(Context& ctx, AdminClient& a) {
  Target t;
  auto id = ctx.args.get_int("broker", -1, 0, INT32_MAX);
  if (!id.is_ok()) return id.status();
  if (*id < 0) {
    t.conn = &a.bootstrap();
    return t;
  }
  auto md = a.metadata(std::vector<std::string>{});
  if (!md.is_ok()) return md.status();
  bool known = std::any_of(md->brokers.begin(), md->brokers.end(),
                           [&](const auto& b) { return b.node_id == *id; });
  if (!known) return not_found("broker " + std::to_string(*id) + " is not in the cluster");
  t.resource = std::to_string(*id);
  auto conn = a.broker(static_cast<int32_t>(*id));
  if (!conn.is_ok()) return conn.status();
  t.conn = *conn;
  return t;
}

using ConfigResult = DescribeConfigsResponse::DescribeConfigsResourceResult;

Json config_json(const ConfigResult& c) {
  Json synonyms = Json::array();
  for (const auto& s : c.synonyms) {
    synonyms.push(Json::object()
                      .set("name", s.name)
                      .set("value", s.value ? Json(*s.value) : Json())
                      .set("source", config_source_name(s.source)));
  }
  return Json::object()
      .set("name", c.name)
      .set("value", c.is_sensitive || !c.value ? Json() : Json(*c.value))
      .set("source", config_source_name(c.config_source))
      .set("dynamic", !c.read_only)
      .set("sensitive", c.is_sensitive)
      .set("synonyms", synonyms);
}

// cluster config get [KEY...] [--broker N] [--all]: the cluster-wide defaults that are set, or
// broker N's dynamic values in effect (its own and the cluster defaults it inherits); --all and
// named KEYs show every (named) key with its effective value and source.
int config_get(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  auto t = target(ctx, **admin);
  if (!t.is_ok()) return ctx.fail(t.status());
  bool all = ctx.args.has("all");
  if (all && t->resource.empty()) {
    return ctx.usage_error("--all lists one broker's effective values: give --broker N");
  }
  const std::vector<std::string>& keys = ctx.args.positionals;
  DescribeConfigsRequest req;
  req.include_synonyms = true;
  req.resources.push_back(
      {kBrokerResource,
       t->resource,
       keys.empty() ? std::nullopt : std::optional<std::vector<std::string>>(keys),
       {}});
  auto resp = t->conn->call<DescribeConfigsResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  if (resp->results.size() != 1) {
    return ctx.fail(corruption("DescribeConfigs answered " + std::to_string(resp->results.size()) +
                               " resources for one"));
  }
  const auto& r = resp->results[0];
  Status s = kafka_error(r.error_code, "describe configs of " + t->label(), r.error_message);
  if (!s.is_ok()) return ctx.fail(s);
  std::vector<ConfigResult> shown;
  std::set<std::string> found;
  for (const auto& c : r.configs) {
    found.insert(c.name);
    bool dynamic_value =
        c.config_source == kSourceDynamicBroker || c.config_source == kSourceDynamicDefaultBroker;
    if (all || !keys.empty() || dynamic_value) shown.push_back(c);
  }
  std::sort(shown.begin(), shown.end(),
            [](const auto& x, const auto& y) { return x.name < y.name; });
  // A named key the cluster-wide resource does not list is simply not set there; on a broker,
  // which lists every key it knows, it is not a broker config at all.
  std::vector<std::string> unknown;
  if (!t->resource.empty()) {
    for (const auto& k : keys) {
      if (!found.contains(k)) unknown.push_back(k);
    }
  }
  if (ctx.global.json()) {
    Json configs = Json::array();
    for (const auto& c : shown) configs.push(config_json(c));
    ctx.out << Json::object()
                   .set("broker", t->resource.empty()
                                      ? Json()
                                      : Json(static_cast<int64_t>(std::stoll(t->resource))))
                   .set("configs", configs)
                   .dump()
            << "\n";
  } else if (shown.empty()) {
    ctx.out << (t->resource.empty() ? "no cluster-wide dynamic configs set\n"
                                    : "no dynamic configs in effect on " + t->label() +
                                          " (--all lists every key)\n");
  } else {
    Table table({"KEY", "VALUE", "SOURCE", "DYNAMIC"});
    for (const auto& c : shown) {
      table.add({c.name, c.is_sensitive ? "<sensitive>" : c.value.value_or("-"),
                 config_source_name(c.config_source), c.read_only ? "no" : "yes"});
    }
    ctx.out << table.render();
  }
  for (const auto& k : unknown) {
    ctx.err << "eddyctl: '" << k << "' is not a broker config of " << t->label() << "\n";
  }
  return unknown.empty() ? kExitOk : kExitNotFound;
}

// One IncrementalAlterConfigs of the target's resource; IncrementalAlterConfigs applies a
// resource's changes all or nothing, so every key shares the outcome.
int alter(Context& ctx, const std::vector<IncrementalAlterConfigsRequest::AlterableConfig>& changes,
          const std::string& done) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  auto t = target(ctx, **admin);
  if (!t.is_ok()) return ctx.fail(t.status());
  const bool validate_only = ctx.args.has("validate-only");
  Status s = alter_resource_configs(*t->conn, kBrokerResource, t->resource, changes, validate_only,
                                    t->label());
  std::string status = !s.is_ok() ? "FAILED" : validate_only ? "VALID" : done;
  if (ctx.global.json()) {
    Json keys = Json::array();
    for (const auto& c : changes) {
      keys.push(Json::object().set("name", c.name).set("value", c.value ? Json(*c.value) : Json()));
    }
    ctx.out << Json::object()
                   .set("broker", t->resource.empty()
                                      ? Json()
                                      : Json(static_cast<int64_t>(std::stoll(t->resource))))
                   .set("ok", s.is_ok())
                   .set("status", status)
                   .set("error", s.is_ok() ? Json() : Json(s.message()))
                   .set("configs", keys)
                   .dump()
            << "\n";
  } else {
    Table table({"TARGET", "KEY", "VALUE", "STATUS"});
    for (const auto& c : changes) table.add({t->label(), c.name, c.value.value_or("-"), status});
    ctx.out << table.render();
  }
  if (!s.is_ok()) {
    ctx.err << "eddyctl: " << s.message() << "\n";
    return s.code() == StatusCode::kNotFound ? kExitNotFound : kExitError;
  }
  return kExitOk;
}

int config_set(Context& ctx) {
  std::vector<IncrementalAlterConfigsRequest::AlterableConfig> changes;
  for (const auto& kv : ctx.args.positionals) {
    auto parsed = split_key_value(kv, "KEY=VALUE");
    if (!parsed.is_ok()) return ctx.fail(parsed.status());
    changes.push_back({parsed->first, kOpSet, parsed->second, {}});
  }
  return alter(ctx, changes, "SET");
}

int config_delete(Context& ctx) {
  std::vector<IncrementalAlterConfigsRequest::AlterableConfig> changes;
  for (const auto& key : ctx.args.positionals)
    changes.push_back({key, kOpDelete, std::nullopt, {}});
  return alter(ctx, changes, "DELETED");
}

const OptionSpec kBrokerOption = {
    "broker", 0, "N", "broker N's own value (default: the cluster-wide default of every broker)"};

}  // namespace

void register_config_commands(std::vector<CommandSpec>& out) {
  const std::string how =
      "Dynamic broker configs are the broker defaults of the topic keys (log.retention.ms, "
      "log.segment.bytes, ...) and the log cleaner's settings (log.cleaner.threads, "
      "log.cleaner.io.max.bytes.per.second, ...). A broker's value comes from, strongest first: "
      "its own dynamic "
      "value (--broker N), the cluster-wide dynamic default, its config file, the built-in "
      "default. They are kept in the metadata log, so every broker applies them at once and "
      "after restarts.";
  out.push_back({{"cluster", "config", "get"},
                 "show dynamic broker configs (cluster-wide defaults, or one broker's)",
                 "[KEY...]",
                 how + "\nWithout --broker: the cluster-wide defaults that are set. With "
                       "--broker N: the dynamic values in effect there; --all or KEYs: every "
                       "(named) key with its value and source.",
                 {kBrokerOption, {"all", 'a', "", "every broker key (with --broker)"}},
                 0,
                 1000,
                 config_get});
  out.push_back({{"cluster", "config", "set"},
                 "set dynamic broker configs",
                 "KEY=VALUE [KEY=VALUE...]",
                 how + "\nExample: eddyctl cluster config set log.retention.ms=86400000\n"
                       "A read-only key (set in the config file, restart required) is refused "
                       "with the key named.",
                 {kBrokerOption, {"validate-only", 0, "", "check the change without applying it"}},
                 1,
                 1000,
                 config_set});
  out.push_back({{"cluster", "config", "delete"},
                 "remove dynamic broker configs (back to the next source in line)",
                 "KEY [KEY...]",
                 how,
                 {kBrokerOption, {"validate-only", 0, "", "check the change without applying it"}},
                 1,
                 1000,
                 config_delete});
}

}  // namespace eddy::cli
