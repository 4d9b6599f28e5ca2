#include "log/flusher.h"

#include "log/partition_log.h"

namespace eddy::log {

Flusher::Flusher(int threads) {
  for (int i = 0; i < std::max(threads, 1); ++i) threads_.emplace_back([this] { run(); });
}

Flusher::~Flusher() { stop(); }

void Flusher::request(std::shared_ptr<PartitionLog> log) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(log));
      cv_.notify_one();
      return;
    }
  }
  // Stopped: flush on the caller rather than leave durability callbacks waiting forever.
  log->flush_queued_ = false;
  (void)log->flush();
}

void Flusher::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Flusher::run() {
  while (true) {
    std::shared_ptr<PartitionLog> log;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and drained
      log = std::move(queue_.front());
      queue_.pop_front();
    }
    // Cleared before the flush: an append that lands during the fsync queues the log again, and
    // that next flush covers it.
    log->flush_queued_ = false;
    // An error has already failed the log's waiters; there is no one else to tell.
    (void)log->flush();
  }
}

}  // namespace eddy::log
