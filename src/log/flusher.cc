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

bool Flusher::needs_another_flush(PartitionLog& log) {
  // An append that found the flag set while the flush ran did not queue the log; it published
  // its log end offset before it looked at the flag. The exchange reads the flag's latest value,
  // so it also sees those offsets: either they are below the flushed offset already, or this
  // thread claims the log again (unless an append after the exchange queued it first).
  log.flush_queued_.exchange(false);
  if (log.log_end_offset() <= log.flushed_offset()) return false;
  return !log.flush_queued_.exchange(true);
}

void Flusher::run() {
  std::shared_ptr<PartitionLog> again;  // flushed by this thread, and appended to meanwhile
  while (true) {
    std::shared_ptr<PartitionLog> log;
    {
      std::unique_lock lock(mu_);
      if (again) {
        // Behind the logs already waiting, so a busy log does not starve the others; when none
        // waits this thread takes it straight back.
        queue_.push_back(std::move(again));
        if (queue_.size() > 1) cv_.notify_one();
      }
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and drained
      log = std::move(queue_.front());
      queue_.pop_front();
    }
    // An error has already failed the log and its waiters; a failed log is never flushed again.
    // The flag stays set then, so appends (which fail anyway) do not queue it again either.
    if (log->flush().is_ok() && needs_another_flush(*log)) again = std::move(log);
  }
}

}  // namespace eddy::log
