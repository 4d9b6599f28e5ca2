#include "broker/controller_queue.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace eddy::broker {
namespace {

bool is_wanted(const ControllerTask& t) { return !t.wanted || t.wanted(); }

void drop_one(ControllerTask& t) {
  if (!t.drop) return;
  // drop answers a client, like run: contained the same way.
  try {
    t.drop();
  } catch (const std::exception& e) {
    spdlog::error("controller task drop threw: {}", e.what());
  }
}

}  // namespace

ControllerQueue::ControllerQueue(size_t max_queued, size_t max_queued_bytes)
    : max_queued_(max_queued), max_queued_bytes_(max_queued_bytes), thread_([this] { loop(); }) {}

ControllerQueue::~ControllerQueue() { stop(); }

std::deque<ControllerTask> ControllerQueue::take_dead_locked() {
  std::deque<ControllerTask> dead;
  std::deque<ControllerTask> kept;
  for (auto& t : tasks_) {
    if (is_wanted(t)) {
      kept.push_back(std::move(t));
    } else {
      queued_bytes_ -= t.bytes;
      dead.push_back(std::move(t));
    }
  }
  tasks_.swap(kept);
  dropped_dead_ += dead.size();
  return dead;
}

void ControllerQueue::drop_all(std::deque<ControllerTask>& tasks) {
  for (auto& t : tasks) drop_one(t);
  tasks.clear();
}

bool ControllerQueue::submit(ControllerTask task) {
  std::deque<ControllerTask> dead;
  bool queued = false;
  {
    std::lock_guard lock(mu_);
    auto fits = [&] {
      return tasks_.size() < max_queued_ &&
             (tasks_.empty() || queued_bytes_ + task.bytes <= max_queued_bytes_);
    };
    if (!stopping_) {
      if (!fits()) dead = take_dead_locked();
      if (fits()) {
        queued_bytes_ += task.bytes;
        tasks_.push_back(std::move(task));
        cv_.notify_all();
        queued = true;
      }
    }
  }
  drop_all(dead);
  if (!queued) drop_one(task);
  return queued;
}

void ControllerQueue::stop() { (void)stop_within(-1); }

bool ControllerQueue::stop_within(int64_t wait_ms) {
  std::deque<ControllerTask> queued;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queued.swap(tasks_);
    queued_bytes_ = 0;
    cv_.notify_all();
  }
  if (!queued.empty()) spdlog::info("stopping: {} queued controller tasks dropped", queued.size());
  drop_all(queued);
  if (wait_ms >= 0) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return finished_; })) {
      return false;
    }
  }
  if (thread_.joinable()) thread_.join();
  return true;
}

size_t ControllerQueue::queued_bytes() const {
  std::lock_guard lock(mu_);
  return queued_bytes_;
}

uint64_t ControllerQueue::dropped_dead() const {
  std::lock_guard lock(mu_);
  return dropped_dead_;
}

void ControllerQueue::loop() {
  for (;;) {
    ControllerTask task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) {
        finished_ = true;
        cv_.notify_all();
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
      queued_bytes_ -= task.bytes;
    }
    // Checked last, when the task would start: a client gone by now gets no answer, and its
    // request (a topic to create, say) is not carried out.
    if (!is_wanted(task)) {
      {
        std::lock_guard lock(mu_);
        ++dropped_dead_;
      }
      spdlog::debug("controller task dropped: its client disconnected");
      drop_one(task);
      continue;
    }
    // Tasks answer clients; one that throws must not take the controller thread down with it.
    try {
      task.run();
    } catch (const std::exception& e) {
      spdlog::error("controller task threw: {}", e.what());
    }
  }
}

}  // namespace eddy::broker
