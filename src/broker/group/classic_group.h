#pragma once
// One consumer group under the classic rebalance protocol: its members, generation, chosen
// protocol, leader and committed offsets. ClassicGroup is plain state plus the rules that need
// nothing but that state (which transitions are legal, which protocol the members agree on, who
// is still missing from a rebalance). Time, persistence and answering requests belong to
// GroupCoordinator, which owns every ClassicGroup and guards it with its lock.
//
// States and transitions (Kafka's names):
//   Empty -> PreparingRebalance                 a member joins
//   PreparingRebalance -> CompletingRebalance   every member rejoined or the rebalance timed out;
//                                               generation + 1, leader gets the member list
//   PreparingRebalance -> Empty                 the rebalance ended with no members; generation+1
//   CompletingRebalance -> Stable               the leader's assignment is durable
//   CompletingRebalance -> PreparingRebalance   a member joins, leaves, changes or expires
//   Stable -> PreparingRebalance                same
//   any -> Dead                                 deleted, expired, or its partition was unloaded

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/group/group_records.h"
#include "broker/group/group_types.h"
#include "common/status.h"

namespace eddy::group {

enum class GroupState : uint8_t {
  kEmpty,
  kPreparingRebalance,
  kCompletingRebalance,
  kStable,
  kDead
};

// Kafka's spelling, as DescribeGroups and ListGroups report it.
const char* group_state_name(GroupState state);
// Case-insensitive, as ListGroups v4+ state filters are.
std::optional<GroupState> parse_group_state(std::string_view name);
bool is_valid_transition(GroupState from, GroupState to);

struct MemberState {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<JoinProtocol> protocols;  // in the member's order of preference
  Bytes assignment;
  // Monotonic ms after which a member that is neither waiting in JoinGroup nor in SyncGroup is
  // considered dead.
  int64_t session_deadline_ms = 0;
  // Set while the member's JoinGroup or SyncGroup request waits for the rebalance to progress.
  JoinCallback awaiting_join;
  SyncCallback awaiting_sync;
  bool supports_skip_assignment = false;

  bool is_awaiting_join() const { return static_cast<bool>(awaiting_join); }
  bool is_awaiting_sync() const { return static_cast<bool>(awaiting_sync); }
  // The metadata this member sent for `protocol`, empty if it does not support it.
  const Bytes* metadata_for(std::string_view protocol) const;
  bool same_protocols(const std::vector<JoinProtocol>& other) const { return protocols == other; }
};

// What a member's protocols cost the broker, the quantity group.member.metadata.max.bytes and
// group.metadata.max.bytes bound: every protocol's name and metadata, plus kProtocolOverheadBytes
// for the protocol itself, so that a million empty protocols do not count as nothing.
inline constexpr size_t kProtocolOverheadBytes = 64;
inline size_t protocol_metadata_bytes(size_t name_bytes, size_t metadata_bytes) {
  return kProtocolOverheadBytes + name_bytes + metadata_bytes;
}
size_t protocol_metadata_bytes(const std::vector<JoinProtocol>& protocols);

// Bounds a restored group must respect (GroupConfig's, passed down so that ClassicGroup stays
// free of configuration).
struct GroupLimits {
  size_t member_metadata_max_bytes = 0;
  size_t metadata_max_bytes = 0;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = 0;
};

class ClassicGroup {
 public:
  ClassicGroup(std::string group_id, int32_t partition, int64_t now_wall_ms)
      : group_id_(std::move(group_id)), partition_(partition), state_timestamp_ms_(now_wall_ms) {}

  const std::string& group_id() const { return group_id_; }
  int32_t partition() const { return partition_; }
  GroupState state() const { return state_; }
  bool is(GroupState s) const { return state_ == s; }
  // Moves to `to`; the caller guarantees the transition is legal (asserted).
  void transition_to(GroupState to, int64_t now_wall_ms);
  int64_t state_timestamp_ms() const { return state_timestamp_ms_; }

  int32_t generation() const { return generation_; }
  const std::optional<std::string>& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_name_; }
  const std::optional<std::string>& leader_id() const { return leader_id_; }
  size_t static_member_count() const { return static_members_.size(); }
  bool is_leader(std::string_view member_id) const {
    return leader_id_ && *leader_id_ == member_id;
  }

  // Members, by id, and static members by group.instance.id.
  std::map<std::string, MemberState>& members() { return members_; }
  const std::map<std::string, MemberState>& members() const { return members_; }
  bool has_member(std::string_view member_id) const {
    return members_.find(std::string(member_id)) != members_.end();
  }
  MemberState* member(std::string_view member_id);
  // The member id registered for an instance id, if any.
  std::optional<std::string> static_member(std::string_view instance_id) const;
  // True when `instance_id` belongs to a different member: a zombie of a restarted static member.
  bool is_static_member_fenced(const std::optional<std::string>& instance_id,
                               std::string_view member_id) const;
  // Adds a member (the caller checked supports_protocols and the metadata limits).
  void add_member(MemberState member);
  // Removes a member; the caller has answered its waiting callbacks. A departing leader hands
  // leadership to any remaining member.
  void remove_member(std::string_view member_id);
  // A restarted static member takes over the old member's place under a new member id.
  void replace_static_member(std::string_view old_member_id, std::string new_member_id);
  // Replaces a member's protocols (a rejoin), keeping metadata_bytes() up to date.
  void set_protocols(MemberState& member, std::vector<JoinProtocol> protocols);
  // protocol_metadata_bytes() summed over the members.
  size_t metadata_bytes() const { return metadata_bytes_; }

  // Members that got a member id from a MEMBER_ID_REQUIRED answer (JoinGroup v4+) but have not
  // joined with it yet, with the monotonic ms at which they are dropped.
  std::map<std::string, int64_t>& pending_members() { return pending_members_; }
  const std::map<std::string, int64_t>& pending_members() const { return pending_members_; }

  // Whether a member with this protocol type and these protocols may join: an empty group takes
  // any non-empty set; otherwise the type must match and one protocol must be common to all.
  bool supports_protocols(std::string_view protocol_type,
                          const std::vector<JoinProtocol>& protocols) const;
  // The protocol all members support that most members prefer (ties: the lexically smallest, so
  // the choice does not depend on member order).
  std::string select_protocol() const;
  bool has_all_members_joined() const;
  int32_t max_rebalance_timeout_ms() const;

  // Starts the next generation when a rebalance completes: generation + 1 and either Empty (no
  // members left) or CompletingRebalance with the agreed protocol.
  void init_next_generation(int64_t now_wall_ms);
  // Installs a generation read back from __consumer_offsets, replacing the members. A value no
  // coordinator could have written is refused with the reason and changes nothing, so that a
  // corrupt or forged record never breaks the invariants below: a negative generation; members
  // without a protocol type, a protocol, a leader among them or a generation >= 1; a protocol or
  // leader without members; an empty or repeated member id, a repeated group.instance.id;
  // metadata over `limits`. What a JoinGroup may set (an empty group.instance.id, any timeout the
  // session bounds allow, any rebalance timeout) is restored as it is.
  Status restore(const GroupMetadataValue& value, const GroupLimits& limits,
                 int64_t now_monotonic_ms, int64_t now_wall_ms);
  // The invariants every operation keeps, for tests: members keyed by their own ids; every
  // group.instance.id owned by exactly one member and static_member() naming it; a leader that is
  // a member exactly when there are members; members' protocol type the group's; a protocol
  // every member supports once a generation completed; metadata_bytes() the members' sum.
  Status check_invariants() const;
  // The GroupMetadataValue that records the current generation and every member's assignment.
  GroupMetadataValue to_record(int64_t now_wall_ms) const;
  void set_protocol_type(std::string protocol_type) { protocol_type_ = std::move(protocol_type); }

  // Whether any member's "consumer" subscription names `topic`. Members whose metadata cannot be
  // parsed count as subscribed, so that nothing they may read is deleted.
  bool is_subscribed_to(std::string_view topic) const;

  std::map<TopicPartition, CommittedOffset>& offsets() { return offsets_; }
  const std::map<TopicPartition, CommittedOffset>& offsets() const { return offsets_; }

  // Rebalance bookkeeping, driven by GroupCoordinator's timers.
  struct Rebalance {
    int64_t deadline_ms = -1;        // monotonic ms at which the join phase ends regardless
    bool initial_delay = false;      // a new group waits group.initial.rebalance.delay.ms
    int64_t delay_remaining_ms = 0;  // how much longer new joiners may extend the initial delay
    bool new_member_added = false;
  };
  Rebalance& rebalance() { return rebalance_; }
  const Rebalance& rebalance() const { return rebalance_; }

 private:
  std::string group_id_;
  int32_t partition_;
  GroupState state_ = GroupState::kEmpty;
  int64_t state_timestamp_ms_;
  int32_t generation_ = 0;
  std::optional<std::string> protocol_type_;
  std::optional<std::string> protocol_name_;
  std::optional<std::string> leader_id_;
  std::map<std::string, MemberState> members_;
  std::map<std::string, std::string> static_members_;
  std::map<std::string, int64_t> pending_members_;
  size_t metadata_bytes_ = 0;
  std::map<TopicPartition, CommittedOffset> offsets_;
  Rebalance rebalance_;
};

}  // namespace eddy::group
