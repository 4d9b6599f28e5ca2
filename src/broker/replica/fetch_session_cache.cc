#include "broker/replica/fetch_session_cache.h"

#include <limits>

#include "protocol/errors.h"

namespace eddy::broker {

using protocol::ErrorCode;
using protocol::to_int;

namespace {
constexpr int32_t kInitialEpoch = 0;
constexpr int32_t kFinalEpoch = -1;

int32_t next_epoch_after(int32_t epoch) {
  return epoch == std::numeric_limits<int32_t>::max() ? 1 : epoch + 1;
}
}  // namespace

FetchSessionCache::FetchSessionCache(FetchSessionOptions options, Clock* clock)
    : options_(options),
      clock_(clock),
      id_seed_(static_cast<uint32_t>(clock->monotonic_ns() ^ clock->wall_ms())) {}

size_t FetchSessionCache::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

int32_t FetchSessionCache::new_session_id() {
  // A xorshift sequence: ids are hard to guess across clients and never 0 (sessionless).
  for (;;) {
    id_seed_ ^= id_seed_ << 13;
    id_seed_ ^= id_seed_ >> 17;
    id_seed_ ^= id_seed_ << 5;
    const int32_t id = static_cast<int32_t>(id_seed_ & 0x7fffffff);
    if (id != 0 && !sessions_.contains(id)) return id;
  }
}

void FetchSessionCache::touch(Session& s) {
  s.last_used_ms = clock_->monotonic_ms();
  lru_.splice(lru_.end(), lru_, s.lru_pos);
}

bool FetchSessionCache::make_room() {
  if (sessions_.size() < options_.max_sessions) return true;
  if (lru_.empty()) return false;
  auto it = sessions_.find(lru_.front());
  if (clock_->monotonic_ms() - it->second.last_used_ms < options_.eviction_idle_ms) return false;
  sessions_.erase(it);
  lru_.pop_front();
  return true;
}

FetchSessionContext FetchSessionCache::begin(int32_t session_id, int32_t session_epoch,
                                             std::vector<FetchPartitionInput> requested,
                                             const std::vector<TopicPartition>& forgotten) {
  FetchSessionContext ctx;
  std::lock_guard lock(mu_);
  if (session_epoch == kFinalEpoch || session_epoch == kInitialEpoch) {
    if (session_id != 0) {
      // Closing (or re-opening) a session: drop the old one.
      auto it = sessions_.find(session_id);
      if (it != sessions_.end()) {
        lru_.erase(it->second.lru_pos);
        sessions_.erase(it);
      } else if (session_epoch == kFinalEpoch) {
        ctx.error = to_int(ErrorCode::kFetchSessionIdNotFound);
        return ctx;
      }
    }
    if (session_epoch == kInitialEpoch && requested.size() <= options_.max_partitions_per_session &&
        make_room()) {
      const int32_t id = new_session_id();
      lru_.push_back(id);
      Session& s = sessions_[id];
      s.id = id;
      s.lru_pos = std::prev(lru_.end());
      s.last_used_ms = clock_->monotonic_ms();
      for (const FetchPartitionInput& in : requested) {
        if (s.partitions.emplace(in.tp, CachedPartition{in}).second) s.order.push_back(in.tp);
      }
      ctx.session_id = id;
      ctx.next_epoch = s.next_epoch;
    }
    ctx.partitions = std::move(requested);
    return ctx;
  }
  if (session_id == 0) {
    ctx.error = to_int(ErrorCode::kInvalidFetchSessionEpoch);
    return ctx;
  }
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) {
    ctx.error = to_int(ErrorCode::kFetchSessionIdNotFound);
    return ctx;
  }
  Session& s = it->second;
  if (session_epoch != s.next_epoch) {
    ctx.error = to_int(ErrorCode::kInvalidFetchSessionEpoch);
    return ctx;
  }
  for (const TopicPartition& tp : forgotten) s.partitions.erase(tp);
  for (const FetchPartitionInput& in : requested) {
    auto [pit, inserted] = s.partitions.try_emplace(in.tp, CachedPartition{in});
    if (inserted) {
      if (s.partitions.size() > options_.max_partitions_per_session) {
        s.partitions.erase(pit);
        continue;
      }
      s.order.push_back(in.tp);
    } else {
      pit->second.input = in;
    }
  }
  std::erase_if(s.order, [&](const TopicPartition& tp) { return !s.partitions.contains(tp); });
  s.next_epoch = next_epoch_after(s.next_epoch);
  touch(s);
  ctx.session_id = s.id;
  ctx.incremental = true;
  ctx.next_epoch = s.next_epoch;
  ctx.partitions.reserve(s.order.size());
  for (const TopicPartition& tp : s.order) ctx.partitions.push_back(s.partitions.at(tp).input);
  return ctx;
}

std::vector<FetchPartitionResult> FetchSessionCache::finish(
    const FetchSessionContext& ctx, std::vector<FetchPartitionResult> results) {
  if (ctx.session_id == 0) return results;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(ctx.session_id);
  if (it == sessions_.end()) return results;
  Session& s = it->second;
  std::vector<FetchPartitionResult> out;
  out.reserve(results.size());
  for (FetchPartitionResult& r : results) {
    auto pit = s.partitions.find(r.tp);
    if (pit == s.partitions.end()) {
      out.push_back(std::move(r));
      continue;
    }
    CachedPartition& c = pit->second;
    const bool changed = r.error != to_int(ErrorCode::kNone) || !r.records.empty() ||
                         r.preferred_read_replica >= 0 || r.high_watermark != c.high_watermark ||
                         r.last_stable_offset != c.last_stable_offset ||
                         r.log_start_offset != c.log_start_offset;
    c.high_watermark = r.high_watermark;
    c.last_stable_offset = r.last_stable_offset;
    c.log_start_offset = r.log_start_offset;
    if (!ctx.incremental || changed) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace eddy::broker
