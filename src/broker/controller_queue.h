#pragma once
// The broker's controller thread: metadata commits (plan, append, fsync, apply) run here, one at
// a time, so a network thread never waits on the metadata log's fsync. Handlers submit a task and
// answer their client from its completion.
//
// Bounded twice: by tasks (max_queued) and by the request bytes they hold (max_queued_bytes;
// a task larger than that is still taken when the queue is empty, so a request the network layer
// accepted can always run). A full queue refuses the task and the handler answers with an error
// instead of queueing without limit. A task whose client disconnected is never run: it is dropped
// when its turn comes, and a submit that finds the queue full first drops every such task, so
// dead clients' requests do not hold memory or the controller. stop() drops what is queued and
// waits only for the task running now, for a bounded time with stop_within().

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace eddy::broker {

struct ControllerTask {
  std::function<void()> run;
  // Runs instead of `run` when the task is dropped (refused, stopped, or its client gone), on the
  // thread that drops it; may be empty.
  std::function<void()> drop;
  // What the task holds (its request's size), charged against max_queued_bytes while queued.
  size_t bytes = 0;
  // False once nobody waits for the answer (the client disconnected); empty: always wanted.
  std::function<bool()> wanted;
};

class ControllerQueue {
 public:
  static constexpr size_t kDefaultMaxQueued = 10'000;
  // socket.request.max.bytes' default: about one largest request's worth of waiting requests.
  static constexpr size_t kDefaultMaxQueuedBytes = 100ULL << 20;

  explicit ControllerQueue(size_t max_queued = kDefaultMaxQueued,
                           size_t max_queued_bytes = kDefaultMaxQueuedBytes);
  ~ControllerQueue();  // stop()
  ControllerQueue(const ControllerQueue&) = delete;
  ControllerQueue& operator=(const ControllerQueue&) = delete;

  // False when the queue is full or stopped; the task is then dropped (task.drop runs now, on
  // the caller's thread).
  bool submit(ControllerTask task);
  // Refuses new tasks, drops the queued ones, waits for the running one and joins the thread.
  // Idempotent.
  void stop();
  // stop(), waiting at most wait_ms for the running task: false when it still runs (the thread
  // is then left running; a later stop() or the destructor joins it).
  bool stop_within(int64_t wait_ms);

  size_t queued_bytes() const;
  // Tasks dropped because their client was gone (for tests and logs).
  uint64_t dropped_dead() const;

 private:
  void loop();
  // Removes the tasks nobody waits for; returns them for dropping outside mu_.
  std::deque<ControllerTask> take_dead_locked();
  static void drop_all(std::deque<ControllerTask>& tasks);

  const size_t max_queued_;
  const size_t max_queued_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ControllerTask> tasks_;  // guarded by mu_
  size_t queued_bytes_ = 0;           // guarded by mu_
  uint64_t dropped_dead_ = 0;         // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  bool finished_ = false;             // guarded by mu_: loop() returned
  std::thread thread_;
};

}  // namespace eddy::broker
