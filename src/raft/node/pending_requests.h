#pragma once
// PendingRequests: proposals and ReadIndex reads waiting for the Raft log, with their deadlines.
// Owned by the RaftNode thread. Callbacks are collected and run after the bookkeeping is done,
// so a callback may safely call back into the node.
//
// A proposal is known by the (index, term) its entry got on the leader. It succeeds when the
// entry at that index is applied with that term; if a different term's entry is applied there
// (a new leader overwrote it), it fails with kUnavailable. A read is known by a context id; once
// the leader confirms a read index, it completes when the state machine has applied that far.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/status.h"

namespace eddy::raft {

struct ProposalResult {
  RaftIndex index;     // where the entry landed in the log
  std::string result;  // what StateMachine::apply returned
};
using ProposeCallback = std::function<void(Result<ProposalResult>)>;
// Called once the state machine has applied at least up to the returned read index: a read of
// the state machine made in the callback is linearizable.
using ReadCallback = std::function<void(Result<RaftIndex>)>;

class PendingRequests {
 public:
  explicit PendingRequests(size_t max_requests) : max_requests_(max_requests) {}

  bool full() const {
    return proposals_.size() + reads_.size() + confirmed_.size() >= max_requests_;
  }
  size_t size() const { return proposals_.size() + reads_.size() + confirmed_.size(); }

  void add_proposal(uint64_t index, uint64_t term, int64_t deadline_ms, ProposeCallback cb);
  // Returns the context to pass to RawNode::read_index().
  std::string add_read(int64_t deadline_ms, ReadCallback cb);
  // Fails a read that could not even be requested.
  void fail_read(const std::string& context, const Status& status);

  // The entry at `index` with `term` was applied and produced `result`.
  void on_applied(uint64_t index, uint64_t term, std::string result);
  // The leader confirmed a read; `applied` is the node's applied index right now.
  void on_read_state(const std::string& context, uint64_t read_index, uint64_t applied);
  // The state machine has applied through `applied`: confirmed reads up to there complete.
  void on_applied_index(uint64_t applied);
  // Everything whose deadline has passed fails with kTimeout.
  void expire(int64_t now_ms);
  void fail_all(const Status& status);

 private:
  struct Proposal {
    uint64_t term;
    int64_t deadline_ms;
    ProposeCallback cb;
  };
  struct Read {
    int64_t deadline_ms;
    ReadCallback cb;
  };
  struct ConfirmedRead {
    uint64_t index;
    int64_t deadline_ms;
    ReadCallback cb;
  };

  size_t max_requests_;
  uint64_t next_read_id_ = 1;
  std::map<uint64_t, Proposal> proposals_;            // by log index
  std::map<std::string, Read> reads_;                 // by context, waiting for the leader
  std::multimap<uint64_t, ConfirmedRead> confirmed_;  // by read index, waiting to be applied
};

}  // namespace eddy::raft
