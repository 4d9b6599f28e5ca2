#include "broker/controller_queue.h"

#include <spdlog/spdlog.h>

namespace eddy::broker {

ControllerQueue::ControllerQueue(size_t max_queued)
    : max_queued_(max_queued), thread_([this] { loop(); }) {}

ControllerQueue::~ControllerQueue() { stop(); }

bool ControllerQueue::submit(std::function<void()> task) {
  std::lock_guard lock(mu_);
  if (stopping_ || tasks_.size() >= max_queued_) return false;
  tasks_.push_back(std::move(task));
  cv_.notify_one();
  return true;
}

void ControllerQueue::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void ControllerQueue::loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    // Tasks answer clients; one that throws must not take the controller thread down with it.
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("controller task threw: {}", e.what());
    }
  }
}

}  // namespace eddy::broker
