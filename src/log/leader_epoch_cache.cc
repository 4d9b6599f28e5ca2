#include "log/leader_epoch_cache.h"

#include <algorithm>
#include <charconv>

#include "log/checkpoint_file.h"
#include "log/log_format.h"

namespace eddy::log {

namespace {
int32_t latest_of(const std::vector<EpochEntry>& entries) {
  return entries.empty() ? -1 : entries.back().epoch.value();
}
}  // namespace

Status LeaderEpochCache::load() {
  auto read = read_checkpoint_file(dir_, kLeaderEpochCheckpointFile);
  std::lock_guard lock(mu_);
  entries_.clear();
  dirty_ = false;
  if (!read.is_ok()) {
    return read.status().code() == StatusCode::kNotFound ? Status::ok() : read.status();
  }
  for (const auto& [key, start] : *read) {
    int64_t epoch = 0;
    auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), epoch);
    if (ec != std::errc() || p != key.data() + key.size() || epoch < 0 || epoch > INT32_MAX ||
        start < 0 ||
        (!entries_.empty() && (epoch <= entries_.back().epoch.value() ||
                               start < entries_.back().start_offset.value()))) {
      entries_.clear();
      dirty_ = true;
      latest_ = -1;
      return corruption(dir_ + "/" + kLeaderEpochCheckpointFile + ": entries out of order");
    }
    entries_.push_back({LeaderEpoch(static_cast<int32_t>(epoch)), Offset(start)});
  }
  latest_ = latest_of(entries_);
  return Status::ok();
}

Status LeaderEpochCache::persist() {
  std::lock_guard persist_lock(persist_mu_);
  CheckpointEntries out;
  {
    std::lock_guard lock(mu_);
    if (!dirty_) return Status::ok();
    for (const EpochEntry& e : entries_) {
      out.emplace_back(std::to_string(e.epoch.value()), e.start_offset.value());
    }
    dirty_ = false;
  }
  Status s = write_checkpoint_file(dir_, kLeaderEpochCheckpointFile, out,
                                   Durability::kContentAndName, faults_);
  if (!s.is_ok()) {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  return s;
}

void LeaderEpochCache::assign(LeaderEpoch epoch, Offset start_offset) {
  if (epoch.value() < 0 || epoch.value() <= latest_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mu_);
  if (!entries_.empty() && epoch <= entries_.back().epoch) return;
  // A new epoch cannot start before the previous one did; drop any that would overlap.
  while (!entries_.empty() && entries_.back().start_offset >= start_offset) entries_.pop_back();
  entries_.push_back({epoch, start_offset});
  latest_ = epoch.value();
  dirty_ = true;
}

void LeaderEpochCache::truncate_from_end(Offset end_offset) {
  std::lock_guard lock(mu_);
  size_t before = entries_.size();
  while (!entries_.empty() && entries_.back().start_offset >= end_offset) entries_.pop_back();
  dirty_ |= entries_.size() != before;
  latest_ = latest_of(entries_);
}

void LeaderEpochCache::truncate_from_start(Offset start_offset) {
  std::lock_guard lock(mu_);
  // Keep the last epoch starting at or before start_offset (it still covers it), moved up.
  auto first_after = std::find_if(entries_.begin(), entries_.end(), [&](const EpochEntry& e) {
    return e.start_offset > start_offset;
  });
  if (first_after == entries_.begin()) return;
  auto keep = first_after - 1;
  if (keep == entries_.begin() && keep->start_offset == start_offset) return;
  keep->start_offset = std::max(keep->start_offset, start_offset);
  entries_.erase(entries_.begin(), keep);
  dirty_ = true;
}

void LeaderEpochCache::clear() {
  std::lock_guard lock(mu_);
  dirty_ |= !entries_.empty();
  entries_.clear();
  latest_ = -1;
}

LeaderEpoch LeaderEpochCache::latest_epoch() const {
  std::lock_guard lock(mu_);
  return entries_.empty() ? kNoLeaderEpoch : entries_.back().epoch;
}

std::pair<LeaderEpoch, Offset> LeaderEpochCache::end_offset_for(LeaderEpoch epoch,
                                                                Offset log_end_offset) const {
  std::lock_guard lock(mu_);
  const std::pair<LeaderEpoch, Offset> undefined{LeaderEpoch(-1), Offset(-1)};
  if (epoch.value() < 0 || entries_.empty()) return undefined;
  if (epoch == entries_.back().epoch) return {epoch, log_end_offset};
  auto higher = std::upper_bound(entries_.begin(), entries_.end(), epoch,
                                 [](LeaderEpoch e, const EpochEntry& x) { return e < x.epoch; });
  if (higher == entries_.end()) return undefined;
  // Older than every entry: the requester's epoch ends where our first known one starts.
  if (higher == entries_.begin()) return {epoch, higher->start_offset};
  return {(higher - 1)->epoch, higher->start_offset};
}

std::vector<EpochEntry> LeaderEpochCache::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

}  // namespace eddy::log
