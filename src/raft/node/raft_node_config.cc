#include "raft/node/raft_node_config.h"

#include <string>

namespace eddy::raft {

Status RaftNodeConfig::validate() const {
  if (id.value() < 0) return invalid_argument("raft node id must be set (node.id)");
  if (!voters.contains(id)) {
    return invalid_argument("node " + std::to_string(id.value()) +
                            " is not among the voters (controller.quorum.voters)");
  }
  if (data_dir.empty()) return invalid_argument("raft data directory must be set");
  if (tick_ms <= 0) return invalid_argument("raft tick_ms must be positive");
  if (heartbeat_ticks <= 0 || election_ticks <= heartbeat_ticks) {
    return invalid_argument("raft election_ticks must exceed heartbeat_ticks > 0");
  }
  if (snapshot_interval == 0) return invalid_argument("raft snapshot_interval must be positive");
  if (request_timeout_ms <= 0) return invalid_argument("raft request_timeout_ms must be positive");
  if (max_pending_requests == 0) return invalid_argument("raft max_pending_requests must be > 0");
  return Status::ok();
}

}  // namespace eddy::raft
