#include "broker/replica/delayed_operation.h"

#include <algorithm>
#include <chrono>

namespace eddy::broker {

namespace {
// The reaper wakes at least this often, so a clock that jumps is noticed.
constexpr int64_t kMaxReaperSleepMs = 100;
}  // namespace

bool DelayedOperation::force_complete(bool expired) {
  bool expected = false;
  if (!completed_.compare_exchange_strong(expected, true)) {
    return false;
  }
  on_complete(expired);
  // A null owner means watch() has not run yet; watch() then sees completed_ and does not keep
  // the operation.
  if (Purgatory* owner = owner_.load()) owner->forget(this);
  return true;
}

void Purgatory::start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  reaper_ = std::thread([this] { reaper_loop(); });
}

void Purgatory::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  std::vector<std::shared_ptr<DelayedOperation>> left;
  {
    std::lock_guard lock(mu_);
    running_ = false;
    for (auto& [key, op] : waiting_) left.push_back(op);
  }
  for (auto& op : left) op->force_complete(true);
}

bool Purgatory::watch(const std::shared_ptr<DelayedOperation>& op) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || waiting_.size() >= max_pending_) return false;
    op->watch_id_ = next_id_++;
    waiting_.emplace(Key{op->deadline_ms(), op->watch_id_}, op);
    op->owner_.store(this);  // seq_cst with the completed_ flag: one side sees the other
    // Completed between the caller's first try and now: its forget() found no owner.
    if (op->is_completed()) waiting_.erase(Key{op->deadline_ms(), op->watch_id_});
  }
  cv_.notify_one();
  return true;
}

void Purgatory::forget(DelayedOperation* op) {
  std::shared_ptr<DelayedOperation> keep;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  auto it = waiting_.find(Key{op->deadline_ms(), op->watch_id_});
  if (it != waiting_.end() && it->second.get() == op) {
    keep = std::move(it->second);
    waiting_.erase(it);
  }
}

size_t Purgatory::expire_due() {
  const int64_t now = clock_->monotonic_ms();
  std::vector<std::shared_ptr<DelayedOperation>> due;
  {
    std::lock_guard lock(mu_);
    while (!waiting_.empty() && waiting_.begin()->first.first <= now) {
      due.push_back(waiting_.begin()->second);
      waiting_.erase(waiting_.begin());
    }
  }
  size_t expired = 0;
  for (auto& op : due) {
    if (op->force_complete(true)) ++expired;
  }
  return expired;
}

size_t Purgatory::pending() const {
  std::lock_guard lock(mu_);
  return waiting_.size();
}

void Purgatory::reaper_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    int64_t sleep_ms = kMaxReaperSleepMs;
    if (!waiting_.empty()) {
      sleep_ms = std::clamp<int64_t>(waiting_.begin()->first.first - clock_->monotonic_ms(), 0,
                                     kMaxReaperSleepMs);
    }
    if (sleep_ms > 0) cv_.wait_for(lock, std::chrono::milliseconds(sleep_ms));
    if (stopping_) break;
    lock.unlock();
    expire_due();
    lock.lock();
  }
}

}  // namespace eddy::broker
