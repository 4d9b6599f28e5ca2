#pragma once
// The flusher: a small pool of threads that run PartitionLog::flush() for logs that asked for it,
// so that no append ever waits for an fsync on its caller's thread. A log is queued at most once
// at a time (PartitionLog keeps a "queued" flag, set by the append that queues it and held until
// its flush is done), so the queue is bounded by the number of logs. A log that received appends
// while its fsync ran goes straight back into the queue from the thread that flushed it: the next
// fsync covers every batch appended meanwhile (the group commit), and with no other log waiting
// the same thread runs it at once, with no hand-off to another thread on the way.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace eddy::log {

class PartitionLog;

class Flusher {
 public:
  explicit Flusher(int threads = 1);
  ~Flusher();  // stops, after flushing what is queued
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  // Queues log->flush(); the caller has just set the log's queued flag, so it is not queued yet.
  void request(std::shared_ptr<PartitionLog> log);
  // Drains the queue and joins the threads. Idempotent.
  void stop();

 private:
  void run();
  // After a successful flush of `log`: clears its queued flag, unless appends landed during the
  // flush, in which case it claims the log again and returns true (it needs another flush).
  static bool needs_another_flush(PartitionLog& log);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<PartitionLog>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace eddy::log
