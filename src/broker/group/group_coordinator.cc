// Membership requests: JoinGroup, SyncGroup, Heartbeat and LeaveGroup, and what they share
// (ownership, member ids, appends). The rebalance they start and the timers that end it are in
// group_rebalance.cc, offsets and administration in group_offsets.cc, taking __consumer_offsets
// partitions over in group_loading.cc.

#include "broker/group/group_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <utility>

#include "broker/group/coordinator_effects.h"

namespace eddy::group {

namespace {

// Kafka's line for a member that left through LeaveGroup, with the client's KIP-800 reason.
void log_member_left(const ClassicGroup& g, const std::string& member_id, const LeaveMember& lm,
                     GroupCoordinator::Effects& fx) {
  log_info(fx,
           "Member[group.instance.id {}, member.id {}] in group {} has left, removing it from "
           "the group; client reason: {}",
           lm.group_instance_id ? log_text(*lm.group_instance_id) : "None", log_text(member_id),
           log_text(g.group_id()), lm.reason.empty() ? "not provided" : log_text(lm.reason));
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// What every JoinGroup of a known member refreshes (Kafka's updateMember), besides its protocols
// (ClassicGroup::set_protocols): both timeouts and whether it may skip the assignment.
void refresh_from_join(MemberState& m, const JoinGroupParams& p) {
  m.session_timeout_ms = p.session_timeout_ms;
  m.rebalance_timeout_ms = p.rebalance_timeout_ms;
  m.supports_skip_assignment = p.supports_skip_assignment;
}

}  // namespace

GroupCoordinator::GroupCoordinator(GroupConfig config, CoordinatorLog& log, const Clock& clock)
    : config_(config),
      log_(log),
      clock_(clock),
      member_id_salt_((uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()),
      next_offset_expiry_ms_(clock.monotonic_ms() + config.offsets_retention_check_interval_ms) {}

int32_t GroupCoordinator::partition_for(std::string_view group_id) const {
  return partition_for_group(group_id, config_.offsets_topic_num_partitions);
}

std::string GroupCoordinator::new_member_id(std::string_view client_id) {
  // Kafka's shape: client id, a dash and a UUID, unique for the life of the process.
  uint64_t hi = splitmix64(member_id_salt_ ^ ++member_id_seq_);
  uint64_t lo = splitmix64(hi ^ member_id_seq_);
  char uuid[40];
  std::snprintf(uuid, sizeof(uuid), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return std::string(client_id) + "-" + uuid;
}

// ---- ownership --------------------------------------------------------------------------------

ErrorCode GroupCoordinator::check_owner(std::string_view group_id) const {
  auto it = partitions_.find(partition_for(group_id));
  if (it == partitions_.end()) return err::kNotCoordinator;
  if (it->second.loading) return err::kCoordinatorLoadInProgress;
  return err::kNone;
}

uint64_t GroupCoordinator::epoch_of(int32_t partition) const {
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? 0 : it->second.epoch;
}

bool GroupCoordinator::is_loaded(int32_t partition) const {
  std::lock_guard l(mu_);
  auto it = partitions_.find(partition);
  return it != partitions_.end() && !it->second.loading;
}

ClassicGroup* GroupCoordinator::find_group(std::string_view group_id) {
  auto it = groups_.find(std::string(group_id));
  return it == groups_.end() ? nullptr : it->second.get();
}

const ClassicGroup* GroupCoordinator::find_group(std::string_view group_id) const {
  auto it = groups_.find(std::string(group_id));
  return it == groups_.end() ? nullptr : it->second.get();
}

ClassicGroup& GroupCoordinator::get_or_create_group(const std::string& group_id) {
  auto& slot = groups_[group_id];
  if (!slot) {
    slot = std::make_unique<ClassicGroup>(group_id, partition_for(group_id), clock_.wall_ms());
  }
  return *slot;
}

void GroupCoordinator::remove_group(const std::string& group_id) {
  active_groups_.erase(group_id);
  groups_.erase(group_id);
}

void GroupCoordinator::finish_append(int32_t partition, uint64_t epoch, const Status& s,
                                     const AppendDone& then) {
  Effects fx;
  {
    std::lock_guard l(mu_);
    ErrorCode error = epoch_of(partition) != epoch ? err::kNotCoordinator : append_error(s);
    then(error, fx);
  }
  fx.run(*this);
}

void GroupCoordinator::store_group(ClassicGroup& g, AppendDone then, Effects& fx) {
  store_group_record(g, g.to_record(clock_.wall_ms()), std::move(then), fx);
}

void GroupCoordinator::store_group_record(ClassicGroup& g, const GroupMetadataValue& value,
                                          AppendDone then, Effects& fx) {
  std::vector<CoordinatorRecord> records;
  records.push_back(
      CoordinatorRecord{encode_key(GroupMetadataKey{g.group_id()}), encode_value(value)});
  fx.append(g.partition(), epoch_of(g.partition()), std::move(records), std::move(then));
}

// ---- JoinGroup --------------------------------------------------------------------------------

void GroupCoordinator::join_group(JoinGroupParams p, JoinCallback done) {
  Effects fx;
  {
    std::lock_guard l(mu_);
    ErrorCode owner = p.group_id.empty() ? err::kInvalidGroupId : check_owner(p.group_id);
    if (owner != err::kNone) {
      answer_join_error(fx, done, owner, p.member_id);
    } else if (p.session_timeout_ms < config_.min_session_timeout_ms ||
               p.session_timeout_ms > config_.max_session_timeout_ms) {
      answer_join_error(fx, done, err::kInvalidSessionTimeout, p.member_id);
    } else {
      ClassicGroup* g = find_group(p.group_id);
      ErrorCode limit = check_metadata_limits(g, p);
      if (limit != err::kNone) {
        answer_join_error(fx, done, limit, p.member_id);
      } else if (g == nullptr && !p.member_id.empty()) {
        answer_join_error(fx, done, err::kUnknownMemberId, p.member_id);
      } else {
        if (g == nullptr) g = &get_or_create_group(p.group_id);
        if (p.member_id.empty()) {
          new_member_join(*g, p, done, fx);
        } else {
          current_member_join(*g, p, done, fx);
        }
        // A group this join created and then refused holds nothing worth keeping.
        if (g->is(GroupState::kEmpty) && g->members().empty() && g->pending_members().empty() &&
            g->offsets().empty() && g->generation() == 0) {
          remove_group(p.group_id);
        }
      }
    }
  }
  fx.run(*this);
}

ErrorCode GroupCoordinator::check_metadata_limits(const ClassicGroup* g, const JoinGroupParams& p) {
  // Kafka bounds a member's metadata only by the request size (100 MB): a few hundred such joins
  // would hold gigabytes. One member over its bound sent a request no client needs; a group over
  // its bound is full, as group.max.size makes it by members.
  GroupLimits bounds = limits();
  size_t bytes = protocol_metadata_bytes(p.protocols);
  auto refuse = [&](ErrorCode error) {
    ++refused_joins_.count;
    refused_joins_.last_group = p.group_id;
    refused_joins_.last_bytes = bytes;
    return error;
  };
  if (bytes > bounds.member_metadata_max_bytes) return refuse(err::kInvalidRequest);
  if (g == nullptr) {
    return bytes > bounds.metadata_max_bytes ? refuse(err::kGroupMaxSizeReached) : err::kNone;
  }
  // A rejoin replaces the member's metadata: only the difference counts.
  const MemberState* replaced = nullptr;
  if (!p.member_id.empty()) {
    auto it = g->members().find(p.member_id);
    if (it != g->members().end()) replaced = &it->second;
  } else if (p.group_instance_id) {
    if (auto old = g->static_member(*p.group_instance_id)) {
      auto it = g->members().find(*old);
      if (it != g->members().end()) replaced = &it->second;
    }
  }
  size_t kept = g->metadata_bytes() -
                (replaced != nullptr ? protocol_metadata_bytes(replaced->protocols) : 0);
  return kept + bytes > bounds.metadata_max_bytes ? refuse(err::kGroupMaxSizeReached) : err::kNone;
}

void GroupCoordinator::new_member_join(ClassicGroup& g, JoinGroupParams& p, JoinCallback& done,
                                       Effects& fx) {
  if (g.is(GroupState::kDead)) {
    answer_join_error(fx, done, err::kCoordinatorNotAvailable, "");
    return;
  }
  if (!g.supports_protocols(p.protocol_type, p.protocols)) {
    answer_join_error(fx, done, err::kInconsistentGroupProtocol, "");
    return;
  }
  if (p.group_instance_id) {
    if (auto old = g.static_member(*p.group_instance_id)) {
      static_member_rejoin(g, p, *old, done, fx);
      return;
    }
  }
  if (g.members().size() + g.pending_members().size() >=
      static_cast<size_t>(std::max(config_.max_size, 0))) {
    answer_join_error(fx, done, err::kGroupMaxSizeReached, "");
    return;
  }
  std::string id = new_member_id(p.client_id);
  if (!p.group_instance_id && p.require_known_member_id) {
    // KIP-394: the member must come back with this id, so that a client that loses the answer
    // does not leave a phantom member behind for a whole session timeout.
    g.pending_members()[id] = clock_.monotonic_ms() + p.session_timeout_ms;
    active_groups_.insert(g.group_id());
    answer_join_error(fx, done, err::kMemberIdRequired, id);
    return;
  }
  add_member_and_rebalance(g, p, std::move(id), std::move(done), fx);
}

void GroupCoordinator::static_member_rejoin(ClassicGroup& g, JoinGroupParams& p,
                                            const std::string& old_id, JoinCallback& done,
                                            Effects& fx) {
  MemberState* old = g.member(old_id);
  // The previous incarnation's requests still waiting are answered: it has been replaced.
  if (old->awaiting_join) answer_join_error(fx, old->awaiting_join, err::kFencedInstanceId, old_id);
  old->awaiting_join = nullptr;
  if (old->awaiting_sync) answer_sync_error(fx, old->awaiting_sync, err::kFencedInstanceId);
  old->awaiting_sync = nullptr;
  std::string old_leader = g.leader_id().value_or("");
  std::string new_id = new_member_id(p.client_id);
  g.replace_static_member(old_id, new_id);
  MemberState& m = *g.member(new_id);
  // Moved, not copied: a member's metadata may be large.
  g.set_protocols(m, std::move(p.protocols));
  refresh_from_join(m, p);
  m.client_id = p.client_id;
  m.client_host = p.client_host;
  schedule_session(m);

  switch (g.state()) {
    case GroupState::kStable:
      if (g.protocol_name() == g.select_protocol()) {
        // No rebalance: the restarted member takes over the old one's assignment once the new
        // member id is durable.
        std::string gid = g.group_id();
        bool skip = p.supports_skip_assignment;
        store_group(
            g,
            [this, gid, new_id, old_leader, skip, done = std::move(done)](ErrorCode error,
                                                                          Effects& fx) mutable {
              ClassicGroup* g = find_group(gid);
              MemberState* m = g == nullptr ? nullptr : g->member(new_id);
              if (error == err::kNone && m == nullptr) error = err::kUnknownMemberId;
              if (error != err::kNone) {
                answer_join_error(fx, done, error, new_id);
                return;
              }
              bool leader = g->is_leader(new_id);
              JoinGroupResult r = current_generation_answer(*g, *m, skip && leader);
              // Older clients would recompute an assignment that a Stable group never hands out;
              // naming the previous leader id keeps them from acting as leader (Kafka does this).
              if (skip) {
                r.skip_assignment = leader;
              } else {
                r.leader = old_leader;
              }
              answer_join(fx, done, std::move(r));
            },
            fx);
        return;
      }
      m.awaiting_join = std::move(done);
      prepare_rebalance(g, {metrics::RebalanceTrigger::kStaticMemberRejoined, new_id, p.reason},
                        fx);
      return;
    case GroupState::kCompletingRebalance:
      // The leader may already be assigning to the old member id: start over.
      m.awaiting_join = std::move(done);
      prepare_rebalance(g, {metrics::RebalanceTrigger::kStaticMemberRejoined, new_id, p.reason},
                        fx);
      return;
    case GroupState::kPreparingRebalance:
      m.awaiting_join = std::move(done);
      maybe_complete_join(g, fx);
      return;
    case GroupState::kEmpty:
    case GroupState::kDead:
      answer_join_error(fx, done, err::kUnknownMemberId, new_id);
      return;
  }
}

void GroupCoordinator::current_member_join(ClassicGroup& g, JoinGroupParams& p, JoinCallback& done,
                                           Effects& fx) {
  if (g.is(GroupState::kDead)) {
    answer_join_error(fx, done, err::kCoordinatorNotAvailable, p.member_id);
    return;
  }
  // Before the pending check: a pending member that came back with another member's
  // group.instance.id would otherwise be added beside it, two members owning one instance id.
  if (g.is_static_member_fenced(p.group_instance_id, p.member_id)) {
    answer_join_error(fx, done, err::kFencedInstanceId, p.member_id);
    return;
  }
  auto pending = g.pending_members().find(p.member_id);
  if (pending != g.pending_members().end()) {
    if (!g.supports_protocols(p.protocol_type, p.protocols)) {
      answer_join_error(fx, done, err::kInconsistentGroupProtocol, p.member_id);
      return;
    }
    g.pending_members().erase(pending);
    std::string id = p.member_id;
    add_member_and_rebalance(g, p, std::move(id), std::move(done), fx);
    return;
  }
  MemberState* m = g.member(p.member_id);
  if (m == nullptr) {
    answer_join_error(fx, done, err::kUnknownMemberId, p.member_id);
    return;
  }
  if (!g.supports_protocols(p.protocol_type, p.protocols)) {
    answer_join_error(fx, done, err::kInconsistentGroupProtocol, p.member_id);
    return;
  }
  switch (g.state()) {
    case GroupState::kPreparingRebalance:
      // Already rebalancing: nothing new starts, the trigger is not counted.
      update_member_and_rebalance(g, *m, p, metrics::RebalanceTrigger::kMemberMetadataChanged,
                                  std::move(done), fx);
      return;
    case GroupState::kCompletingRebalance:
      if (m->same_protocols(p.protocols)) {
        // A retried JoinGroup whose answer was lost: answer it again.
        answer_join(fx, done, current_generation_answer(g, *m, g.is_leader(m->member_id)));
      } else {
        update_member_and_rebalance(g, *m, p, metrics::RebalanceTrigger::kMemberMetadataChanged,
                                    std::move(done), fx);
      }
      return;
    case GroupState::kStable:
      if (g.is_leader(m->member_id) || !m->same_protocols(p.protocols)) {
        // The leader rejoins to make the group reassign (its metadata changed, say).
        update_member_and_rebalance(g, *m, p,
                                    g.is_leader(m->member_id)
                                        ? metrics::RebalanceTrigger::kLeaderRejoined
                                        : metrics::RebalanceTrigger::kMemberMetadataChanged,
                                    std::move(done), fx);
      } else {
        schedule_session(*m);
        answer_join(fx, done, current_generation_answer(g, *m, false));
      }
      return;
    case GroupState::kEmpty:
    case GroupState::kDead:
      answer_join_error(fx, done, err::kUnknownMemberId, p.member_id);
      return;
  }
}

void GroupCoordinator::add_member_and_rebalance(ClassicGroup& g, JoinGroupParams& p,
                                                std::string member_id, JoinCallback done,
                                                Effects& fx) {
  MemberState m;
  m.member_id = std::move(member_id);
  m.group_instance_id = p.group_instance_id;
  m.client_id = p.client_id;
  m.client_host = p.client_host;
  m.protocol_type = p.protocol_type;
  m.protocols = std::move(p.protocols);
  refresh_from_join(m, p);
  m.awaiting_join = std::move(done);
  schedule_session(m);
  std::string id = m.member_id;
  g.add_member(std::move(m));
  active_groups_.insert(g.group_id());
  if (g.is(GroupState::kPreparingRebalance)) g.rebalance().new_member_added = true;
  maybe_prepare_rebalance(g, {metrics::RebalanceTrigger::kMemberJoined, id, p.reason}, fx);
  maybe_complete_join(g, fx);
}

void GroupCoordinator::update_member_and_rebalance(ClassicGroup& g, MemberState& m,
                                                   JoinGroupParams& p,
                                                   metrics::RebalanceTrigger trigger,
                                                   JoinCallback done, Effects& fx) {
  // Moved, not copied: a member's metadata may be large.
  g.set_protocols(m, std::move(p.protocols));
  refresh_from_join(m, p);
  if (m.awaiting_join) {
    // Superseded by this retry: the client no longer waits for the older request.
    answer_join_error(fx, m.awaiting_join, err::kRebalanceInProgress, m.member_id);
  }
  m.awaiting_join = std::move(done);
  maybe_prepare_rebalance(g, {trigger, m.member_id, p.reason}, fx);
  maybe_complete_join(g, fx);
}

// ---- SyncGroup --------------------------------------------------------------------------------

void GroupCoordinator::sync_group(SyncGroupParams p, SyncCallback done) {
  Effects fx;
  {
    std::lock_guard l(mu_);
    ErrorCode error = p.group_id.empty() ? err::kInvalidGroupId : check_owner(p.group_id);
    ClassicGroup* g = error == err::kNone ? find_group(p.group_id) : nullptr;
    MemberState* m = g == nullptr ? nullptr : g->member(p.member_id);
    if (error == err::kNone) {
      if (g == nullptr) {
        error = err::kUnknownMemberId;
      } else if (g->is(GroupState::kDead)) {
        error = err::kCoordinatorNotAvailable;
      } else if (g->is_static_member_fenced(p.group_instance_id, p.member_id)) {
        error = err::kFencedInstanceId;
      } else if (m == nullptr) {
        error = err::kUnknownMemberId;
      } else if (p.generation_id != g->generation()) {
        error = err::kIllegalGeneration;
      } else if ((p.protocol_type && g->protocol_type() != p.protocol_type) ||
                 (p.protocol_name && g->protocol_name() != p.protocol_name)) {
        error = err::kInconsistentGroupProtocol;
      } else if (g->is(GroupState::kEmpty)) {
        error = err::kUnknownMemberId;
      } else if (g->is(GroupState::kPreparingRebalance)) {
        error = err::kRebalanceInProgress;
      }
    }
    if (error != err::kNone) {
      answer_sync_error(fx, done, error);
    } else if (g->is(GroupState::kStable)) {
      schedule_session(*m);
      SyncGroupResult r;
      r.protocol_type = g->protocol_type();
      r.protocol_name = g->protocol_name();
      r.assignment = m->assignment;
      answer_sync(fx, done, std::move(r));
    } else {
      // CompletingRebalance: wait for the leader's assignment to become durable.
      if (m->awaiting_sync) answer_sync_error(fx, m->awaiting_sync, err::kRebalanceInProgress);
      m->awaiting_sync = std::move(done);
      schedule_session(*m);
      if (g->is_leader(p.member_id)) {
        log_info(fx,
                 "Assignment received from leader {} for group {} for generation {}. The group "
                 "has {} members, {} of which are static.",
                 log_text(p.member_id), log_text(g->group_id()), g->generation(),
                 g->members().size(), g->static_member_count());
        std::map<std::string, Bytes> assignments;
        for (auto& [id, a] : p.assignments) {
          if (g->has_member(id)) assignments[id] = std::move(a);
        }
        GroupMetadataValue record = g->to_record(clock_.wall_ms());
        for (MemberMetadataRecord& r : record.members) r.assignment = assignments[r.member_id];
        std::string gid = g->group_id();
        int32_t generation = g->generation();
        store_group_record(
            *g, record,
            [this, gid, generation, assignments = std::move(assignments)](ErrorCode error,
                                                                          Effects& fx) mutable {
              ClassicGroup* g = find_group(gid);
              // Someone else moved the group on (and answered the waiting members) meanwhile.
              if (g == nullptr || !g->is(GroupState::kCompletingRebalance) ||
                  g->generation() != generation) {
                return;
              }
              if (error != err::kNone) {
                reset_and_propagate_assignment_error(*g, error, fx);
                std::string leader = g->leader_id().value_or("");
                prepare_rebalance(
                    *g, {metrics::RebalanceTrigger::kAssignmentWriteFailed, leader, {}}, fx);
                maybe_complete_join(*g, fx);
                return;
              }
              for (auto& [id, m] : g->members()) {
                auto a = assignments.find(id);
                m.assignment = a == assignments.end() ? Bytes{} : std::move(a->second);
              }
              g->transition_to(GroupState::kStable, clock_.wall_ms());
              propagate_assignment(*g, err::kNone, fx);
            },
            fx);
      }
    }
  }
  fx.run(*this);
}

// ---- Heartbeat and LeaveGroup -----------------------------------------------------------------

ErrorCode GroupCoordinator::heartbeat(const HeartbeatParams& p) {
  std::lock_guard l(mu_);
  if (p.group_id.empty()) return err::kInvalidGroupId;
  if (ErrorCode e = check_owner(p.group_id); e != err::kNone) return e;
  ClassicGroup* g = find_group(p.group_id);
  if (g == nullptr) return err::kUnknownMemberId;
  if (g->is(GroupState::kDead)) return err::kCoordinatorNotAvailable;
  if (g->is_static_member_fenced(p.group_instance_id, p.member_id)) return err::kFencedInstanceId;
  MemberState* m = g->member(p.member_id);
  if (m == nullptr) return err::kUnknownMemberId;
  if (p.generation_id != g->generation()) return err::kIllegalGeneration;
  switch (g->state()) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return err::kUnknownMemberId;
    case GroupState::kPreparingRebalance:
      schedule_session(*m);
      return err::kRebalanceInProgress;
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      schedule_session(*m);
      return err::kNone;
  }
  return err::kNone;
}

LeaveGroupResult GroupCoordinator::leave_group(const std::string& group_id,
                                               const std::vector<LeaveMember>& members) {
  LeaveGroupResult result;
  Effects fx;
  {
    std::lock_guard l(mu_);
    result.error_code = group_id.empty() ? err::kInvalidGroupId : check_owner(group_id);
    ClassicGroup* g = result.error_code == err::kNone ? find_group(group_id) : nullptr;
    if (result.error_code == err::kNone) {
      if (g == nullptr) {
        result.error_code = err::kUnknownMemberId;
      } else if (g->is(GroupState::kDead)) {
        result.error_code = err::kCoordinatorNotAvailable;
      }
    }
    if (result.error_code == err::kNone) {
      for (const LeaveMember& lm : members) {
        LeaveMemberResult r{lm.member_id, lm.group_instance_id, err::kNone};
        if (lm.group_instance_id) {
          auto owner = g->static_member(*lm.group_instance_id);
          if (!owner) {
            r.error_code = err::kUnknownMemberId;
          } else if (!lm.member_id.empty() && lm.member_id != *owner) {
            r.error_code = err::kFencedInstanceId;
          } else {
            log_member_left(*g, *owner, lm, fx);
            remove_member_and_update_group(
                *g, *owner, err::kUnknownMemberId,
                {metrics::RebalanceTrigger::kMemberLeft, *owner, lm.reason}, fx);
          }
        } else if (g->pending_members().count(lm.member_id) != 0) {
          log_info(fx, "Pending member {} has left group {} through explicit LeaveGroup",
                   log_text(lm.member_id), log_text(group_id));
          remove_pending_member_and_update_group(*g, lm.member_id, fx);
        } else if (!g->has_member(lm.member_id)) {
          r.error_code = err::kUnknownMemberId;
        } else {
          log_member_left(*g, lm.member_id, lm, fx);
          remove_member_and_update_group(
              *g, lm.member_id, err::kUnknownMemberId,
              {metrics::RebalanceTrigger::kMemberLeft, lm.member_id, lm.reason}, fx);
        }
        result.members.push_back(std::move(r));
      }
    }
  }
  fx.run(*this);
  return result;
}

// ---- introspection ----------------------------------------------------------------------------

std::optional<GroupState> GroupCoordinator::group_state(const std::string& group_id) const {
  std::lock_guard l(mu_);
  const ClassicGroup* g = find_group(group_id);
  if (g == nullptr) return std::nullopt;
  return g->state();
}

std::optional<int32_t> GroupCoordinator::group_generation(const std::string& group_id) const {
  std::lock_guard l(mu_);
  const ClassicGroup* g = find_group(group_id);
  if (g == nullptr) return std::nullopt;
  return g->generation();
}

size_t GroupCoordinator::group_count() const {
  std::lock_guard l(mu_);
  return groups_.size();
}

GroupCoordinator::RefusedJoins GroupCoordinator::take_refused_joins() {
  std::lock_guard l(mu_);
  return std::exchange(refused_joins_, RefusedJoins{});
}

size_t GroupCoordinator::metadata_bytes() const {
  std::lock_guard l(mu_);
  // Only groups with members hold metadata, and every one of them is active.
  size_t bytes = 0;
  for (const std::string& id : active_groups_) {
    if (const ClassicGroup* g = find_group(id)) bytes += g->metadata_bytes();
  }
  return bytes;
}

}  // namespace eddy::group