#pragma once
// meta.properties, the identity file Kafka keeps in every log dir:
//
//   version=1
//   cluster.id=<22-character base64 UUID>
//   node.id=<node.id>
//
// Written (temp file, fsync, rename) the first time a log dir is used. At start-up every log dir
// must agree on the cluster id and match node.id, so a disk from another broker or cluster is
// refused rather than silently mixed in.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace eddy::broker {

struct MetaProperties {
  std::string cluster_id;
  int32_t node_id = -1;
};

Result<MetaProperties> read_meta_properties(const std::string& log_dir);
Status write_meta_properties(const std::string& log_dir, const MetaProperties& meta);

// Reads or creates meta.properties in every dir; returns the cluster id they share (a new random
// one when no dir has any). With create_missing false (a cluster node, whose cluster id must be
// the one `eddyd format` gave every node), at least one dir must already have it.
Result<MetaProperties> ensure_meta_properties(const std::vector<std::string>& log_dirs,
                                              int32_t node_id, bool create_missing = true);

// `eddyd format`: writes meta.properties with `cluster_id` into every dir. A dir already
// formatted with the same cluster id and node id is left as it is; one formatted for another
// cluster or node is refused, naming it.
Status format_storage(const std::vector<std::string>& dirs, int32_t node_id,
                      const std::string& cluster_id);

}  // namespace eddy::broker
