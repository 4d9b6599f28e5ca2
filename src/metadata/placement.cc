#include "metadata/placement.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

namespace eddy::metadata {
namespace {

struct Candidate {
  int32_t id;
  std::string rack;
  int64_t leaders = 0;   // preferred leaderships (replicas[0])
  int64_t replicas = 0;  // replicas of any rank
  bool fenced = false;
};

// The brokers that may hold a new replica (registered, not in controlled shutdown; fenced ones
// too), one of each rack in turn (racks in name order, brokers by id), so that
// neighbours in the list are on different racks and a round-robin walk spreads over racks.
std::vector<Candidate> rack_alternated(const MetadataImage& image) {
  std::map<std::string, std::vector<int32_t>> by_rack;
  for (const auto& [id, b] : image.brokers()) {
    if (!b.in_controlled_shutdown) by_rack[b.rack.value_or("")].push_back(id);
  }
  std::vector<Candidate> out;
  for (size_t round = 0;; ++round) {
    bool any = false;
    for (const auto& [rack, ids] : by_rack) {
      if (round < ids.size()) {
        out.push_back({ids[round], rack, 0, 0, image.brokers().at(ids[round]).fenced});
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

}  // namespace

ControllerResult place_replicas(const MetadataImage& image, int32_t count,
                                int16_t replication_factor,
                                std::vector<std::vector<int32_t>>* out) {
  if (replication_factor <= 0) {
    return ControllerResult::error(protocol::ErrorCode::kInvalidReplicationFactor,
                                   "Replication factor must be larger than 0.");
  }
  std::vector<Candidate> brokers = rack_alternated(image);
  const size_t n = brokers.size();
  // Kafka's StripedReplicaPlacer checks, in its order, with its texts (ReplicationControlManager
  // prefixes them): the leader must be unfenced, and every replica on a distinct registered
  // broker, fenced or not.
  const std::string unable =
      "Unable to replicate the partition " + std::to_string(replication_factor) + " time(s): ";
  if (std::none_of(brokers.begin(), brokers.end(), [](const Candidate& c) { return !c.fenced; })) {
    return ControllerResult::error(protocol::ErrorCode::kInvalidReplicationFactor,
                                   unable + "All brokers are currently fenced.");
  }
  if (static_cast<size_t>(replication_factor) > n) {
    return ControllerResult::error(
        protocol::ErrorCode::kInvalidReplicationFactor,
        unable + "The target replication factor of " + std::to_string(replication_factor) +
            " cannot be reached because only " + std::to_string(n) + " broker(s) are registered.");
  }
  std::map<int32_t, size_t> index;
  for (size_t i = 0; i < n; ++i) index[brokers[i].id] = i;
  // The load already there: one pass over the image per request, not per partition.
  for (const auto& [name, topic] : image.topics()) {
    for (const auto& p : topic->partitions) {
      for (size_t r = 0; r < p.replicas.size(); ++r) {
        auto it = index.find(p.replicas[r]);
        if (it == index.end()) continue;
        ++brokers[it->second].replicas;
        if (r == 0) ++brokers[it->second].leaders;
      }
    }
  }
  size_t next = 0;  // round-robin position: breaks ties between equally loaded brokers
  for (int32_t p = 0; p < count; ++p) {
    auto distance = [&](size_t i, size_t from) { return (i + n - from % n) % n; };
    // The leader: an unfenced broker (there is one), the least loaded.
    std::optional<size_t> leader;
    for (size_t i = 0; i < n; ++i) {
      if (brokers[i].fenced) continue;
      if (!leader) {
        leader = i;
        continue;
      }
      const Candidate& b = brokers[*leader];
      if (std::tie(brokers[i].leaders, brokers[i].replicas) < std::tie(b.leaders, b.replicas) ||
          (brokers[i].leaders == b.leaders && brokers[i].replicas == b.replicas &&
           distance(i, next) < distance(*leader, next))) {
        leader = i;
      }
    }
    std::vector<size_t> chosen{*leader};
    std::set<std::string> racks{brokers[*leader].rack};
    while (chosen.size() < static_cast<size_t>(replication_factor)) {
      std::optional<size_t> best;
      auto key = [&](size_t i) {
        // Distinct racks first, then unfenced brokers before fenced ones (Kafka's order).
        return std::make_tuple(racks.count(brokers[i].rack), brokers[i].fenced, brokers[i].replicas,
                               distance(i, *leader + 1));
      };
      for (size_t i = 0; i < n; ++i) {
        if (std::find(chosen.begin(), chosen.end(), i) != chosen.end()) continue;
        if (!best || key(i) < key(*best)) best = i;
      }
      chosen.push_back(*best);
      racks.insert(brokers[*best].rack);
    }
    std::vector<int32_t> replicas;
    for (size_t i : chosen) {
      replicas.push_back(brokers[i].id);
      ++brokers[i].replicas;
    }
    ++brokers[*leader].leaders;
    next = *leader + 1;
    out->push_back(std::move(replicas));
  }
  return {};
}

}  // namespace eddy::metadata
