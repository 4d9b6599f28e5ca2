#include "raft/transport/peer_address.h"

#include <charconv>

namespace eddy::raft {

namespace {

constexpr std::string_view kKey = "config key 'controller.quorum.voters'";

template <typename T>
bool parse_int(std::string_view s, T* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::map<NodeId, PeerAddress>> parse_quorum_voters(std::string_view voters) {
  std::map<NodeId, PeerAddress> out;
  if (trim(voters).empty()) return invalid_argument(std::string(kKey) + " is empty");
  std::string_view rest = voters;
  // Bounded by the input length: every iteration consumes at least one character, and a value
  // ending in ',' leaves one last (empty, refused) entry.
  for (bool more = true; more;) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    more = comma != std::string_view::npos;
    if (more) rest = rest.substr(comma + 1);
    size_t at = item.find('@');
    size_t colon = item.rfind(':');
    int32_t id = 0;
    uint16_t port = 0;
    if (at == std::string_view::npos || colon == std::string_view::npos || colon < at ||
        !parse_int(item.substr(0, at), &id) || id < 0 ||
        !parse_int(item.substr(colon + 1), &port) || colon == at + 1) {
      return invalid_argument(std::string(kKey) + ": entry '" + std::string(item) +
                              "' is not id@host:port");
    }
    if (!out.emplace(NodeId(id),
                     PeerAddress{std::string(item.substr(at + 1, colon - at - 1)), port})
             .second) {
      return invalid_argument(std::string(kKey) + ": node " + std::to_string(id) +
                              " is listed twice");
    }
  }
  return out;
}

}  // namespace eddy::raft
