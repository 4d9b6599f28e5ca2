#pragma once
// Where the replicas of new partitions go. Pure: a function of the image (which brokers are
// registered and fenced, on which racks, and how many leaderships and replicas each already has).

#include <cstdint>
#include <vector>

#include "metadata/controller.h"
#include "metadata/metadata_image.h"

namespace eddy::metadata {

// Places `count` new partitions of `replication_factor` replicas each on the registered brokers
// that are not in controlled shutdown, fenced ones included, as Kafka's StripedReplicaPlacer does
// (a topic can be created while a broker is briefly down; it is born under-replicated, its ISR
// the unfenced replicas, and the fenced replica joins the ISR once it is back and caught up).
// Appends one replica list per partition to `out` (the first replica is the preferred leader):
// - each partition's leader is an unfenced broker, the one with the fewest preferred leaderships
//   so far (the image's and this call's), ties broken round-robin, so leaders stay balanced;
// - the replicas of a partition are on distinct racks while racks remain (a broker without
//   broker.rack counts as a rack of its own kind, "");
// - followers go to unfenced brokers before fenced ones, then to the least loaded.
// INVALID_REPLICATION_FACTOR with Kafka's texts when every such broker is fenced ("All brokers
// are currently fenced.") and when the replication factor is above their number (fenced ones
// counted: "... only N broker(s) are registered.").
ControllerResult place_replicas(const MetadataImage& image, int32_t count,
                                int16_t replication_factor, std::vector<std::vector<int32_t>>* out);

}  // namespace eddy::metadata
