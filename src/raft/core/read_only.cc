#include "raft/core/read_only.h"

namespace eddy::raft {

void ReadOnly::add(uint64_t index, int32_t from, std::string context) {
  for (const auto& r : queue_) {
    // A duplicate context would make acks ambiguous; the first request stands.
    if (r.context == context) return;
  }
  queue_.push_back(ReadIndexRequest{index, from, std::move(context), {}});
}

const ReadIndexRequest* ReadOnly::ack(int32_t from, const std::string& context) {
  for (auto& r : queue_) {
    if (r.context == context) {
      r.acks.insert(from);
      return &r;
    }
  }
  return nullptr;
}

std::vector<ReadIndexRequest> ReadOnly::release_through(const std::string& context) {
  std::vector<ReadIndexRequest> out;
  size_t n = 0;
  for (; n < queue_.size(); ++n) {
    if (queue_[n].context == context) break;
  }
  if (n == queue_.size()) return out;
  for (size_t i = 0; i <= n; ++i) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return out;
}

const std::string* ReadOnly::last_context() const {
  return queue_.empty() ? nullptr : &queue_.back().context;
}

}  // namespace eddy::raft
