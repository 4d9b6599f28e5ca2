// eddyctl cluster info | health | quorum.

#include <chrono>
#include <ostream>

#include "cli/app/command.h"
#include "cli/app/json.h"
#include "cli/app/table.h"
#include "client/kafka_error.h"
#include "protocol/errors.h"
#include "protocol/generated/describe_cluster.h"
#include "protocol/generated/describe_quorum.h"

namespace eddy::cli {

namespace {

using namespace protocol;

int cluster_info(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  AdminClient& a = **admin;
  std::string cluster_id;
  int32_t controller = -1;
  struct Node {
    int32_t id;
    std::string host;
    int32_t port;
    std::string rack;
  };
  std::vector<Node> nodes;
  DescribeClusterRequest req;
  auto described = a.bootstrap().call<DescribeClusterResponse>(req);
  if (described.is_ok() && described->error_code == 0) {
    cluster_id = described->cluster_id;
    controller = described->controller_id;
    for (const auto& b : described->brokers) {
      nodes.push_back({b.broker_id, b.host, b.port, b.rack.value_or("")});
    }
  } else {
    // Brokers without DescribeCluster (Kafka < 2.8) still answer Metadata.
    auto md = a.metadata(std::vector<std::string>{});
    if (!md.is_ok()) return ctx.fail(md.status());
    cluster_id = md->cluster_id.value_or("");
    controller = md->controller_id;
    for (const auto& b : md->brokers)
      nodes.push_back({b.node_id, b.host, b.port, b.rack.value_or("")});
  }
  if (ctx.global.json()) {
    Json brokers = Json::array();
    for (const auto& n : nodes) {
      brokers.push(Json::object()
                       .set("node_id", n.id)
                       .set("host", n.host)
                       .set("port", n.port)
                       .set("rack", n.rack.empty() ? Json() : Json(n.rack))
                       .set("controller", n.id == controller));
    }
    ctx.out << Json::object()
                   .set("cluster_id", cluster_id)
                   .set("controller_id", controller)
                   .set("brokers", brokers)
                   .dump()
            << "\n";
    return kExitOk;
  }
  ctx.out << "CLUSTER ID:  " << cluster_id << "\nCONTROLLER:  " << controller << "\n\n";
  Table t({"NODE", "HOST", "PORT", "RACK", "CONTROLLER"});
  for (const auto& n : nodes) {
    t.add({std::to_string(n.id), n.host, std::to_string(n.port), n.rack.empty() ? "-" : n.rack,
           n.id == controller ? "*" : ""});
  }
  ctx.out << t.render();
  return kExitOk;
}

// Healthy means: every broker in the metadata answers, every partition has a leader, no replica
// is offline, and every partition's ISR holds all its replicas. A broker lists its replica in
// Metadata's offline_replicas when the log cannot be opened (the partition error is then
// KAFKA_STORAGE_ERROR) or has damaged offsets (error NONE: the rest is served); docs/broker.md,
// "Offline replicas".
// A partition with offline replicas, for `cluster health`.
struct OfflinePartition {
  std::string name;  // topic/partition
  std::vector<int32_t> brokers;
  std::string reason;
};

// Metadata carries the cause as the partition error: KAFKA_STORAGE_ERROR when the log cannot be
// opened, NONE when the replica is offline for damaged offsets.
std::string offline_reason(int16_t error_code) {
  if (error_code == to_int(protocol::ErrorCode::kKafkaStorageError)) return "log unavailable";
  if (error_code == 0) return "damaged offsets";
  return protocol::error_name(static_cast<protocol::ErrorCode>(error_code));
}

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

Json offline_json(const std::vector<OfflinePartition>& offline) {
  Json j = Json::array();
  for (const auto& o : offline) {
    Json brokers = Json::array();
    for (auto id : o.brokers) brokers.push(static_cast<int64_t>(id));
    j.push(Json::object()
               .set("partition", o.name)
               .set("offline_replicas", std::move(brokers))
               .set("reason", o.reason));
  }
  return j;
}

int cluster_health(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  AdminClient& a = **admin;
  auto md = a.metadata(std::nullopt);
  if (!md.is_ok()) return ctx.fail(md.status());
  std::vector<std::string> down;
  for (const auto& b : md->brokers) {
    auto conn = a.broker(b.node_id);
    if (!conn.is_ok()) down.push_back(std::to_string(b.node_id));
  }
  // Registered but fenced brokers (DescribeCluster v2, KIP-1073), which Metadata leaves out: a
  // broker that (re)started is fenced until it has caught up, and takes no new replica until
  // then, so a cluster is healthy only once every registered broker is unfenced.
  std::vector<std::string> fenced;
  protocol::DescribeClusterRequest dc;
  dc.include_fenced_brokers = true;
  auto cluster = a.bootstrap().call<protocol::DescribeClusterResponse>(dc);
  // A broker without DescribeCluster has no fenced brokers to tell (cluster info's fallback).
  if (cluster.is_ok()) {
    for (const auto& b : cluster->brokers) {
      if (b.is_fenced) fenced.push_back(std::to_string(b.broker_id));
    }
  }
  std::vector<std::string> leaderless, under_replicated;
  std::vector<OfflinePartition> offline;
  int partitions = 0;
  for (const auto& t : md->topics) {
    for (const auto& p : t.partitions) {
      ++partitions;
      std::string name = t.name.value_or("") + "/" + std::to_string(p.partition_index);
      if (p.leader_id < 0) leaderless.push_back(name);
      if (!p.offline_replicas.empty()) {
        offline.push_back({name, p.offline_replicas, offline_reason(p.error_code)});
      }
      if (p.isr_nodes.size() < p.replica_nodes.size()) under_replicated.push_back(name);
    }
  }
  bool healthy = down.empty() && fenced.empty() && leaderless.empty() && offline.empty() &&
                 under_replicated.empty();
  auto list = [](const std::vector<std::string>& v) {
    Json j = Json::array();
    for (const auto& s : v) j.push(s);
    return j;
  };
  if (ctx.global.json()) {
    ctx.out << Json::object()
                   .set("healthy", healthy)
                   .set("brokers", static_cast<int64_t>(md->brokers.size()))
                   .set("controller_id", md->controller_id)
                   .set("topics", static_cast<int64_t>(md->topics.size()))
                   .set("partitions", partitions)
                   .set("unreachable_brokers", list(down))
                   .set("fenced_brokers", list(fenced))
                   .set("leaderless_partitions", list(leaderless))
                   .set("offline_partitions", offline_json(offline))
                   .set("under_replicated_partitions", list(under_replicated))
                   .dump()
            << "\n";
  } else {
    auto line = [&](const char* what, const std::vector<std::string>& v) {
      ctx.out << what << (v.empty() ? "none" : "");
      for (size_t n = 0; n < v.size(); ++n) ctx.out << (n > 0 ? ", " : "") << v[n];
      ctx.out << "\n";
    };
    ctx.out << "HEALTHY:                      " << (healthy ? "yes" : "no") << "\n"
            << "BROKERS:                      " << md->brokers.size() << "\n"
            << "CONTROLLER:                   " << md->controller_id << "\n"
            << "TOPICS:                       " << md->topics.size() << "\n"
            << "PARTITIONS:                   " << partitions << "\n";
    line("UNREACHABLE BROKERS:          ", down);
    line("FENCED BROKERS:               ", fenced);
    line("LEADERLESS PARTITIONS:        ", leaderless);
    std::vector<std::string> offline_text;
    for (const auto& o : offline) {
      offline_text.push_back(o.name + " (" + o.reason + " on broker " + join_ids(o.brokers) + ")");
    }
    line("OFFLINE PARTITIONS:           ", offline_text);
    line("UNDER-REPLICATED PARTITIONS:  ", under_replicated);
  }
  return healthy ? kExitOk : kExitError;
}

// The controller quorum (DescribeQuorum, as `kafka-metadata-quorum describe --replication`): the
// leader, its epoch and high watermark, and per voter its log end, lag and last contact.
int cluster_quorum(Context& ctx) {
  auto admin = ctx.admin();
  if (!admin.is_ok()) return ctx.fail(admin.status());
  DescribeQuorumRequest req;
  DescribeQuorumRequest::TopicData topic;
  topic.topic_name = "__cluster_metadata";
  topic.partitions.push_back({});
  req.topics.push_back(std::move(topic));
  auto resp = (*admin)->bootstrap().call<DescribeQuorumResponse>(req);
  if (!resp.is_ok()) return ctx.fail(resp.status());
  if (resp->error_code != 0) return ctx.fail(client::kafka_error(resp->error_code, "quorum"));
  if (resp->topics.size() != 1 || resp->topics[0].partitions.size() != 1) {
    return ctx.fail(corruption("DescribeQuorum answered no __cluster_metadata partition"));
  }
  const auto& p = resp->topics[0].partitions[0];
  if (p.error_code != 0) return ctx.fail(client::kafka_error(p.error_code, "quorum"));
  if (ctx.global.json()) {
    Json voters = Json::array();
    for (const auto& v : p.current_voters) {
      voters.push(Json::object()
                      .set("node_id", v.replica_id)
                      .set("log_end_offset", v.log_end_offset)
                      .set("lag", p.high_watermark - v.log_end_offset)
                      .set("last_fetch_timestamp", v.last_fetch_timestamp)
                      .set("last_caught_up_timestamp", v.last_caught_up_timestamp));
    }
    ctx.out << Json::object()
                   .set("leader_id", p.leader_id)
                   .set("leader_epoch", p.leader_epoch)
                   .set("high_watermark", p.high_watermark)
                   .set("voters", voters)
                   .dump()
            << "\n";
    return kExitOk;
  }
  ctx.out << "LEADER:          " << p.leader_id << "\nEPOCH:           " << p.leader_epoch
          << "\nHIGH WATERMARK:  " << p.high_watermark << "\n\n";
  Table t({"NODE", "LOG END", "LAG", "LAST FETCH (ms ago)", "LEADER"});
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (const auto& v : p.current_voters) {
    t.add({std::to_string(v.replica_id), std::to_string(v.log_end_offset),
           std::to_string(p.high_watermark - v.log_end_offset),
           v.last_fetch_timestamp < 0 ? "-" : std::to_string(now - v.last_fetch_timestamp),
           v.replica_id == p.leader_id ? "*" : ""});
  }
  ctx.out << t.render();
  return kExitOk;
}

}  // namespace

void register_cluster_commands(std::vector<CommandSpec>& out) {
  out.push_back({{"cluster", "info"},
                 "show the cluster id, brokers and controller",
                 "",
                 "",
                 {},
                 0,
                 0,
                 cluster_info});
  out.push_back({{"cluster", "health"},
                 "check brokers, partition leaders and in-sync replicas (exit 1 if unhealthy)",
                 "",
                 "",
                 {},
                 0,
                 0,
                 cluster_health});
  out.push_back({{"cluster", "quorum"},
                 "show the controller quorum: leader, epoch, and each voter's log end and lag",
                 "",
                 "",
                 {},
                 0,
                 0,
                 cluster_quorum});
}

}  // namespace eddy::cli
