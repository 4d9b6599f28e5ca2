#include "raft/core/config.h"

namespace eddy::raft {

Status Config::validate() const {
  if (id.value() < 0) return invalid_argument("raft config: id must be a node id >= 0");
  if (storage == nullptr) return invalid_argument("raft config: storage is required");
  if (heartbeat_ticks <= 0) return invalid_argument("raft config: heartbeat_ticks must be > 0");
  if (election_ticks <= heartbeat_ticks) {
    return invalid_argument("raft config: election_ticks must exceed heartbeat_ticks");
  }
  if (max_inflight_appends <= 0) {
    return invalid_argument("raft config: max_inflight_appends must be > 0");
  }
  if (max_snapshot_chunk_bytes == 0) {
    return invalid_argument("raft config: max_snapshot_chunk_bytes must be > 0");
  }
  if (max_pending_reads <= 0) return invalid_argument("raft config: max_pending_reads must be > 0");
  return Status::ok();
}

}  // namespace eddy::raft
