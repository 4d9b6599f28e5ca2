// The table of broker config keys. Names, types, defaults and ranges follow Kafka's broker
// configs where Kafka has the key; keys Kafka lacks (log.flush.policy,
// connection.max.inflight.requests, shutdown.timeout.ms, logger.level, log.format, admin.listeners)
// are Eddy's own. The broker keys that are topic configs' defaults (log.segment.bytes,
// log.retention.ms, ...) are not written here: they come from the topic config table
// (metadata::broker_synonym_config_defs()), so each key has one definition and one validation;
// so do the other dynamic keys (metadata::dynamic_broker_only_config_defs(): log.cleaner.*,
// the replication throttle rates), and the group coordinator keys that group configs refer to
// (metadata::group_coordinator_config_defs()).

#include "broker/config/broker_config.h"
#include "broker/replica/replica_selector.h"
#include "metadata/dynamic_broker_config.h"
#include "metadata/group_config.h"
#include "metadata/topic_config.h"

namespace eddy::broker {
namespace {

using metadata::ConfigType;

std::vector<ConfigDef> make_defs() {
  using T = ConfigType;
  std::vector<ConfigDef> defs = {
      // Identity and network.
      {"node.id", T::kInt, "1", "This node's id, unique in the cluster.", 0},
      {"listeners", T::kString, "PLAINTEXT://127.0.0.1:9092",
       "Comma-separated listener URIs NAME://host:port the broker binds (PLAINTEXT only)."},
      {"advertised.listeners", T::kString, std::nullopt,
       "Listener URIs handed to clients in Metadata; defaults to listeners."},
      {"admin.listeners", T::kString, "http://127.0.0.1:9644",
       "Comma-separated http://host:port URIs of the admin HTTP listener (GET /metrics, /health, "
       "/ready); empty turns it off."},
      {"broker.rack", T::kString, std::nullopt,
       "Rack of this broker, reported in Metadata; consumers of the same client.rack may fetch "
       "from it when replica.selector.class is RackAwareReplicaSelector."},
      {"replica.selector.class",
       T::kString,
       std::nullopt,
       "Which replica a leader sends a consumer's Fetch v11+ to (KIP-392, PreferredReadReplica): "
       "unset or LeaderSelector, the leader; RackAwareReplicaSelector, an in-sync follower in the "
       "consumer's client.rack when the leader is in another rack. Any replica serves such a "
       "consumer up to its own high watermark.",
       0,
       0,
       {kLeaderSelectorClass, kRackAwareReplicaSelectorClass}},
      {"controller.quorum.voters", T::kList, "",
       "Raft voters id@host:port of the controller quorum; empty (or this node alone) runs a "
       "single node with a local metadata log and no controller port. With several voters the "
       "metadata is replicated by Raft among them and this node must be one of them."},
      {"broker.heartbeat.interval.ms", T::kLong, "2000",
       "How often a cluster's broker heartbeats to the active controller.", 10},
      {"broker.session.timeout.ms", T::kLong, "9000",
       "A broker whose heartbeats stop for this long is fenced: it leaves every ISR, its "
       "leaderships move, and clients are no longer told about it.",
       100},
      {"auto.leader.rebalance.enable", T::kBoolean, "true",
       "The active controller moves leaderships back to each partition's preferred replica "
       "(the first of its replicas) when a broker's share of partitions it prefers but does not "
       "lead exceeds leader.imbalance.per.broker.percentage."},
      {"leader.imbalance.per.broker.percentage", T::kInt, "10",
       "The share (percent) of a broker's preferred partitions it may not lead before the "
       "automatic rebalance moves them back to it.",
       0, 100},
      {"leader.imbalance.check.interval.seconds", T::kLong, "300",
       "How often the active controller checks the leader balance.", 1},
      {"controlled.shutdown.enable", T::kBoolean, "true",
       "On SIGTERM a cluster's broker asks the controller to move its leaderships away and take "
       "it out of every ISR before it stops, waiting at most shutdown.timeout.ms."},
      {"process.roles", T::kList, "broker,controller",
       "The roles of this node: an Eddy node is both a broker and a controller (Kafka's combined "
       "mode); broker-only and controller-only nodes are refused."},
      {"num.io.threads", T::kInt, "0",
       "Network/request threads, one io_context each; 0 = one per CPU core.", 0, 1024},
      {"socket.request.max.bytes", T::kInt, "104857600",
       "Largest request frame accepted; a larger size prefix closes the connection before any "
       "allocation.",
       1},
      {"connections.max.idle.ms", T::kLong, "600000",
       "Close a connection idle (no bytes read, nothing in flight) this long.", 1},
      {"connection.max.inflight.requests", T::kInt, "64",
       "Pipelined requests one connection may have in flight before the broker stops reading "
       "from it.",
       1, 4096},
      {"shutdown.timeout.ms", T::kLong, "30000",
       "On SIGTERM, how long to wait for in-flight requests before closing connections.", 0},
      {"log.format",
       T::kString,
       "text",
       "Log line format: text, or json (one object per line: ts, level, thread, msg) for log "
       "shippers.",
       0,
       0,
       {"text", "json"}},
      {"logger.level",
       T::kString,
       "info",
       "spdlog level.",
       0,
       0,
       {"trace", "debug", "info", "warn", "error", "critical", "off"}},

      // Storage.
      {"log.dirs", T::kList, "./data", "Directories holding partition logs."},
      {"metadata.log.dir", T::kString, std::nullopt,
       "Directory of the cluster metadata log; defaults to the first of log.dirs."},
      {"metadata.log.max.record.bytes.between.snapshots", T::kLong, "20971520",
       "Metadata log bytes after which the image is snapshotted and the log restarted.", 1024},
      {"num.partitions", T::kInt, "1", "Partitions of an auto-created or default topic.", 1,
       100000},
      {"default.replication.factor", T::kShort, "1", "Replication factor of auto-created topics.",
       1},
      {"auto.create.topics.enable", T::kBoolean, "true",
       "Create a topic when a client asks Metadata for it (and allows it)."},
      {"auto.create.topics.max.per.request", T::kInt, "100",
       "Most topics one Metadata or Produce request auto-creates; the others answer "
       "LEADER_NOT_AVAILABLE and are created when the client asks again.",
       1},
      {"max.partitions", T::kInt, "200000",
       "Most partitions the cluster holds, all topics together. CreateTopics and "
       "CreatePartitions past it answer POLICY_VIOLATION, auto-creation answers "
       "UNKNOWN_TOPIC_OR_PARTITION; the broker's own __consumer_offsets (created on the first "
       "FindCoordinator) is still created.",
       1},
      {"controller.mutation.rate", T::kInt, "1000",
       "Partitions per second that CreateTopics, CreatePartitions and auto-creation create, all "
       "clients together (Kafka's controller_mutation_rate quota, broker-wide), in bursts of up "
       "to 11 seconds' worth. Past it: THROTTLING_QUOTA_EXCEEDED with a throttle time "
       "(CreateTopics v6+, CreatePartitions v3+; older versions are served and told the throttle "
       "time), LEADER_NOT_AVAILABLE for auto-creation.",
       1},
      // Kafka's coarser units of log keys (kafka_compat.h): a finer one wins when several are set.
      {"log.retention.hours", T::kInt, std::nullopt,
       "log.retention.ms in hours (Kafka's variant); log.retention.ms and log.retention.minutes "
       "win over it.",
       -1},
      {"log.retention.minutes", T::kInt, std::nullopt,
       "log.retention.ms in minutes (Kafka's variant); log.retention.ms wins over it.", -1},
      {"log.roll.hours", T::kInt, std::nullopt,
       "log.roll.ms in hours (Kafka's variant); log.roll.ms wins over it.", 1},
      {"log.roll.jitter.hours", T::kInt, std::nullopt,
       "log.roll.jitter.ms in hours (Kafka's variant); log.roll.jitter.ms wins over it.", 0},
      {"delete.topic.enable", T::kBoolean, "true", "Allow DeleteTopics."},
      {"log.retention.check.interval.ms", T::kLong, "300000", "How often retention is checked.", 1},
      {"log.scrubber.enable", T::kBoolean, "true",
       "Verify the CRC of sealed segments in the background (docs/storage.md)."},
      {"log.scrubber.io.max.bytes.per.second", T::kLong, "16777216",
       "Bytes per second the scrubber may read, across all log dirs.", 1},
      {"log.cleaner.enable", T::kBoolean, "true",
       "Run the log cleaner, which compacts cleanup.policy=compact topics (__consumer_offsets "
       "included; docs/storage.md, \"Compaction\")."},
      {"log.flush.policy",
       T::kString,
       "sync",
       "sync: fsync (group commit) before a batch counts toward the high watermark; interval: "
       "Kafka's page-cache behaviour, fsync every log.flush.interval.ms.",
       0,
       0,
       {"sync", "interval"}},

      // Replication.
      {"replica.lag.time.max.ms", T::kLong, "30000",
       "A follower that has not caught up for this long leaves the ISR.", 1},
      {"replica.high.watermark.checkpoint.interval.ms", T::kLong, "5000",
       "How often each log dir's replication-offset-checkpoint (the partitions' high watermarks) "
       "is written; also at clean shutdown.",
       1},
      {"num.replica.fetchers", T::kInt, "1",
       "Replica fetcher threads per source broker (partitions are spread over them).", 1, 64},
      {"replica.fetch.max.bytes", T::kInt, "1048576",
       "Bytes a follower fetch asks for per partition (at least one batch).", 1},
      {"replica.fetch.response.max.bytes", T::kInt, "10485760",
       "Bytes a follower fetch asks for in all (at least one batch).", 1},
      {"replica.fetch.min.bytes", T::kInt, "1",
       "Bytes a follower fetch waits for before the leader answers.", 1},
      {"replica.fetch.wait.max.ms", T::kInt, "500",
       "How long the leader parks a follower fetch that has nothing new.", 0},
      {"replica.fetch.backoff.ms", T::kInt, "1000",
       "Pause of a replica fetcher after an error before it fetches again.", 0},
      {"replica.socket.timeout.ms", T::kInt, "30000",
       "Bound on one follower fetch round trip, connect included.", 1},
      {"replication.quota.window.num", T::kInt, "11",
       "Samples the replication throttle rates are measured over (Kafka's default).", 1},
      {"replication.quota.window.size.seconds", T::kInt, "1",
       "Length of one replication throttle sample.", 1},

      // Group coordinator and offsets.
      {"offsets.topic.num.partitions", T::kInt, "50", "Partitions of __consumer_offsets.", 1, 1000},
      {"offsets.topic.replication.factor", T::kShort, "1",
       "Replication factor of __consumer_offsets.", 1},
      {"offsets.retention.minutes", T::kInt, "10080",
       "How long committed offsets of an empty group are kept.", 1},
      {"group.initial.rebalance.delay.ms", T::kInt, "3000",
       "Wait for more members before the first rebalance of a new group.", 0},
      {"group.min.session.timeout.ms", T::kInt, "6000",
       "Smallest session timeout a member may "
       "ask for.",
       0},
      {"group.max.session.timeout.ms", T::kInt, "1800000",
       "Largest session timeout a member may ask for.", 0},
      {"group.max.size", T::kInt, "2147483647", "Most members of one consumer group.", 1},
      {"group.member.metadata.max.bytes", T::kInt, "1048576",
       "Most protocol bytes (names, metadata, 64 a protocol) one JoinGroup member may carry.", 1},
      {"group.metadata.max.bytes", T::kInt, "16777216",
       "Most protocol bytes all members of one group may hold together.", 1},
      {"offsets.retention.check.interval.ms", T::kLong, "600000",
       "How often expired committed offsets are removed.", 1},
      {"offsets.commit.timeout.ms", T::kInt, "5000",
       "How long an offset commit waits for its __consumer_offsets append.", 1},
      {"offset.metadata.max.bytes", T::kInt, "4096",
       "Largest metadata string of one committed offset.", 0},
  };
  for (const ConfigDef& d : metadata::broker_synonym_config_defs()) defs.push_back(d);
  for (const ConfigDef& d : metadata::dynamic_broker_only_config_defs()) defs.push_back(d);
  // Kafka's group coordinator keys that GROUP resources' configs take defaults and bounds from.
  for (const ConfigDef& d : metadata::group_coordinator_config_defs()) defs.push_back(d);
  return defs;
}

}  // namespace

const std::vector<ConfigDef>& broker_config_defs() {
  static const std::vector<ConfigDef> defs = make_defs();
  return defs;
}

const ConfigDef* find_broker_config(std::string_view name) {
  return metadata::find_config_def(broker_config_defs(), name);
}

}  // namespace eddy::broker
