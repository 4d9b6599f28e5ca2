#pragma once
// Kafka's topic name rules: not empty, not "." or "..", at most 249 characters, only
// [a-zA-Z0-9._-]. A violation is INVALID_TOPIC_EXCEPTION on the wire. Beyond the syntax: names
// that collide once '.' and '_' are unified (Kafka's Topic.hasCollision: metric names cannot tell
// them apart) and the names the broker keeps for itself.

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "metadata/metadata_image.h"

namespace eddy::metadata {

inline constexpr size_t kMaxTopicNameLength = 249;

// The name of Kafka's KRaft metadata log. Eddy keeps its metadata elsewhere, but a topic of this
// name would confuse every Kafka tool that knows the name.
inline constexpr std::string_view kClusterMetadataTopic = "__cluster_metadata";

Status validate_topic_name(std::string_view name);

// Kafka's internal topics (Topic.isInternal): written by the broker itself, marked is_internal in
// Metadata.
bool is_internal_topic(std::string_view name);

// Names no client may create, by CreateTopics or by auto-creation: the internal topics (the broker
// creates __consumer_offsets itself) and __cluster_metadata.
bool is_reserved_topic_name(std::string_view name);

// An existing topic other than `name` whose name equals it once every '.' is read as '_' (a.b and
// a_b), or nullopt. Looks up only the names that share `name`'s prefix at each '.' or '_', so the
// cost follows the topics that could collide, not all topics.
std::optional<std::string> colliding_topic(const MetadataImage& image, std::string_view name);

}  // namespace eddy::metadata
