// GroupCoordinator, part two: committed offsets (OffsetCommit, OffsetFetch, OffsetDelete), their
// retention and group administration (ListGroups, DescribeGroups, DeleteGroups).

#include <algorithm>
#include <memory>

#include "broker/group/coordinator_effects.h"
#include "broker/group/group_coordinator.h"

namespace eddy::group {

ErrorCode GroupCoordinator::append_error(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return err::kNone;
    case StatusCode::kTooLarge:
      return err::kInvalidCommitOffsetSize;
    default:
      // Retriable for the client: it finds the coordinator again and retries.
      return err::kCoordinatorNotAvailable;
  }
}

// ---- OffsetCommit -----------------------------------------------------------------------------

ErrorCode GroupCoordinator::validate_commit(ClassicGroup* g, const OffsetCommitParams& p) const {
  if (g == nullptr) {
    // Only a commit from outside group management may create a group.
    return p.generation_id < 0 ? err::kNone : err::kIllegalGeneration;
  }
  if (g->is(GroupState::kDead)) return err::kCoordinatorNotAvailable;
  if (g->is_static_member_fenced(p.group_instance_id, p.member_id)) return err::kFencedInstanceId;
  if (p.generation_id < 0 && g->is(GroupState::kEmpty)) return err::kNone;
  if (g->is(GroupState::kCompletingRebalance)) return err::kRebalanceInProgress;
  if (!g->has_member(p.member_id)) return err::kUnknownMemberId;
  if (p.generation_id != g->generation()) return err::kIllegalGeneration;
  return err::kNone;
}

void GroupCoordinator::commit_offsets(OffsetCommitParams p, OffsetCommitCallback done) {
  Effects fx;
  {
    std::lock_guard l(mu_);
    auto result = std::make_shared<OffsetCommitResult>();
    ErrorCode error = p.group_id.empty() ? err::kInvalidGroupId : check_owner(p.group_id);
    ClassicGroup* g = error == err::kNone ? find_group(p.group_id) : nullptr;
    if (error == err::kNone) error = validate_commit(g, p);
    std::vector<CoordinatorRecord> records;
    std::vector<std::pair<size_t, CommittedOffset>> accepted;  // result index, value
    int64_t now = clock_.wall_ms();
    for (OffsetCommitEntry& e : p.offsets) {
      result->partitions.push_back(PartitionError{e.tp, error});
      if (error != err::kNone) continue;
      std::string metadata = e.metadata.value_or("");
      if (metadata.size() > static_cast<size_t>(config_.offset_metadata_max_bytes)) {
        result->partitions.back().error_code = err::kOffsetMetadataTooLarge;
        continue;
      }
      OffsetCommitValue v{e.offset, e.leader_epoch, metadata, now, -1};
      records.push_back(CoordinatorRecord{
          encode_key(OffsetCommitKey{p.group_id, e.tp.topic, e.tp.partition}), encode_value(v)});
      accepted.emplace_back(result->partitions.size() - 1,
                            CommittedOffset{e.offset, e.leader_epoch, std::move(metadata), now});
    }
    if (error == err::kNone && g != nullptr) {
      if (MemberState* m = g->member(p.member_id)) schedule_session(*m);
    }
    if (records.empty()) {
      fx.call([done = std::move(done), result] { done(std::move(*result)); });
    } else {
      if (g == nullptr) g = &get_or_create_group(p.group_id);
      std::string gid = p.group_id;
      fx.append(g->partition(), epoch_of(g->partition()), std::move(records),
                [this, gid, result, accepted = std::move(accepted), done = std::move(done)](
                    ErrorCode error, Effects& fx) mutable {
                  if (error == err::kNone) {
                    // The commit is durable: from now on OffsetFetch returns it.
                    ClassicGroup& g = get_or_create_group(gid);
                    for (auto& [index, value] : accepted) {
                      g.offsets()[result->partitions[index].tp] = std::move(value);
                    }
                  }
                  for (auto& [index, value] : accepted) {
                    result->partitions[index].error_code = error;
                  }
                  fx.call([done = std::move(done), result] { done(std::move(*result)); });
                });
    }
  }
  fx.run(*this);
}

// ---- OffsetFetch and OffsetDelete -------------------------------------------------------------

OffsetFetchResult GroupCoordinator::fetch_offsets(
    const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions) {
  std::lock_guard l(mu_);
  OffsetFetchResult r;
  r.error_code = group_id.empty() ? err::kInvalidGroupId : check_owner(group_id);
  if (r.error_code != err::kNone) return r;
  const ClassicGroup* g = find_group(group_id);
  if (!partitions) {
    if (g == nullptr) return r;
    for (const auto& [tp, o] : g->offsets()) {
      r.partitions.push_back(FetchedOffset{tp, o.offset, o.leader_epoch, o.metadata, err::kNone});
    }
    return r;
  }
  for (const TopicPartition& tp : *partitions) {
    FetchedOffset f{tp, -1, -1, "", err::kNone};
    if (g != nullptr) {
      auto it = g->offsets().find(tp);
      if (it != g->offsets().end()) {
        f.offset = it->second.offset;
        f.leader_epoch = it->second.leader_epoch;
        f.metadata = it->second.metadata;
      }
    }
    r.partitions.push_back(std::move(f));
  }
  return r;
}

void GroupCoordinator::delete_offsets(const std::string& group_id,
                                      const std::vector<TopicPartition>& partitions,
                                      OffsetDeleteCallback done) {
  Effects fx;
  {
    std::lock_guard l(mu_);
    auto result = std::make_shared<OffsetDeleteResult>();
    result->error_code = group_id.empty() ? err::kInvalidGroupId : check_owner(group_id);
    ClassicGroup* g = result->error_code == err::kNone ? find_group(group_id) : nullptr;
    if (result->error_code == err::kNone) {
      if (g == nullptr || g->is(GroupState::kDead)) {
        result->error_code = err::kGroupIdNotFound;
      } else if (!g->is(GroupState::kEmpty) && g->protocol_type() != "consumer") {
        // Only a consumer group's subscriptions tell which offsets are still in use.
        result->error_code = err::kNonEmptyGroup;
      }
    }
    std::vector<CoordinatorRecord> tombstones;
    std::vector<size_t> deleted;
    if (result->error_code == err::kNone) {
      for (const TopicPartition& tp : partitions) {
        result->partitions.push_back(PartitionError{tp, err::kNone});
        if (!g->is(GroupState::kEmpty) && g->is_subscribed_to(tp.topic)) {
          result->partitions.back().error_code = err::kGroupSubscribedToTopic;
          continue;
        }
        if (g->offsets().erase(tp) == 0) continue;
        tombstones.push_back(CoordinatorRecord{
            encode_key(OffsetCommitKey{group_id, tp.topic, tp.partition}), std::nullopt});
        deleted.push_back(result->partitions.size() - 1);
      }
    }
    if (tombstones.empty()) {
      fx.call([done = std::move(done), result] { done(std::move(*result)); });
    } else {
      fx.append(g->partition(), epoch_of(g->partition()), std::move(tombstones),
                [result, deleted = std::move(deleted), done = std::move(done)](
                    ErrorCode error, Effects& fx) mutable {
                  for (size_t i : deleted) result->partitions[i].error_code = error;
                  fx.call([done = std::move(done), result] { done(std::move(*result)); });
                });
    }
  }
  fx.run(*this);
}

// ---- ListGroups, DescribeGroups, DeleteGroups -------------------------------------------------

std::pair<ErrorCode, std::vector<ListedGroup>> GroupCoordinator::list_groups(
    const std::vector<std::string>& states) const {
  std::lock_guard l(mu_);
  ErrorCode error = err::kNone;
  for (const auto& [p, ps] : partitions_) {
    if (ps.loading) error = err::kCoordinatorLoadInProgress;
  }
  std::vector<GroupState> wanted;
  for (const std::string& s : states) {
    if (auto st = parse_group_state(s)) wanted.push_back(*st);
  }
  std::vector<ListedGroup> out;
  for (const auto& [id, g] : groups_) {
    if (!states.empty() && std::find(wanted.begin(), wanted.end(), g->state()) == wanted.end()) {
      continue;
    }
    out.push_back(ListedGroup{id, g->protocol_type().value_or(""), group_state_name(g->state())});
  }
  return {error, std::move(out)};
}

DescribedGroup GroupCoordinator::describe_group(const std::string& group_id) const {
  std::lock_guard l(mu_);
  DescribedGroup d;
  d.group_id = group_id;
  d.error_code = group_id.empty() ? err::kInvalidGroupId : check_owner(group_id);
  d.state = group_state_name(GroupState::kDead);
  const ClassicGroup* g = d.error_code == err::kNone ? find_group(group_id) : nullptr;
  if (g == nullptr) return d;
  d.state = group_state_name(g->state());
  d.protocol_type = g->protocol_type().value_or("");
  // Kafka shows the protocol and each member's metadata and assignment only while Stable.
  bool stable = g->is(GroupState::kStable) && g->protocol_name();
  if (stable) d.protocol = *g->protocol_name();
  for (const auto& [id, m] : g->members()) {
    DescribedMember dm{id, m.group_instance_id, m.client_id, m.client_host, {}, {}};
    if (stable) {
      if (const Bytes* md = m.metadata_for(d.protocol)) dm.metadata = *md;
      dm.assignment = m.assignment;
    }
    d.members.push_back(std::move(dm));
  }
  return d;
}

void GroupCoordinator::delete_groups(const std::vector<std::string>& group_ids,
                                     DeleteGroupsCallback done) {
  struct Pending {
    std::vector<DeleteGroupResult> results;
    size_t outstanding = 0;
    DeleteGroupsCallback done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  Effects fx;
  {
    std::lock_guard l(mu_);
    std::vector<std::pair<size_t, ClassicGroup*>> deletable;
    for (const std::string& id : group_ids) {
      ErrorCode error = id.empty() ? err::kInvalidGroupId : check_owner(id);
      ClassicGroup* g = error == err::kNone ? find_group(id) : nullptr;
      if (error == err::kNone) {
        if (g == nullptr || g->is(GroupState::kDead)) {
          error = err::kGroupIdNotFound;
        } else if (!g->is(GroupState::kEmpty)) {
          error = err::kNonEmptyGroup;
        }
      }
      pending->results.push_back(DeleteGroupResult{id, error});
      if (error == err::kNone) deletable.emplace_back(pending->results.size() - 1, g);
    }
    pending->outstanding = deletable.size();
    for (auto& [index, g] : deletable) {
      std::vector<CoordinatorRecord> tombstones;
      for (const auto& [tp, o] : g->offsets()) {
        tombstones.push_back(CoordinatorRecord{
            encode_key(OffsetCommitKey{g->group_id(), tp.topic, tp.partition}), std::nullopt});
      }
      tombstones.push_back(
          CoordinatorRecord{encode_key(GroupMetadataKey{g->group_id()}), std::nullopt});
      int32_t partition = g->partition();
      g->transition_to(GroupState::kDead, clock_.wall_ms());
      remove_group(pending->results[index].group_id);
      fx.append(partition, epoch_of(partition), std::move(tombstones),
                [pending, i = index](ErrorCode error, Effects& fx) {
                  pending->results[i].error_code = error;
                  if (--pending->outstanding == 0) {
                    fx.call([pending] { pending->done(std::move(pending->results)); });
                  }
                });
    }
    if (deletable.empty()) {
      fx.call([pending] { pending->done(std::move(pending->results)); });
    }
  }
  fx.run(*this);
}

// ---- retention --------------------------------------------------------------------------------

void GroupCoordinator::expire_offsets(Effects& fx) {
  int64_t now = clock_.wall_ms();
  int64_t retention = config_.offsets_retention_ms;
  std::vector<std::string> dead;
  for (auto& [id, g] : groups_) {
    auto ps = partitions_.find(g->partition());
    if (ps == partitions_.end() || ps->second.loading) continue;
    std::vector<TopicPartition> expired;
    if (g->protocol_type() && g->is(GroupState::kEmpty)) {
      // KIP-211: a group's offsets live while it has members, then `retention` past the moment
      // it became empty.
      if (g->state_timestamp_ms() + retention <= now) {
        for (const auto& [tp, o] : g->offsets()) expired.push_back(tp);
      }
    } else if (!g->protocol_type() ||
               (g->is(GroupState::kStable) && g->protocol_type() == "consumer")) {
      // Standalone commits, and topics the group no longer subscribes to, age from the commit.
      for (const auto& [tp, o] : g->offsets()) {
        if (o.commit_timestamp_ms + retention <= now &&
            (!g->protocol_type() || !g->is_subscribed_to(tp.topic))) {
          expired.push_back(tp);
        }
      }
    }
    std::vector<CoordinatorRecord> tombstones;
    for (const TopicPartition& tp : expired) {
      g->offsets().erase(tp);
      tombstones.push_back(
          CoordinatorRecord{encode_key(OffsetCommitKey{id, tp.topic, tp.partition}), std::nullopt});
    }
    if (g->is(GroupState::kEmpty) && g->offsets().empty() && g->pending_members().empty()) {
      tombstones.push_back(CoordinatorRecord{encode_key(GroupMetadataKey{id}), std::nullopt});
      g->transition_to(GroupState::kDead, now);
      dead.push_back(id);
    }
    if (!tombstones.empty()) {
      fx.append(g->partition(), ps->second.epoch, std::move(tombstones),
                [](ErrorCode, Effects&) {});
    }
  }
  for (const std::string& id : dead) remove_group(id);
}

}  // namespace eddy::group
