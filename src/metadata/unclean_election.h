#pragma once
// Whether the controller may elect a replica outside the ISR as a partition's leader
// (unclean.leader.election.enable), resolved per topic as Kafka resolves a topic config with its
// broker synonym: the topic's override, else the cluster-wide dynamic default (AlterConfigs on the
// default BROKER resource), else the controller's static config (`static_default`).

#include "metadata/metadata_image.h"

namespace eddy::metadata {

bool unclean_election_enabled(const MetadataImage& image, const TopicImage& topic,
                              bool static_default);

}  // namespace eddy::metadata
