#pragma once
// KIP-951: a Produce or Fetch answer that tells a client its partition is led elsewhere
// (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH) carries the leader the metadata names
// (CurrentLeader) and that leader's endpoint (NodeEndpoints), so the client moves without a
// Metadata round trip. Shared by the two handlers; their generated types differ, hence templates.

#include <algorithm>
#include <cstdint>
#include <string>

#include "metadata/metadata_image.h"
#include "protocol/errors.h"

namespace eddy::broker {

// Whether a partition error is one KIP-951 answers with the current leader.
inline bool wants_leader_hint(int16_t error) {
  return error == protocol::to_int(protocol::ErrorCode::kNotLeaderOrFollower) ||
         error == protocol::to_int(protocol::ErrorCode::kFencedLeaderEpoch);
}

// Fills `leader` (a generated LeaderIdAndEpoch) from the image and adds the leader's endpoint to
// `endpoints` (a generated NodeEndpoint vector) once. Nothing when the image has no leader.
template <typename LeaderIdAndEpoch, typename Endpoints>
void add_leader_hint(const metadata::MetadataImage& image, const std::string& topic,
                     int32_t partition, LeaderIdAndEpoch* leader, Endpoints* endpoints) {
  const metadata::TopicImage* t = image.topic(topic);
  if (t == nullptr || partition < 0 || static_cast<size_t>(partition) >= t->partitions.size()) {
    return;
  }
  const metadata::PartitionState& p = t->partitions[static_cast<size_t>(partition)];
  if (p.leader < 0) return;
  leader->leader_id = p.leader;
  leader->leader_epoch = p.leader_epoch;
  const metadata::BrokerRegistration* b = image.broker(p.leader);
  if (b == nullptr || b->endpoints.empty()) return;
  if (std::any_of(endpoints->begin(), endpoints->end(),
                  [&](const auto& e) { return e.node_id == p.leader; })) {
    return;
  }
  auto& e = endpoints->emplace_back();
  e.node_id = p.leader;
  e.host = b->endpoints.front().host;
  e.port = b->endpoints.front().port;
  e.rack = b->rack;
}

}  // namespace eddy::broker
