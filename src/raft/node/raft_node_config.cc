#include "raft/node/raft_node_config.h"

#include <charconv>
#include <string>
#include <string_view>

namespace eddy::raft {

namespace {

template <typename T>
bool parse_int(std::string_view s, T* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

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

Result<std::map<NodeId, PeerAddress>> parse_quorum_voters(const std::string& voters) {
  std::map<NodeId, PeerAddress> out;
  std::string_view rest = voters;
  // Bounded by the input length: every iteration consumes at least one character.
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t at = item.find('@');
    size_t colon = item.rfind(':');
    int32_t id = 0;
    uint16_t port = 0;
    if (at == std::string_view::npos || colon == std::string_view::npos || colon < at ||
        !parse_int(item.substr(0, at), &id) || id < 0 ||
        !parse_int(item.substr(colon + 1), &port) || colon == at + 1) {
      return invalid_argument("controller.quorum.voters: expected id@host:port, got '" +
                              std::string(item) + "'");
    }
    if (!out.emplace(NodeId(id),
                     PeerAddress{std::string(item.substr(at + 1, colon - at - 1)), port})
             .second) {
      return invalid_argument("controller.quorum.voters: node " + std::to_string(id) +
                              " listed twice");
    }
  }
  if (out.empty()) return invalid_argument("controller.quorum.voters is empty");
  return out;
}

}  // namespace eddy::raft
