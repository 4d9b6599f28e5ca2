#pragma once
// The broker's controller thread: metadata commits (plan, append, fsync, apply) run here, one at
// a time, so a network thread never waits on the metadata log's fsync. Handlers submit a task and
// answer their client from its completion. The queue is bounded; a full queue refuses the task
// and the handler answers with an error instead of queueing without limit.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace eddy::broker {

class ControllerQueue {
 public:
  explicit ControllerQueue(size_t max_queued = 10'000);
  ~ControllerQueue();  // stop()
  ControllerQueue(const ControllerQueue&) = delete;
  ControllerQueue& operator=(const ControllerQueue&) = delete;

  // False when the queue is full or stopped; the task is then dropped (never run).
  bool submit(std::function<void()> task);
  // Runs what is queued, then joins the thread. Idempotent.
  void stop();

 private:
  void loop();

  size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace eddy::broker
