#pragma once
// ReadIndex bookkeeping at the leader (Raft dissertation §6.4): a read request records the commit
// index when it arrived and becomes safe once a quorum of voters has answered a heartbeat sent
// after it, proving this node was still leader at that moment.

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <vector>

namespace eddy::raft {

struct ReadIndexRequest {
  uint64_t index = 0;
  int32_t from = -1;  // the node that asked (the leader itself for local reads)
  std::string context;
  std::set<int32_t> acks;
};

class ReadOnly {
 public:
  void add(uint64_t index, int32_t from, std::string context);
  // Records that `from` answered the heartbeat carrying `context`; returns the request, or
  // nullptr when no pending request has that context.
  const ReadIndexRequest* ack(int32_t from, const std::string& context);
  // Removes and returns every request up to and including the one with `context`: a quorum for
  // a later heartbeat also confirms every earlier request.
  std::vector<ReadIndexRequest> release_through(const std::string& context);
  const std::string* last_context() const;
  size_t size() const { return queue_.size(); }
  void clear() { queue_.clear(); }

 private:
  std::deque<ReadIndexRequest> queue_;
};

}  // namespace eddy::raft
