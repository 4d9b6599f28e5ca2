// GroupCoordinator, part three: taking __consumer_offsets partitions over (reading them back into
// groups, validating every record) and giving them up.

#include <algorithm>
#include <memory>

#include "broker/group/coordinator_effects.h"
#include "broker/group/group_coordinator.h"
#include "metadata/topic_name.h"

namespace eddy::group {

void GroupCoordinator::begin_loading(int32_t partition) {
  if (partition < 0 || partition >= config_.offsets_topic_num_partitions) return;
  std::lock_guard l(mu_);
  auto [it, inserted] = partitions_.try_emplace(partition);
  if (!inserted) return;
  it->second.loading = true;
  it->second.epoch = next_epoch_++;
}

Status GroupCoordinator::load_partition(int32_t partition, LoadStats* stats) {
  if (partition < 0 || partition >= config_.offsets_topic_num_partitions) {
    return invalid_argument("no __consumer_offsets partition " + std::to_string(partition));
  }
  uint64_t epoch;
  {
    std::lock_guard l(mu_);
    PartitionStatus& ps = partitions_[partition];
    ps.loading = true;
    ps.epoch = next_epoch_++;
    epoch = ps.epoch;
  }
  // Read without the lock: loading may take a while and the other partitions keep serving.
  std::map<std::string, std::unique_ptr<ClassicGroup>> loaded;
  int64_t records = 0;
  LoadStats skips;
  Status s = log_.replay(partition, [&](const CoordinatorRecord& r) {
    ++records;
    // One bad record must not keep every group of the partition from loading: it is skipped.
    Status applied = replay_record(partition, r, loaded);
    if (applied.is_ok()) return;
    ++skips.skipped;
    if (skips.skipped_reasons.size() < kMaxSkippedReasons) {
      skips.skipped_reasons.push_back(applied.to_string());
    }
  });
  std::lock_guard l(mu_);
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second.epoch != epoch) return Status::ok();
  if (!s.is_ok()) {
    partitions_.erase(it);
    return s;
  }
  int64_t now = clock_.monotonic_ms();
  if (stats != nullptr) {
    stats->records = records;
    stats->skipped = skips.skipped;
    stats->skipped_reasons = std::move(skips.skipped_reasons);
    stats->groups = static_cast<int64_t>(loaded.size());
    stats->offsets = 0;
    for (const auto& [id, g] : loaded) stats->offsets += static_cast<int64_t>(g->offsets().size());
  }
  for (auto& [id, g] : loaded) {
    if (!g->members().empty()) {
      for (auto& [mid, m] : g->members()) m.session_deadline_ms = now + m.session_timeout_ms;
      active_groups_.insert(id);
    }
    groups_[id] = std::move(g);
  }
  it->second.loading = false;
  return Status::ok();
}

void GroupCoordinator::unload_partition(int32_t partition) {
  Effects fx;
  {
    std::lock_guard l(mu_);
    partitions_.erase(partition);
    std::vector<std::string> gone;
    for (auto& [id, g] : groups_) {
      if (g->partition() != partition) continue;
      answer_all_waiting(*g, err::kNotCoordinator, fx);
      gone.push_back(id);
    }
    for (const std::string& id : gone) remove_group(id);
  }
  fx.run(*this);
}

GroupLimits GroupCoordinator::limits() const {
  return GroupLimits{static_cast<size_t>(std::max(config_.member_metadata_max_bytes, 0)),
                     static_cast<size_t>(std::max(config_.metadata_max_bytes, 0))};
}

Status GroupCoordinator::replay_record(
    int32_t partition, const CoordinatorRecord& record,
    std::map<std::string, std::unique_ptr<ClassicGroup>>& groups) {
  // Only this broker's coordinator writes __consumer_offsets (client writes are refused), but the
  // bytes may still be corrupt, or older than that refusal: nothing read back is trusted.
  EDDY_ASSIGN_OR_RETURN(CoordinatorKey key, decode_key(record.key));
  const std::string& group_id =
      std::visit([](const auto& k) -> const std::string& { return k.group; }, key);
  if (group_id.empty()) return corruption("a record for an empty group id");
  if (partition_for(group_id) != partition) {
    // Loaded here, it would replace the group of the partition that owns it.
    return corruption("group " + group_id + " belongs to __consumer_offsets-" +
                      std::to_string(partition_for(group_id)));
  }
  int64_t wall = clock_.wall_ms();
  if (const auto* k = std::get_if<OffsetCommitKey>(&key)) {
    EDDY_RETURN_IF_ERROR(metadata::validate_topic_name(k->topic));
    if (k->partition < 0) return corruption("offset of partition " + std::to_string(k->partition));
    TopicPartition tp{k->topic, k->partition};
    if (!record.value) {
      auto it = groups.find(k->group);
      if (it != groups.end()) it->second->offsets().erase(tp);
      return Status::ok();
    }
    EDDY_ASSIGN_OR_RETURN(OffsetCommitValue v, decode_offset_commit_value(*record.value));
    auto& slot = groups[k->group];
    if (!slot) slot = std::make_unique<ClassicGroup>(k->group, partition, wall);
    // A commit from the future (a clock stepped back, or forged) ages from now: retention
    // arithmetic on it cannot overflow.
    slot->offsets()[tp] = CommittedOffset{v.offset, v.leader_epoch, std::move(v.metadata),
                                          std::min(v.commit_timestamp_ms, wall)};
    return Status::ok();
  }
  const auto& k = std::get<GroupMetadataKey>(key);
  if (!record.value) {
    groups.erase(k.group);
    return Status::ok();
  }
  EDDY_ASSIGN_OR_RETURN(GroupMetadataValue v, decode_group_metadata_value(*record.value));
  auto it = groups.find(k.group);
  std::unique_ptr<ClassicGroup> fresh;
  ClassicGroup* g = it != groups.end() ? it->second.get() : nullptr;
  if (g == nullptr) {
    fresh = std::make_unique<ClassicGroup>(k.group, partition, wall);
    g = fresh.get();
  }
  Status restored = g->restore(v, limits(), clock_.monotonic_ms(), wall);
  if (!restored.is_ok()) {
    return Status(restored.code(), "group " + k.group + ": " + restored.message());
  }
  if (fresh) groups.emplace(k.group, std::move(fresh));
  return Status::ok();
}

Status GroupCoordinator::check_invariants() const {
  std::lock_guard l(mu_);
  for (const auto& [id, g] : groups_) {
    Status s = g->check_invariants();
    if (!s.is_ok()) return Status(s.code(), "group " + id + ": " + s.message());
  }
  return Status::ok();
}

}  // namespace eddy::group
