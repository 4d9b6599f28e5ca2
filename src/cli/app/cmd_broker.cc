// eddyctl broker list | unregister: the registered brokers (DescribeCluster v2 with fenced
// brokers, KIP-1073) and the removal of a broker's registration (UnregisterBroker, as Kafka's
// `kafka-cluster unregister`).

#include <climits>
#include <cstdlib>
#include <ostream>

#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "protocol/generated/describe_cluster.h"
#include "protocol/generated/unregister_broker.h"

namespace eddy::cli {

namespace {

using protocol::DescribeClusterRequest;
using protocol::DescribeClusterResponse;

int broker_list(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  DescribeClusterRequest req;
  req.include_fenced_brokers = true;
  auto resp = (*admin)->bootstrap().call<DescribeClusterResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  if (resp->error_code != 0) {
    return ctx.fail(kafka_error(resp->error_code, "broker list", resp->error_message));
  }
  if (ctx.global.json()) {
    Json brokers = Json::array();
    for (const auto& b : resp->brokers) {
      brokers.push(Json::object()
                       .set("node_id", b.broker_id)
                       .set("host", b.host)
                       .set("port", b.port)
                       .set("rack", b.rack ? Json(*b.rack) : Json())
                       .set("fenced", b.is_fenced)
                       .set("controller", b.broker_id == resp->controller_id));
    }
    ctx.out << Json::object().set("brokers", brokers).dump() << "\n";
    return kExitOk;
  }
  Table t({"NODE", "ENDPOINT", "RACK", "FENCED", "CONTROLLER"});
  for (const auto& b : resp->brokers) {
    t.add({std::to_string(b.broker_id), b.host + ":" + std::to_string(b.port), b.rack.value_or("-"),
           b.is_fenced ? "yes" : "no", b.broker_id == resp->controller_id ? "*" : ""});
  }
  ctx.out << t.render();
  return kExitOk;
}

int broker_unregister(Context& ctx) {
  char* end = nullptr;
  const std::string& arg = ctx.args.positionals[0];
  long id = std::strtol(arg.c_str(), &end, 10);
  if (arg.empty() || *end != '\0' || id < 0 || id > INT32_MAX) {
    return ctx.usage_error("expected a broker id, got '" + arg + "'");
  }
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  protocol::UnregisterBrokerRequest req;
  req.broker_id = static_cast<int32_t>(id);
  auto resp = (*admin)->bootstrap().call<protocol::UnregisterBrokerResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  if (resp->error_code != 0) {
    return ctx.fail(kafka_error(resp->error_code, "broker unregister " + arg, resp->error_message));
  }
  if (ctx.global.json()) {
    ctx.out << Json::object().set("unregistered", static_cast<int64_t>(id)).dump() << "\n";
  } else {
    ctx.out << "unregistered broker " << id << "\n";
  }
  return kExitOk;
}

}  // namespace

void register_broker_commands(std::vector<CommandSpec>& out) {
  out.push_back({{"broker", "list"},
                 "list every registered broker: endpoint, rack, fenced, controller",
                 "",
                 "Fenced brokers (stopped, or silent past broker.session.timeout.ms) are listed "
                 "too, unlike in `cluster info`.",
                 {},
                 0,
                 0,
                 broker_list});
  out.push_back({{"broker", "unregister"},
                 "remove a broker's registration (a decommissioned broker)",
                 "ID",
                 "The broker leaves every ISR and its leaderships move first. A broker that is "
                 "still running registers again at its next heartbeat.",
                 {},
                 1,
                 1,
                 broker_unregister});
}

}  // namespace eddy::cli
