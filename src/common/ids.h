#pragma once
// Strong ids: an Offset cannot be passed where a LeaderEpoch is expected. Each wraps the integer
// width Kafka (or Raft) uses on the wire, so conversion at the protocol boundary is lossless.

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

namespace eddy {

template <typename Tag, typename Rep>
class StrongId {
 public:
  using rep_type = Rep;
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  constexpr auto operator<=>(const StrongId&) const = default;

  // Offsets and indexes are counted, so they get arithmetic with plain integers.
  constexpr StrongId operator+(Rep d) const { return StrongId(v_ + d); }
  constexpr StrongId operator-(Rep d) const { return StrongId(v_ - d); }
  constexpr Rep operator-(StrongId o) const { return v_ - o.v_; }
  constexpr StrongId& operator++() {
    ++v_;
    return *this;
  }

  friend std::ostream& operator<<(std::ostream& os, StrongId id) { return os << id.v_; }

 private:
  Rep v_{};
};

// A position in a partition log (Kafka: int64 offset).
using Offset = StrongId<struct OffsetTag, int64_t>;
// Epoch of a partition leader (Kafka: int32 leader epoch); -1 means "unknown".
using LeaderEpoch = StrongId<struct LeaderEpochTag, int32_t>;
// A broker or controller node (Kafka: int32 node.id / broker id).
using NodeId = StrongId<struct NodeIdTag, int32_t>;
// A Raft term and a Raft log index.
using Term = StrongId<struct TermTag, uint64_t>;
using RaftIndex = StrongId<struct RaftIndexTag, uint64_t>;

inline constexpr LeaderEpoch kNoLeaderEpoch{-1};
inline constexpr NodeId kNoNode{-1};

}  // namespace eddy

template <typename Tag, typename Rep>
struct std::hash<eddy::StrongId<Tag, Rep>> {
  size_t operator()(eddy::StrongId<Tag, Rep> id) const noexcept {
    return std::hash<Rep>{}(id.value());
  }
};
