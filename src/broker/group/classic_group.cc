#include "broker/group/classic_group.h"

#include <algorithm>
#include <cassert>
#include <cctype>

namespace eddy::group {

const char* group_state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Dead";
}

std::optional<GroupState> parse_group_state(std::string_view name) {
  for (GroupState s : {GroupState::kEmpty, GroupState::kPreparingRebalance,
                       GroupState::kCompletingRebalance, GroupState::kStable, GroupState::kDead}) {
    std::string_view want = group_state_name(s);
    if (want.size() == name.size() &&
        std::equal(want.begin(), want.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return s;
    }
  }
  return std::nullopt;
}

bool is_valid_transition(GroupState from, GroupState to) {
  using S = GroupState;
  switch (to) {
    case S::kEmpty:
      return from == S::kPreparingRebalance;
    case S::kPreparingRebalance:
      return from == S::kEmpty || from == S::kStable || from == S::kCompletingRebalance;
    case S::kCompletingRebalance:
      return from == S::kPreparingRebalance;
    case S::kStable:
      return from == S::kCompletingRebalance;
    case S::kDead:
      return from != S::kDead;
  }
  return false;
}

size_t protocol_metadata_bytes(const std::vector<JoinProtocol>& protocols) {
  size_t bytes = 0;
  for (const JoinProtocol& p : protocols) {
    bytes += protocol_metadata_bytes(p.name.size(), p.metadata.size());
  }
  return bytes;
}

const Bytes* MemberState::metadata_for(std::string_view protocol) const {
  for (const JoinProtocol& p : protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

void ClassicGroup::transition_to(GroupState to, int64_t now_wall_ms) {
  assert(is_valid_transition(state_, to));
  state_ = to;
  state_timestamp_ms_ = now_wall_ms;
}

MemberState* ClassicGroup::member(std::string_view member_id) {
  auto it = members_.find(std::string(member_id));
  return it == members_.end() ? nullptr : &it->second;
}

std::optional<std::string> ClassicGroup::static_member(std::string_view instance_id) const {
  auto it = static_members_.find(std::string(instance_id));
  if (it == static_members_.end()) return std::nullopt;
  return it->second;
}

bool ClassicGroup::is_static_member_fenced(const std::optional<std::string>& instance_id,
                                           std::string_view member_id) const {
  if (!instance_id) return false;
  auto owner = static_member(*instance_id);
  return owner && *owner != member_id;
}

void ClassicGroup::add_member(MemberState member) {
  assert(supports_protocols(member.protocol_type, member.protocols));
  if (members_.empty()) protocol_type_ = member.protocol_type;
  if (!leader_id_) leader_id_ = member.member_id;
  assert(!has_member(member.member_id));
  if (member.group_instance_id) static_members_[*member.group_instance_id] = member.member_id;
  metadata_bytes_ += protocol_metadata_bytes(member.protocols);
  std::string id = member.member_id;
  members_.emplace(std::move(id), std::move(member));
}

void ClassicGroup::set_protocols(MemberState& member, std::vector<JoinProtocol> protocols) {
  metadata_bytes_ -= protocol_metadata_bytes(member.protocols);
  member.protocols = std::move(protocols);
  metadata_bytes_ += protocol_metadata_bytes(member.protocols);
}

void ClassicGroup::remove_member(std::string_view member_id) {
  auto it = members_.find(std::string(member_id));
  if (it == members_.end()) return;
  if (it->second.group_instance_id) {
    auto s = static_members_.find(*it->second.group_instance_id);
    if (s != static_members_.end() && s->second == member_id) static_members_.erase(s);
  }
  metadata_bytes_ -= protocol_metadata_bytes(it->second.protocols);
  members_.erase(it);
  if (is_leader(member_id)) {
    leader_id_ = members_.empty() ? std::nullopt : std::optional(members_.begin()->first);
  }
}

void ClassicGroup::replace_static_member(std::string_view old_member_id,
                                         std::string new_member_id) {
  auto it = members_.find(std::string(old_member_id));
  assert(it != members_.end());
  MemberState m = std::move(it->second);
  members_.erase(it);
  m.member_id = new_member_id;
  if (m.group_instance_id) static_members_[*m.group_instance_id] = new_member_id;
  if (is_leader(old_member_id)) leader_id_ = new_member_id;
  members_.emplace(std::move(new_member_id), std::move(m));
}

bool ClassicGroup::supports_protocols(std::string_view protocol_type,
                                      const std::vector<JoinProtocol>& protocols) const {
  if (members_.empty()) return !protocol_type.empty() && !protocols.empty();
  if (!protocol_type_ || *protocol_type_ != protocol_type) return false;
  for (const JoinProtocol& p : protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&p](const auto& kv) {
      return kv.second.metadata_for(p.name) != nullptr;
    });
    if (everyone) return true;
  }
  return false;
}

std::string ClassicGroup::select_protocol() const {
  assert(!members_.empty());
  // Candidates: the protocols every member supports.
  std::map<std::string, int> votes;
  for (const JoinProtocol& p : members_.begin()->second.protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&p](const auto& kv) {
      return kv.second.metadata_for(p.name) != nullptr;
    });
    if (everyone) votes.emplace(p.name, 0);
  }
  // Each member votes for the candidate it lists first.
  for (const auto& [id, m] : members_) {
    for (const JoinProtocol& p : m.protocols) {
      auto v = votes.find(p.name);
      if (v != votes.end()) {
        ++v->second;
        break;
      }
    }
  }
  assert(!votes.empty());
  auto best = votes.begin();
  for (auto it = votes.begin(); it != votes.end(); ++it) {
    if (it->second > best->second) best = it;
  }
  return best->first;
}

bool ClassicGroup::has_all_members_joined() const {
  return pending_members_.empty() &&
         std::all_of(members_.begin(), members_.end(),
                     [](const auto& kv) { return kv.second.is_awaiting_join(); });
}

int32_t ClassicGroup::max_rebalance_timeout_ms() const {
  int32_t t = 0;
  for (const auto& [id, m] : members_) t = std::max(t, m.rebalance_timeout_ms);
  return t;
}

void ClassicGroup::init_next_generation(int64_t now_wall_ms) {
  ++generation_;
  if (members_.empty()) {
    protocol_name_.reset();
    leader_id_.reset();
    transition_to(GroupState::kEmpty, now_wall_ms);
    return;
  }
  protocol_name_ = select_protocol();
  transition_to(GroupState::kCompletingRebalance, now_wall_ms);
}

namespace {

Status validate_restorable(const GroupMetadataValue& v, const GroupLimits& limits) {
  if (v.generation < 0) return corruption("negative generation " + std::to_string(v.generation));
  if (v.members.empty()) {
    // An empty group has no protocol and no leader (init_next_generation clears both).
    if (v.protocol || v.leader) return corruption("a protocol or leader without members");
    return Status::ok();
  }
  if (v.generation < 1) return corruption("members in generation 0");
  if (v.protocol_type.empty()) return corruption("members without a protocol type");
  if (!v.protocol || v.protocol->empty()) return corruption("members without a protocol");
  if (!v.leader) return corruption("members without a leader");
  std::map<std::string_view, int> member_ids;
  std::map<std::string_view, int> instance_ids;
  size_t total = 0;
  for (const MemberMetadataRecord& m : v.members) {
    if (m.member_id.empty()) return corruption("an empty member id");
    if (++member_ids[m.member_id] > 1) return corruption("member id " + m.member_id + " twice");
    if (m.group_instance_id && ++instance_ids[*m.group_instance_id] > 1) {
      return corruption("group.instance.id " + *m.group_instance_id + " on two members");
    }
    size_t bytes = protocol_metadata_bytes(v.protocol->size(), m.subscription.size());
    if (bytes > limits.member_metadata_max_bytes) {
      return corruption("member " + m.member_id + " has " + std::to_string(bytes) +
                        " bytes of metadata, over group.member.metadata.max.bytes");
    }
    total += bytes;
  }
  if (total > limits.metadata_max_bytes) {
    return corruption(std::to_string(total) +
                      " bytes of member metadata, over group.metadata.max.bytes");
  }
  if (member_ids.count(*v.leader) == 0) return corruption("leader " + *v.leader + " not a member");
  return Status::ok();
}

}  // namespace

Status ClassicGroup::restore(const GroupMetadataValue& value, const GroupLimits& limits,
                             int64_t now_monotonic_ms, int64_t now_wall_ms) {
  EDDY_RETURN_IF_ERROR(validate_restorable(value, limits));
  members_.clear();
  static_members_.clear();
  pending_members_.clear();
  metadata_bytes_ = 0;
  generation_ = value.generation;
  protocol_type_ = value.protocol_type.empty() ? std::nullopt : std::optional(value.protocol_type);
  protocol_name_ = value.protocol;
  leader_id_ = value.leader;
  for (const MemberMetadataRecord& r : value.members) {
    MemberState m;
    m.member_id = r.member_id;
    m.group_instance_id = r.group_instance_id;
    m.client_id = r.client_id;
    m.client_host = r.client_host;
    m.session_timeout_ms = r.session_timeout_ms;
    m.rebalance_timeout_ms = r.rebalance_timeout_ms;
    m.protocol_type = value.protocol_type;
    m.protocols.push_back(JoinProtocol{*protocol_name_, r.subscription});
    m.assignment = r.assignment;
    m.session_deadline_ms = now_monotonic_ms + r.session_timeout_ms;
    if (m.group_instance_id) static_members_[*m.group_instance_id] = m.member_id;
    metadata_bytes_ += protocol_metadata_bytes(m.protocols);
    members_.emplace(m.member_id, std::move(m));
  }
  state_ = members_.empty() ? GroupState::kEmpty : GroupState::kStable;
  // A state change in the future (a clock stepped back, or a forged value) counts from now, so
  // that retention arithmetic on it cannot overflow.
  state_timestamp_ms_ = value.current_state_timestamp_ms >= 0
                            ? std::min(value.current_state_timestamp_ms, now_wall_ms)
                            : now_wall_ms;
  return Status::ok();
}

Status ClassicGroup::check_invariants() const {
  size_t bytes = 0;
  size_t static_count = 0;
  for (const auto& [id, m] : members_) {
    if (id != m.member_id) return internal_error("member keyed " + id + " is " + m.member_id);
    if (protocol_type_ != m.protocol_type) return internal_error(id + ": another protocol type");
    if (m.group_instance_id) {
      ++static_count;
      if (static_member(*m.group_instance_id) != id) {
        return internal_error(id + ": its group.instance.id names another member");
      }
    }
    if ((state_ == GroupState::kStable || state_ == GroupState::kCompletingRebalance) &&
        (!protocol_name_ || m.metadata_for(*protocol_name_) == nullptr)) {
      return internal_error(id + ": does not support the group's protocol");
    }
    bytes += protocol_metadata_bytes(m.protocols);
  }
  if (static_count != static_members_.size()) {
    return internal_error("a group.instance.id names no member");
  }
  if (members_.empty() != !leader_id_ || (leader_id_ && !has_member(*leader_id_))) {
    return internal_error("the leader is not a member");
  }
  if (bytes != metadata_bytes_) return internal_error("metadata_bytes out of date");
  if (generation_ < 0) return internal_error("negative generation");
  return Status::ok();
}

GroupMetadataValue ClassicGroup::to_record(int64_t now_wall_ms) const {
  GroupMetadataValue v;
  v.protocol_type = protocol_type_.value_or("");
  v.generation = generation_;
  v.protocol = protocol_name_;
  v.leader = leader_id_;
  v.current_state_timestamp_ms = now_wall_ms;
  for (const auto& [id, m] : members_) {
    MemberMetadataRecord r;
    r.member_id = id;
    r.group_instance_id = m.group_instance_id;
    r.client_id = m.client_id;
    r.client_host = m.client_host;
    r.rebalance_timeout_ms = m.rebalance_timeout_ms;
    r.session_timeout_ms = m.session_timeout_ms;
    if (protocol_name_) {
      if (const Bytes* md = m.metadata_for(*protocol_name_)) r.subscription = *md;
    }
    r.assignment = m.assignment;
    v.members.push_back(std::move(r));
  }
  return v;
}

bool ClassicGroup::is_subscribed_to(std::string_view topic) const {
  if (members_.empty()) return false;
  if (protocol_type_ != "consumer" || !protocol_name_) return true;
  for (const auto& [id, m] : members_) {
    const Bytes* md = m.metadata_for(*protocol_name_);
    if (md == nullptr) return true;
    auto topics = decode_subscription_topics(*md);
    if (!topics) return true;
    if (std::find(topics->begin(), topics->end(), topic) != topics->end()) return true;
  }
  return false;
}

}  // namespace eddy::group
