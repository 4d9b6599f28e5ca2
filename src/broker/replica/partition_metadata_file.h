#pragma once
// partition.metadata: the id of the topic a partition directory belongs to, in Kafka's format
//   version: 0
//   topic_id: <22-character base64 id>
// written (atomically) when a replica is created for a topic of the metadata, before any record.
// A name alone cannot tell a topic from one deleted and re-created under its name while this
// node was down; the id can (stray logs at start-up, docs/broker.md).

#include <optional>
#include <string>

#include "common/status.h"
#include "common/uuid.h"

namespace eddy::broker {

inline constexpr const char* kPartitionMetadataFile = "partition.metadata";

// The topic id of the partition directory; nullopt when it has no partition.metadata (a log
// created before topic ids were recorded, or by a single node without one). kCorruption when the
// file does not parse.
Result<std::optional<Uuid>> read_partition_topic_id(const std::string& partition_dir);
Status write_partition_topic_id(const std::string& partition_dir, const Uuid& id);

}  // namespace eddy::broker
