// GroupCoordinator, part four: the rebalance state machine (Kafka's prepareRebalance,
// onCompleteJoin, removeMemberAndUpdateGroup) and the timers that drive it (sessions, pending
// members, the rebalance deadline). The requests that start it are in group_coordinator.cc.

//
// Logs: each rebalance writes Kafka's GroupCoordinator INFO lines (docs/consumer-groups.md,
// "Rebalance log"): "Preparing to rebalance group ...", "Stabilized group ..." or "... is now
// empty", and a line for each member removed by the coordinator. They come from state changes,
// never from a heartbeat or a steady group's requests.

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "broker/group/coordinator_effects.h"
#include "broker/group/group_coordinator.h"
#include "broker/group/group_records.h"

namespace eddy::group {

namespace {

// Kafka's "(reason: ...)" of a rebalance, from what triggered it.
std::string rebalance_reason(metrics::RebalanceTrigger trigger, std::string_view member_id,
                             std::string_view client_reason, GroupState state) {
  std::string member = log_text(member_id);
  std::string reason;
  switch (trigger) {
    case metrics::RebalanceTrigger::kMemberJoined:
      reason = "Adding new member " + member;
      break;
    case metrics::RebalanceTrigger::kMemberMetadataChanged:
      reason = "Updating metadata for member " + member + " during " + group_state_name(state);
      break;
    case metrics::RebalanceTrigger::kLeaderRejoined:
      reason = "Leader " + member + " re-joining group during " + group_state_name(state);
      break;
    case metrics::RebalanceTrigger::kStaticMemberRejoined:
      reason = "Static member " + member + " rejoined during " + group_state_name(state);
      break;
    case metrics::RebalanceTrigger::kMemberLeft:
      reason = "removing member " + member + " on LeaveGroup";
      break;
    case metrics::RebalanceTrigger::kSessionExpired:
      reason = "removing member " + member + " on heartbeat expiration";
      break;
    case metrics::RebalanceTrigger::kAssignmentWriteFailed:
      reason = "storing the assignment of leader " + member + " failed";
      break;
  }
  if (!client_reason.empty()) reason += "; client reason: " + log_text(client_reason);
  return reason;
}

// At most this many member ids named in one line; the rest are counted.
constexpr size_t kMaxMembersLogged = 10;

}  // namespace

std::string log_text(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxLogTextBytes));
  for (size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= kMaxLogTextBytes) {
      out += "...(" + std::to_string(text.size()) + " bytes)";
      break;
    }
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

// ---- the rebalance ----------------------------------------------------------------------------

void GroupCoordinator::maybe_prepare_rebalance(ClassicGroup& g, RebalanceCause cause, Effects& fx) {
  if (g.is(GroupState::kEmpty) || g.is(GroupState::kStable) ||
      g.is(GroupState::kCompletingRebalance)) {
    prepare_rebalance(g, cause, fx);
  }
}

void GroupCoordinator::prepare_rebalance(ClassicGroup& g, RebalanceCause cause, Effects& fx) {
  metrics::count_rebalance(cause.trigger, cause.client_reason);
  if (g.is(GroupState::kCompletingRebalance)) {
    reset_and_propagate_assignment_error(g, err::kRebalanceInProgress, fx);
  }
  ClassicGroup::Rebalance& r = g.rebalance();
  int64_t now = clock_.monotonic_ms();
  if (g.is(GroupState::kEmpty) && config_.initial_rebalance_delay_ms > 0) {
    // A new group waits a little so that consumers starting together join one generation
    // instead of rebalancing once per arrival; each arrival extends the wait, up to the
    // rebalance timeout.
    r.initial_delay = true;
    r.delay_remaining_ms =
        std::max<int64_t>(0, g.max_rebalance_timeout_ms() - config_.initial_rebalance_delay_ms);
    r.deadline_ms = now + config_.initial_rebalance_delay_ms;
  } else {
    r.initial_delay = false;
    r.deadline_ms = now + g.max_rebalance_timeout_ms();
  }
  r.new_member_added = false;
  // Kafka names the state after the transition (always PreparingRebalance); the state the group
  // left says more.
  log_info(
      fx, "Preparing to rebalance group {} in state {} with old generation {} ({}-{}) (reason: {})",
      log_text(g.group_id()), group_state_name(g.state()), g.generation(), kOffsetsTopic,
      g.partition(),
      rebalance_reason(cause.trigger, cause.member_id, cause.client_reason, g.state()));
  g.transition_to(GroupState::kPreparingRebalance, clock_.wall_ms());
  active_groups_.insert(g.group_id());
}

void GroupCoordinator::maybe_complete_join(ClassicGroup& g, Effects& fx) {
  if (!g.is(GroupState::kPreparingRebalance) || g.rebalance().initial_delay) return;
  if (g.has_all_members_joined()) complete_join(g, fx);
}

void GroupCoordinator::complete_join(ClassicGroup& g, Effects& fx) {
  // Dynamic members that did not rejoin in time are gone. Static members stay: a restarting
  // static member keeps its place (and its partitions) until its session times out.
  std::vector<std::string> missing;
  for (const auto& [id, m] : g.members()) {
    if (!m.is_awaiting_join() && !m.group_instance_id) missing.push_back(id);
  }
  for (const std::string& id : missing) g.remove_member(id);
  if (!missing.empty()) {
    std::string names;
    for (size_t i = 0; i < missing.size() && i < kMaxMembersLogged; ++i) {
      names += (i == 0 ? "" : ", ") + log_text(missing[i]);
    }
    if (missing.size() > kMaxMembersLogged) {
      names += " and " + std::to_string(missing.size() - kMaxMembersLogged) + " more";
    }
    log_info(fx, "Group {} removed {} dynamic members who haven't joined: {}",
             log_text(g.group_id()), missing.size(), names);
  }

  g.rebalance() = ClassicGroup::Rebalance{};
  g.init_next_generation(clock_.wall_ms());
  if (g.is(GroupState::kEmpty)) {
    log_info(fx, "Group {} with generation {} is now empty ({}-{})", log_text(g.group_id()),
             g.generation(), kOffsetsTopic, g.partition());
    store_group(
        g, [](ErrorCode, Effects&) {}, fx);
    return;
  }
  log_info(fx, "Stabilized group {} generation {} ({}-{}) with {} members", log_text(g.group_id()),
           g.generation(), kOffsetsTopic, g.partition(), g.members().size());
  for (auto& [id, m] : g.members()) {
    if (!m.awaiting_join) continue;
    answer_join(fx, m.awaiting_join, current_generation_answer(g, m, g.is_leader(id)));
    m.awaiting_join = nullptr;
    schedule_session(m);
  }
}

JoinGroupResult GroupCoordinator::current_generation_answer(const ClassicGroup& g,
                                                            const MemberState& m,
                                                            bool with_members) const {
  JoinGroupResult r;
  r.generation_id = g.generation();
  r.protocol_type = g.protocol_type();
  r.protocol_name = g.protocol_name();
  r.leader = g.leader_id().value_or("");
  r.member_id = m.member_id;
  if (with_members && g.protocol_name()) {
    for (const auto& [id, other] : g.members()) {
      const Bytes* md = other.metadata_for(*g.protocol_name());
      r.members.push_back(
          JoinGroupMember{id, other.group_instance_id, md != nullptr ? *md : Bytes{}});
    }
  }
  return r;
}

void GroupCoordinator::reset_and_propagate_assignment_error(ClassicGroup& g, ErrorCode error,
                                                            Effects& fx) {
  for (auto& [id, m] : g.members()) m.assignment.clear();
  propagate_assignment(g, error, fx);
}

void GroupCoordinator::propagate_assignment(ClassicGroup& g, ErrorCode error, Effects& fx) {
  for (auto& [id, m] : g.members()) {
    if (!m.awaiting_sync) continue;
    SyncGroupResult r;
    r.error_code = error;
    r.protocol_type = g.protocol_type();
    r.protocol_name = g.protocol_name();
    if (error == err::kNone) r.assignment = m.assignment;
    answer_sync(fx, m.awaiting_sync, std::move(r));
    m.awaiting_sync = nullptr;
    // The member's session restarts from the moment it got its assignment.
    schedule_session(m);
  }
}

void GroupCoordinator::answer_all_waiting(ClassicGroup& g, ErrorCode error, Effects& fx) {
  for (auto& [id, m] : g.members()) {
    if (m.awaiting_join) answer_join_error(fx, m.awaiting_join, error, id);
    m.awaiting_join = nullptr;
    if (m.awaiting_sync) answer_sync_error(fx, m.awaiting_sync, error);
    m.awaiting_sync = nullptr;
  }
}

void GroupCoordinator::schedule_session(MemberState& m) const {
  m.session_deadline_ms = clock_.monotonic_ms() + m.session_timeout_ms;
}

void GroupCoordinator::remove_member_and_update_group(ClassicGroup& g, const std::string& member_id,
                                                      ErrorCode answer, RebalanceCause cause,
                                                      Effects& fx) {
  MemberState* m = g.member(member_id);
  if (m == nullptr) return;
  if (m->awaiting_join) answer_join_error(fx, m->awaiting_join, answer, member_id);
  if (m->awaiting_sync) answer_sync_error(fx, m->awaiting_sync, answer);
  g.remove_member(member_id);
  switch (g.state()) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      prepare_rebalance(g, cause, fx);
      maybe_complete_join(g, fx);
      return;
    case GroupState::kPreparingRebalance:
      maybe_complete_join(g, fx);
      return;
    case GroupState::kEmpty:
    case GroupState::kDead:
      return;
  }
}

void GroupCoordinator::remove_pending_member_and_update_group(ClassicGroup& g,
                                                              const std::string& member_id,
                                                              Effects& fx) {
  g.pending_members().erase(member_id);
  maybe_complete_join(g, fx);
}

// ---- time -------------------------------------------------------------------------------------

int64_t GroupCoordinator::tick() {
  Effects fx;
  int64_t next = std::numeric_limits<int64_t>::max();
  {
    std::lock_guard l(mu_);
    int64_t now = clock_.monotonic_ms();
    std::vector<std::string> active(active_groups_.begin(), active_groups_.end());
    for (const std::string& id : active) {
      ClassicGroup* g = find_group(id);
      if (g != nullptr) tick_group(*g, now, fx);
      g = find_group(id);
      if (g == nullptr || (g->members().empty() && g->pending_members().empty() &&
                           !g->is(GroupState::kPreparingRebalance))) {
        active_groups_.erase(id);
      }
    }
    if (now >= next_offset_expiry_ms_) {
      expire_offsets(fx);
      next_offset_expiry_ms_ = now + config_.offsets_retention_check_interval_ms;
    }
    next = next_offset_expiry_ms_;
    for (const std::string& id : active_groups_) {
      if (const ClassicGroup* g = find_group(id)) next = std::min(next, next_deadline(*g));
    }
  }
  fx.run(*this);
  return next;
}

// The deadlines tick_group() acts on: pending members', sessions of members that owe a
// heartbeat, and the rebalance's.
int64_t GroupCoordinator::next_deadline(const ClassicGroup& g) {
  int64_t next = std::numeric_limits<int64_t>::max();
  for (const auto& [id, deadline] : g.pending_members()) next = std::min(next, deadline);
  for (const auto& [id, m] : g.members()) {
    if (!m.is_awaiting_join() && !m.is_awaiting_sync()) {
      next = std::min(next, m.session_deadline_ms);
    }
  }
  const ClassicGroup::Rebalance& r = g.rebalance();
  if (g.is(GroupState::kPreparingRebalance) && r.deadline_ms >= 0) {
    next = std::min(next, r.deadline_ms);
  }
  return next;
}

void GroupCoordinator::tick_group(ClassicGroup& g, int64_t now, Effects& fx) {
  std::vector<std::string> expired_pending;
  for (const auto& [id, deadline] : g.pending_members()) {
    if (deadline <= now) expired_pending.push_back(id);
  }
  for (const std::string& id : expired_pending) {
    log_info(fx, "Pending member {} in group {} has been removed after session timeout expiration",
             log_text(id), log_text(g.group_id()));
    remove_pending_member_and_update_group(g, id, fx);
  }

  // A member waiting in JoinGroup or SyncGroup is alive by definition; the others must heartbeat.
  std::vector<std::string> expired;
  for (const auto& [id, m] : g.members()) {
    if (!m.is_awaiting_join() && !m.is_awaiting_sync() && m.session_deadline_ms <= now) {
      expired.push_back(id);
    }
  }
  for (const std::string& id : expired) {
    log_info(fx, "Member {} in group {} has failed, removing it from the group", log_text(id),
             log_text(g.group_id()));
    remove_member_and_update_group(g, id, err::kUnknownMemberId,
                                   {metrics::RebalanceTrigger::kSessionExpired, id, {}}, fx);
  }

  ClassicGroup::Rebalance& r = g.rebalance();
  if (!g.is(GroupState::kPreparingRebalance) || r.deadline_ms < 0 || now < r.deadline_ms) return;
  if (r.initial_delay && r.new_member_added && r.delay_remaining_ms > 0) {
    int64_t delay = std::min<int64_t>(config_.initial_rebalance_delay_ms, r.delay_remaining_ms);
    r.delay_remaining_ms -= delay;
    r.deadline_ms = now + delay;
    r.new_member_added = false;
    return;
  }
  complete_join(g, fx);
}

}  // namespace eddy::group
