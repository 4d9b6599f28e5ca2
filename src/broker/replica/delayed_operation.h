#pragma once
// The purgatory: requests that wait for something to happen (a produce with acks=all for its
// offsets to become durable and replicated, a fetch for min_bytes of new data) until it happens or
// their deadline passes, like Kafka's DelayedOperationPurgatory.
//
// A DelayedOperation completes exactly once: try_complete() (called by whoever saw the awaited
// event: a durability callback, a high-watermark advance) or expire() (the reaper at the deadline)
// race to claim it, and only the winner runs on_complete(). Operations are held by shared_ptr; a
// partition keeps only weak references, so a completed operation is freed as soon as the reaper
// drops it.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace eddy::broker {

class Purgatory;

class DelayedOperation {
 public:
  explicit DelayedOperation(int64_t deadline_ms) : deadline_ms_(deadline_ms) {}
  virtual ~DelayedOperation() = default;

  int64_t deadline_ms() const { return deadline_ms_; }
  bool is_completed() const { return completed_.load(); }

  // Completes the operation if its condition now holds. Returns true if it is (now or already)
  // completed.
  bool try_complete() {
    if (is_completed()) return true;
    if (!ready()) return false;
    return force_complete(false);
  }
  // Completes it whatever its state; `expired` tells on_complete why. False if someone else did.
  bool force_complete(bool expired);

 protected:
  // Whether the awaited condition holds. May be called concurrently; must not block long.
  virtual bool ready() = 0;
  // Runs once. Builds the response and hands it to the requester's callback.
  virtual void on_complete(bool expired) = 0;

 private:
  friend class Purgatory;
  const int64_t deadline_ms_;
  std::atomic<bool> completed_{false};
  // Set once by Purgatory::watch() (watch_id_ before owner_ is published).
  std::atomic<Purgatory*> owner_{nullptr};
  uint64_t watch_id_ = 0;
};

// Holds every pending operation until its deadline. A reaper thread (start()) expires them on
// time; tests drive expire_due() by hand with a ManualClock instead.
class Purgatory {
 public:
  Purgatory(Clock* clock, size_t max_pending) : clock_(clock), max_pending_(max_pending) {}
  ~Purgatory() { stop(); }
  Purgatory(const Purgatory&) = delete;
  Purgatory& operator=(const Purgatory&) = delete;

  // Starts the reaper thread.
  void start();
  // Stops the reaper and expires everything still pending (its requesters get their answers).
  void stop();

  // Adds an operation that did not complete at once. False when max_pending operations already
  // wait: the caller must complete it now (Kafka would have answered anyway at the deadline).
  bool watch(const std::shared_ptr<DelayedOperation>& op);
  // Expires every operation whose deadline has passed. Returns how many it expired.
  size_t expire_due();
  size_t pending() const;

 private:
  friend class DelayedOperation;
  using Key = std::pair<int64_t, uint64_t>;  // (deadline_ms, watch id): unique, deadline order
  void forget(DelayedOperation* op);
  void reaper_loop();

  Clock* clock_;
  const size_t max_pending_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, std::shared_ptr<DelayedOperation>> waiting_;
  uint64_t next_id_ = 1;
  bool running_ = false;
  bool stopping_ = false;
  std::thread reaper_;
};

}  // namespace eddy::broker
