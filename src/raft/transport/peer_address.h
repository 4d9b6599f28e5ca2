#pragma once
// A Raft peer's address and the one parser of Kafka's `controller.quorum.voters` syntax
// ("1@host1:9093,2@host2:9093"), shared by the Raft node and the broker's config. Kept apart from
// transport.h so that config code can name voters without pulling in Boost.Asio.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/ids.h"
#include "common/status.h"

namespace eddy::raft {

struct PeerAddress {
  std::string host;
  uint16_t port = 0;
};

// Parses `controller.quorum.voters`: comma-separated id@host:port entries, spaces around an
// entry ignored (as Kafka's list configs). Refused, with a message naming the key: an empty
// value, an entry that is not id@host:port (negative or non-numeric id, empty host, port outside
// 0..65535), and an id listed twice.
Result<std::map<NodeId, PeerAddress>> parse_quorum_voters(std::string_view voters);

}  // namespace eddy::raft
