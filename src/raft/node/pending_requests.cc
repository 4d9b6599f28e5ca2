#include "raft/node/pending_requests.h"

#include <utility>

#include "common/bytes.h"

namespace eddy::raft {

void PendingRequests::add_proposal(uint64_t index, uint64_t term, int64_t deadline_ms,
                                   ProposeCallback cb) {
  auto [it, inserted] = proposals_.try_emplace(index, Proposal{term, deadline_ms, std::move(cb)});
  if (!inserted) {
    // The same index again means the older entry there was overwritten before it committed.
    ProposeCallback old = std::move(it->second.cb);
    it->second = Proposal{term, deadline_ms, std::move(cb)};
    old(unavailable("raft: proposal overwritten by a newer leader"));
  }
}

std::string PendingRequests::add_read(int64_t deadline_ms, ReadCallback cb) {
  Bytes ctx;
  append_be64(ctx, next_read_id_++);
  std::string context(ctx.begin(), ctx.end());
  reads_.emplace(context, Read{deadline_ms, std::move(cb)});
  return context;
}

void PendingRequests::fail_read(const std::string& context, const Status& status) {
  auto it = reads_.find(context);
  if (it == reads_.end()) return;
  ReadCallback cb = std::move(it->second.cb);
  reads_.erase(it);
  cb(status);
}

void PendingRequests::on_applied(uint64_t index, uint64_t term, std::string result) {
  std::vector<std::pair<ProposeCallback, Result<ProposalResult>>> done;
  auto end = proposals_.upper_bound(index);
  for (auto it = proposals_.begin(); it != end; ++it) {
    if (it->first == index && it->second.term == term) {
      done.emplace_back(std::move(it->second.cb),
                        ProposalResult{RaftIndex(index), std::move(result)});
    } else {
      done.emplace_back(std::move(it->second.cb),
                        unavailable("raft: proposal lost to a leader change before commit"));
    }
  }
  proposals_.erase(proposals_.begin(), end);
  for (auto& [cb, r] : done) cb(std::move(r));
}

void PendingRequests::on_read_state(const std::string& context, uint64_t read_index,
                                    uint64_t applied) {
  auto it = reads_.find(context);
  if (it == reads_.end()) return;
  Read read = std::move(it->second);
  reads_.erase(it);
  if (read_index <= applied) {
    read.cb(RaftIndex(read_index));
    return;
  }
  confirmed_.emplace(read_index, ConfirmedRead{read_index, read.deadline_ms, std::move(read.cb)});
}

void PendingRequests::on_applied_index(uint64_t applied) {
  std::vector<std::pair<ReadCallback, uint64_t>> done;
  auto end = confirmed_.upper_bound(applied);
  for (auto it = confirmed_.begin(); it != end; ++it) {
    done.emplace_back(std::move(it->second.cb), it->second.index);
  }
  confirmed_.erase(confirmed_.begin(), end);
  for (auto& [cb, index] : done) cb(RaftIndex(index));
}

void PendingRequests::expire(int64_t now_ms) {
  const Status timeout(StatusCode::kTimeout, "raft: request timed out (outcome unknown)");
  std::vector<ProposeCallback> proposals;
  std::vector<ReadCallback> reads;
  std::erase_if(proposals_, [&](auto& p) {
    if (p.second.deadline_ms > now_ms) return false;
    proposals.push_back(std::move(p.second.cb));
    return true;
  });
  std::erase_if(reads_, [&](auto& p) {
    if (p.second.deadline_ms > now_ms) return false;
    reads.push_back(std::move(p.second.cb));
    return true;
  });
  std::erase_if(confirmed_, [&](auto& p) {
    if (p.second.deadline_ms > now_ms) return false;
    reads.push_back(std::move(p.second.cb));
    return true;
  });
  for (auto& cb : proposals) cb(timeout);
  for (auto& cb : reads) cb(timeout);
}

void PendingRequests::fail_all(const Status& status) {
  std::vector<ProposeCallback> proposals;
  std::vector<ReadCallback> reads;
  for (auto& [i, p] : proposals_) proposals.push_back(std::move(p.cb));
  for (auto& [c, r] : reads_) reads.push_back(std::move(r.cb));
  for (auto& [i, r] : confirmed_) reads.push_back(std::move(r.cb));
  proposals_.clear();
  reads_.clear();
  confirmed_.clear();
  for (auto& cb : proposals) cb(status);
  for (auto& cb : reads) cb(status);
}

}  // namespace eddy::raft
