// The table of broker config keys. Names, types, defaults and ranges follow Kafka's broker
// configs where Kafka has the key; keys Kafka lacks (log.flush.policy,
// connection.max.inflight.requests, shutdown.timeout.ms, logger.level) are Eddy's own.

#include "broker/config/broker_config.h"

namespace eddy::broker {
namespace {

using metadata::ConfigType;

std::vector<ConfigDef> make_defs() {
  using T = ConfigType;
  return {
      // Identity and network.
      {"node.id", T::kInt, "1", "This node's id, unique in the cluster.", 0},
      {"listeners", T::kString, "PLAINTEXT://127.0.0.1:9092",
       "Comma-separated listener URIs NAME://host:port the broker binds (PLAINTEXT only)."},
      {"advertised.listeners", T::kString, std::nullopt,
       "Listener URIs handed to clients in Metadata; defaults to listeners."},
      {"broker.rack", T::kString, std::nullopt, "Rack of this broker, reported in Metadata."},
      {"controller.quorum.voters", T::kList, "",
       "Raft voters id@host:port; empty (or this node alone) runs a single-voter quorum with no "
       "controller port. Several voters are refused until metadata replication lands."},
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
      {"delete.topic.enable", T::kBoolean, "true", "Allow DeleteTopics."},
      {"message.max.bytes", T::kInt, "1048588", "Largest record batch a topic accepts.", 0},
      {"log.segment.bytes", T::kInt, "1073741824", "Size at which a segment rolls.", 14},
      {"log.roll.ms", T::kLong, "604800000", "Age at which a segment rolls.", 1},
      {"log.roll.jitter.ms", T::kLong, "0", "Jitter subtracted from log.roll.ms.", 0},
      {"log.retention.ms", T::kLong, "604800000",
       "Age after which old segments are deleted; -1 = forever.", -1},
      {"log.retention.bytes", T::kLong, "-1",
       "Per-partition size above which old segments are deleted; -1 = no limit."},
      {"log.retention.check.interval.ms", T::kLong, "300000", "How often retention is checked.", 1},
      {"log.cleanup.policy",
       T::kList,
       "delete",
       "delete, compact, or both.",
       0,
       0,
       {"delete", "compact"}},
      {"log.cleaner.delete.retention.ms", T::kLong, "86400000",
       "How long tombstones survive compaction.", 0},
      {"log.cleaner.min.compaction.lag.ms", T::kLong, "0",
       "Shortest time a record stays uncompacted.", 0},
      {"log.cleaner.max.compaction.lag.ms", T::kLong, "9223372036854775807",
       "Longest time a record stays ineligible for compaction.", 1},
      {"log.cleaner.min.cleanable.ratio", T::kDouble, "0.5",
       "Dirty fraction that triggers compaction.", 0, 1},
      {"log.segment.delete.delay.ms", T::kLong, "60000",
       "Delay before a deleted segment's files are removed.", 0},
      {"log.index.size.max.bytes", T::kInt, "10485760", "Maximum size of an offset index.", 4},
      {"log.index.interval.bytes", T::kInt, "4096", "Bytes between offset index entries.", 0},
      {"log.preallocate", T::kBoolean, "false",
       "Keep a zero-filled tail ahead of the active segment's end so fsyncs overwrite. Unset: "
       "on with log.flush.policy=sync, off with interval."},
      {"log.message.timestamp.type",
       T::kString,
       "CreateTime",
       "Keep the producer's timestamps or stamp append time.",
       0,
       0,
       {"CreateTime", "LogAppendTime"}},
      {"log.flush.policy",
       T::kString,
       "sync",
       "sync: fsync (group commit) before a batch counts toward the high watermark; interval: "
       "Kafka's page-cache behaviour, fsync every log.flush.interval.ms.",
       0,
       0,
       {"sync", "interval"}},
      {"log.flush.interval.ms", T::kLong, "1000",
       "With log.flush.policy=interval, the longest time data stays unsynced.", 0},
      {"log.flush.interval.messages", T::kLong, "9223372036854775807",
       "With log.flush.policy=interval, fsync after this many messages.", 1},
      {"compression.type",
       T::kString,
       "producer",
       "Codec of stored batches; producer keeps the producer's.",
       0,
       0,
       {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},

      // Replication.
      {"min.insync.replicas", T::kInt, "1", "In-sync replicas an acks=all write needs.", 1},
      {"unclean.leader.election.enable", T::kBoolean, "false",
       "Allow an out-of-sync replica to become leader."},
      {"replica.lag.time.max.ms", T::kLong, "30000",
       "A follower that has not caught up for this long leaves the ISR.", 1},

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
}

}  // namespace

const std::vector<ConfigDef>& broker_config_defs() {
  static const std::vector<ConfigDef> defs = make_defs();
  return defs;
}

const ConfigDef* find_broker_config(std::string_view name) {
  for (const auto& d : broker_config_defs()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

}  // namespace eddy::broker
