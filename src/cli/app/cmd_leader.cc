// eddyctl leader elect: preferred or unclean leader elections (ElectLeaders, as Kafka's
// kafka-leader-election.sh), for named partitions, every partition of named topics, or every
// partition of the cluster. Any broker takes it and forwards it to the active controller.

#include <climits>
#include <cstdlib>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "protocol/errors.h"
#include "protocol/generated/elect_leaders.h"

namespace eddy::cli {

namespace {

using protocol::ElectLeadersRequest;
using protocol::ElectLeadersResponse;

// "TOPIC" (every partition) or "TOPIC/PARTITION" into the request's topic list.
Status add_target(AdminClient& admin, const std::string& arg,
                  std::map<std::string, std::vector<int32_t>>* out) {
  auto slash = arg.rfind('/');
  if (slash != std::string::npos) {
    std::string topic = arg.substr(0, slash);
    std::string part = arg.substr(slash + 1);
    char* end = nullptr;
    long p = std::strtol(part.c_str(), &end, 10);
    if (topic.empty() || part.empty() || *end != '\0' || p < 0 || p > INT32_MAX) {
      return invalid_argument("expected TOPIC or TOPIC/PARTITION, got '" + arg + "'");
    }
    (*out)[topic].push_back(static_cast<int32_t>(p));
    return Status::ok();
  }
  EDDY_ASSIGN_OR_RETURN(auto t, admin.topic_metadata(arg));
  for (const auto& p : t.partitions) (*out)[arg].push_back(p.partition_index);
  return Status::ok();
}

int leader_elect(Context& ctx) {
  const bool preferred = ctx.args.has("preferred");
  const bool unclean = ctx.args.has("unclean");
  const bool all = ctx.args.has("all");
  if (preferred == unclean) return ctx.usage_error("give one of --preferred and --unclean");
  if (all == !ctx.args.positionals.empty()) {
    return ctx.usage_error("give TOPIC[/PARTITION] arguments or --all");
  }
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  ElectLeadersRequest req;
  req.election_type = unclean ? 1 : 0;
  req.timeout_ms = ctx.global.timeout_ms;
  if (all) {
    req.topic_partitions = std::nullopt;
  } else {
    std::map<std::string, std::vector<int32_t>> targets;
    for (const auto& arg : ctx.args.positionals) {
      if (Status s = add_target(**admin, arg, &targets); !s) return ctx.fail(s);
    }
    for (auto& [topic, partitions] : targets) {
      ElectLeadersRequest::TopicPartitions tp;
      tp.topic = topic;
      tp.partitions = std::move(partitions);
      req.topic_partitions->push_back(std::move(tp));
    }
  }
  auto resp = (*admin)->bootstrap().call<ElectLeadersResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  if (resp->error_code != 0) return ctx.fail(kafka_error(resp->error_code, "leader elect"));
  const int16_t not_needed = protocol::to_int(protocol::ErrorCode::kElectionNotNeeded);
  bool failed = false;
  size_t partitions = 0;  // a null list's answer lists every topic, most with no partition
  Json results = Json::array();
  Table t({"TOPIC", "PARTITION", "RESULT"});
  for (const auto& topic : resp->replica_election_results) {
    for (const auto& p : topic.partition_result) {
      ++partitions;
      if (p.error_code != 0 && p.error_code != not_needed) failed = true;
      std::string result =
          p.error_code == 0 ? "elected"
          : p.error_code == not_needed
              ? "not needed"
              : protocol::error_name(static_cast<protocol::ErrorCode>(p.error_code)) +
                    std::string(p.error_message && !p.error_message->empty()
                                    ? ": " + *p.error_message
                                    : "");
      results.push(Json::object()
                       .set("topic", topic.topic)
                       .set("partition", p.partition_id)
                       .set("error_code", p.error_code)
                       .set("result", result));
      t.add({topic.topic, std::to_string(p.partition_id), result});
    }
  }
  if (ctx.global.json()) {
    ctx.out << Json::object().set("results", results).dump() << "\n";
  } else if (partitions == 0) {
    ctx.out << "every partition is led by its preferred leader: no election needed\n";
  } else {
    ctx.out << t.render();
  }
  return failed ? kExitError : kExitOk;
}

}  // namespace

void register_leader_commands(std::vector<CommandSpec>& out) {
  out.push_back({{"leader", "elect"},
                 "elect partition leaders: the preferred replica, or (unclean) any live replica",
                 "[TOPIC[/PARTITION]...]",
                 "--preferred makes each partition's first replica its leader when it is in the "
                 "ISR and live; --unclean elects a live replica outside the ISR for a partition "
                 "without a leader (records it never had may be lost). Name partitions "
                 "(TOPIC/PARTITION), topics (every partition) or --all. Exit 1 when an election "
                 "failed; an election that was not needed is not a failure.",
                 {{"preferred", 0, "", "elect each partition's preferred (first) replica"},
                  {"unclean", 0, "", "elect any live replica of a leaderless partition"},
                  {"all", 0, "", "every partition of the cluster"}},
                 0,
                 1000,
                 leader_elect});
}

}  // namespace eddy::cli
