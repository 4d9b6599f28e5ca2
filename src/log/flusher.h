#pragma once
// The flusher: a small pool of threads that run PartitionLog::flush() for logs that asked for it,
// so that no append ever waits for an fsync on its caller's thread. A log is queued at most once
// at a time (PartitionLog keeps a "queued" flag), so the queue is bounded by the number of logs,
// and a log that keeps appending while its fsync runs is simply queued again: the next fsync
// covers every batch appended meanwhile. That is the group commit.

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

  // Queues log->flush() unless the log is already queued.
  void request(std::shared_ptr<PartitionLog> log);
  // Drains the queue and joins the threads. Idempotent.
  void stop();

 private:
  void run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<PartitionLog>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace eddy::log
