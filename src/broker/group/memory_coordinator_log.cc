#include "broker/group/memory_coordinator_log.h"

namespace eddy::group {

void MemoryCoordinatorLog::append(int32_t partition, std::vector<CoordinatorRecord> records,
                                  std::function<void(Status)> done) {
  Status result;
  {
    std::lock_guard l(mu_);
    if (hold_) {
      held_.push_back(Held{partition, std::move(records), std::move(done)});
      return;
    }
    result = failure_;
    if (result.is_ok()) {
      auto& log = logs_[partition];
      for (auto& r : records) log.push_back(std::move(r));
    }
  }
  done(result);
}

Status MemoryCoordinatorLog::replay(int32_t partition,
                                    const std::function<void(const CoordinatorRecord&)>& visit) {
  for (const CoordinatorRecord& r : records(partition)) visit(r);
  return Status::ok();
}

void MemoryCoordinatorLog::set_hold(bool hold) {
  std::lock_guard l(mu_);
  hold_ = hold;
}

size_t MemoryCoordinatorLog::complete_held(const Status& status) {
  std::deque<Held> held;
  {
    std::lock_guard l(mu_);
    held.swap(held_);
    if (status.is_ok()) {
      for (auto& h : held) {
        auto& log = logs_[h.partition];
        for (auto& r : h.records) log.push_back(r);
      }
    }
  }
  for (auto& h : held) h.done(status);
  return held.size();
}

void MemoryCoordinatorLog::set_failure(Status status) {
  std::lock_guard l(mu_);
  failure_ = std::move(status);
}

std::vector<CoordinatorRecord> MemoryCoordinatorLog::records(int32_t partition) const {
  std::lock_guard l(mu_);
  auto it = logs_.find(partition);
  return it == logs_.end() ? std::vector<CoordinatorRecord>{} : it->second;
}

size_t MemoryCoordinatorLog::record_count() const {
  std::lock_guard l(mu_);
  size_t n = 0;
  for (const auto& [p, log] : logs_) n += log.size();
  return n;
}

}  // namespace eddy::group
