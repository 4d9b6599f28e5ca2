#pragma once
// Stray logs (Kafka's KIP-858 / LogManager.findStrayReplicas): partition directories on disk that
// the committed metadata does not place on this node, because their topic was deleted (or deleted
// and re-created under its name) or the replica moved away while the node was down. The broker
// deletes them at start-up once it has caught up with the metadata log, before it applies the
// image: never on a stale image, which would delete logs the cluster still needs.

#include <optional>
#include <string>
#include <vector>

#include "broker/replica/replica_types.h"
#include "common/uuid.h"
#include "log/log_manager.h"
#include "metadata/metadata_image.h"

namespace eddy::broker {

// Why the log of `tp` (whose directory records `topic_id`, nullopt for none) is stray on node
// `node_id` under `image`; nullopt when the image places it here. A log without a topic id
// (written before ids were recorded) is judged by its name alone.
std::optional<std::string> stray_reason(int32_t node_id, const metadata::MetadataImage& image,
                                        const TopicPartition& tp,
                                        const std::optional<Uuid>& topic_id);

// Deletes every stray log of `logs` (each logged at warn with the partition and why); returns the
// partitions deleted. A log whose partition.metadata cannot be read is kept (and logged): deleting
// data needs certainty.
std::vector<TopicPartition> delete_stray_logs(log::LogManager& logs, int32_t node_id,
                                              const metadata::MetadataImage& image);

}  // namespace eddy::broker
