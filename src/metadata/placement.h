#pragma once
// Where the replicas of new partitions go. Pure: a function of the image (which brokers are
// active, on which racks, and how many leaderships and replicas each already has).

#include <cstdint>
#include <vector>

#include "metadata/controller.h"
#include "metadata/metadata_image.h"

namespace eddy::metadata {

// Places `count` new partitions of `replication_factor` replicas each on the active brokers
// (registered, unfenced, not in controlled shutdown), appending one replica list per partition
// to `out` (the first replica is the preferred leader):
// - the replicas of a partition are on distinct racks while racks remain (a broker without
//   broker.rack counts as a rack of its own kind, "");
// - each partition's leader is the broker with the fewest preferred leaderships so far (the
//   image's and this call's), ties broken round-robin, so leaders stay balanced;
// - followers go to the least loaded brokers of unused racks.
// A replication factor above the number of active brokers is INVALID_REPLICATION_FACTOR.
ControllerResult place_replicas(const MetadataImage& image, int32_t count,
                                int16_t replication_factor, std::vector<std::vector<int32_t>>* out);

}  // namespace eddy::metadata
