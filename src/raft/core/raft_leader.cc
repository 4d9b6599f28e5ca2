// The leader's side of Raft: replication, commitment, heartbeats, ReadIndex, leadership transfer
// and sending snapshots; plus the client entry points that only a leader serves.

#include <algorithm>
#include <string>

#include "raft/core/conf_change.h"
#include "raft/core/raft.h"

namespace eddy::raft {

namespace {

Status not_leader(int32_t lead) {
  return unavailable(lead == kNone
                         ? "raft: no leader"
                         : "raft: not the leader; leader is node " + std::to_string(lead));
}

}  // namespace

bool Raft::append_entries(std::vector<pb::Entry> ents) {
  uint64_t bytes = 0;
  for (const auto& e : ents) bytes += e.data().size();
  // The no-op of a new leader always goes in, whatever the backlog.
  if (bytes > 0 && uncommitted_bytes_ + bytes > cfg_.max_uncommitted_bytes) return false;
  uncommitted_bytes_ += bytes;
  uint64_t li = log_.last_index();
  for (auto& e : ents) {
    e.set_term(term_);
    e.set_index(++li);
  }
  log_.append(ents);
  if (bytes > 0) uncommitted_batches_.emplace_back(li, bytes);
  on_entries_appended(ents);
  if (auto it = prs_.find(id_); it != prs_.end()) it->second.maybe_update(log_.last_index());
  maybe_commit();
  return true;
}

bool Raft::maybe_commit() {
  std::vector<uint64_t> matches;
  for (int32_t voter : conf_state().voters()) {
    auto it = prs_.find(voter);
    matches.push_back(it == prs_.end() ? 0 : it->second.match);
  }
  if (matches.empty()) return false;
  std::sort(matches.begin(), matches.end(), std::greater<>());
  const uint64_t quorum_index = matches[quorum() - 1];
  if (!log_.maybe_commit(quorum_index, term_)) return false;
  // Entries now committed no longer count against the uncommitted budget.
  while (!uncommitted_batches_.empty() && uncommitted_batches_.front().first <= log_.committed()) {
    uncommitted_bytes_ -= uncommitted_batches_.front().second;
    uncommitted_batches_.pop_front();
  }
  on_commit_advanced();
  if (role_ == Role::kLeader) release_pending_reads();
  return true;
}

bool Raft::committed_entry_in_current_term() const { return log_.term(log_.committed()) == term_; }

bool Raft::maybe_send_append(int32_t to, bool send_if_empty) {
  auto it = prs_.find(to);
  // A leader can step down mid-way through handling a message (it committed its own removal).
  if (role_ != Role::kLeader || it == prs_.end() || to == id_) return false;
  Progress& pr = it->second;
  if (pr.is_paused()) return false;
  const uint64_t prev_index = pr.next - 1;
  const uint64_t prev_term = log_.term(prev_index);
  auto ents = log_.slice(pr.next, log_.last_index() + 1, cfg_.max_append_bytes);
  const bool compacted =
      (prev_index != 0 && prev_term == 0) || (!ents.is_ok() && ents.status().code() == kCompacted);
  if (compacted) {
    // The entries this follower needs are gone: send the snapshot instead.
    auto snap = log_.snapshot();
    if (!snap.is_ok()) return false;
    pr.become_snapshot(std::make_shared<const pb::Snapshot>(std::move(snap).value()));
    send_snapshot_chunk(to, pr);
    return true;
  }
  // A read error (I/O) leaves the follower for the next heartbeat round.
  if (!ents.is_ok()) return false;
  if (ents->empty() && !send_if_empty) return false;
  pb::Message m;
  m.set_type(pb::MSG_APPEND);
  m.set_to(to);
  m.set_index(prev_index);
  m.set_log_term(prev_term);
  m.set_commit(log_.committed());
  for (auto& e : *ents) *m.add_entries() = std::move(e);
  if (m.entries_size() > 0) pr.sent_entries(m.entries(m.entries_size() - 1).index());
  send(std::move(m));
  return true;
}

void Raft::send_snapshot_chunk(int32_t to, Progress& pr) {
  const pb::Snapshot& snap = *pr.snapshot;
  const std::string& data = snap.data();
  const uint64_t offset = std::min<uint64_t>(pr.snapshot_offset, data.size());
  const uint64_t n = std::min<uint64_t>(cfg_.max_snapshot_chunk_bytes, data.size() - offset);
  pb::Message m;
  m.set_type(pb::MSG_SNAPSHOT);
  m.set_to(to);
  pb::SnapshotChunk* c = m.mutable_snapshot_chunk();
  *c->mutable_metadata() = snap.metadata();
  c->set_offset(offset);
  c->set_total_bytes(data.size());
  c->set_data(data.substr(offset, n));
  c->set_last(offset + n == data.size());
  send(std::move(m));
}

void Raft::bcast_append() {
  for (auto& [id, pr] : prs_) {
    if (id != id_) send_append(id);
  }
}

void Raft::bcast_heartbeat(const std::string* context) {
  const std::string empty;
  for (auto& [id, pr] : prs_) {
    if (id != id_) send_heartbeat(id, context ? *context : empty);
  }
}

void Raft::send_heartbeat(int32_t to, const std::string& context) {
  pb::Message m;
  m.set_type(pb::MSG_HEARTBEAT);
  m.set_to(to);
  // Never tell a follower to commit past what it is known to hold.
  m.set_commit(std::min(prs_.at(to).match, log_.committed()));
  m.set_context(context);
  send(std::move(m));
}

void Raft::send_timeout_now(int32_t to) {
  pb::Message m;
  m.set_type(pb::MSG_TIMEOUT_NOW);
  m.set_to(to);
  send(std::move(m));
}

bool Raft::quorum_active() {
  size_t active = 0;
  for (int32_t voter : conf_state().voters()) {
    auto it = prs_.find(voter);
    if (voter == id_ || (it != prs_.end() && it->second.recent_active)) ++active;
  }
  for (auto& [id, pr] : prs_) pr.recent_active = false;
  return active >= quorum();
}

Status Raft::step_leader(const pb::Message& m) {
  if (m.type() == pb::MSG_READ_INDEX) {
    handle_read_index(m.from(), m.context());
    return Status::ok();
  }
  auto it = prs_.find(m.from());
  if (it == prs_.end()) return Status::ok();
  Progress& pr = it->second;
  switch (m.type()) {
    case pb::MSG_APPEND_RESPONSE:
      pr.recent_active = true;
      handle_append_response(m, pr);
      break;
    case pb::MSG_HEARTBEAT_RESPONSE:
      pr.recent_active = true;
      handle_heartbeat_response(m, pr);
      break;
    case pb::MSG_SNAPSHOT_RESPONSE:
      pr.recent_active = true;
      handle_snapshot_response(m, pr);
      break;
    default:
      break;
  }
  return Status::ok();
}

void Raft::handle_append_response(const pb::Message& m, Progress& pr) {
  const int32_t from = m.from();
  if (m.reject()) {
    uint64_t next_probe = m.reject_hint();
    if (m.log_term() > 0) {
      // Skip every entry of ours newer than the follower's term at its hint.
      next_probe = log_.find_conflict_by_term(m.reject_hint(), m.log_term()).first;
    }
    if (pr.maybe_decrease_to(m.index(), next_probe)) {
      if (pr.state == Progress::State::kReplicate) pr.become_probe();
      send_append(from);
    }
    return;
  }
  const bool was_paused = pr.is_paused();
  if (!pr.maybe_update(m.index())) {
    if (was_paused && pr.state != Progress::State::kSnapshot) send_append(from);
    return;
  }
  switch (pr.state) {
    case Progress::State::kProbe:
      pr.become_replicate();
      break;
    case Progress::State::kSnapshot:
      if (pr.match >= pr.pending_snapshot_index()) {
        pr.become_probe();
        pr.become_replicate();
      }
      break;
    case Progress::State::kReplicate:
      pr.inflights.free_le(m.index());
      break;
  }
  if (maybe_commit()) {
    bcast_append();
  } else if (was_paused) {
    send_append(from);
  }
  // Stream whatever flow control allows; the loop is bounded by the inflight window.
  while (maybe_send_append(from, false)) {
  }
  if (from == lead_transferee_ && pr.match == log_.last_index()) send_timeout_now(from);
}

void Raft::handle_heartbeat_response(const pb::Message& m, Progress& pr) {
  const int32_t from = m.from();
  pr.probe_sent = false;
  if (pr.state == Progress::State::kReplicate && pr.inflights.full()) pr.inflights.free_first_one();
  if (pr.state == Progress::State::kSnapshot) {
    // The chunk may have been lost: resend the one the follower is waiting for.
    send_snapshot_chunk(from, pr);
  } else if (pr.match < log_.last_index()) {
    send_append(from);
  }
  if (m.context().empty()) return;
  const ReadIndexRequest* req = read_only_.ack(from, m.context());
  if (req == nullptr) return;
  size_t votes = 0;
  for (int32_t voter : conf_state().voters()) votes += req->acks.count(voter);
  if (votes < quorum()) return;
  for (auto& r : read_only_.release_through(m.context())) {
    answer_read(r.from, r.index, std::move(r.context));
  }
}

void Raft::handle_snapshot_response(const pb::Message& m, Progress& pr) {
  if (pr.state != Progress::State::kSnapshot || m.index() != pr.pending_snapshot_index()) return;
  if (m.reject()) {
    pr.snapshot_offset = 0;
  } else {
    const uint64_t wanted = std::min<uint64_t>(m.reject_hint(), pr.snapshot->data().size());
    if (wanted <= pr.snapshot_offset && m.reject_hint() != 0) return;  // stale ack
    pr.snapshot_offset = wanted;
  }
  send_snapshot_chunk(m.from(), pr);
}

void Raft::handle_read_index(int32_t from, std::string context) {
  if (quorum() == 1 && is_voter(id_)) {
    answer_read(from, log_.committed(), std::move(context));
    return;
  }
  if (!committed_entry_in_current_term()) {
    // Our commit index may lag the previous leader's until our no-op commits (§6.4 step 1).
    if (pending_reads_.size() < static_cast<size_t>(cfg_.max_pending_reads)) {
      pending_reads_.emplace_back(from, std::move(context));
    }
    return;
  }
  if (read_only_.size() >= static_cast<size_t>(cfg_.max_pending_reads)) return;
  read_only_.add(log_.committed(), from, context);
  read_only_.ack(id_, context);
  bcast_heartbeat(&context);
}

void Raft::answer_read(int32_t from, uint64_t index, std::string context) {
  if (from == id_) {
    read_states_.push_back(ReadState{RaftIndex(index), std::move(context)});
    return;
  }
  pb::Message m;
  m.set_type(pb::MSG_READ_INDEX_RESPONSE);
  m.set_to(from);
  m.set_index(index);
  m.set_context(std::move(context));
  send(std::move(m));
}

void Raft::release_pending_reads() {
  if (pending_reads_.empty() || !committed_entry_in_current_term()) return;
  auto pending = std::move(pending_reads_);
  pending_reads_.clear();
  for (auto& [from, ctx] : pending) handle_read_index(from, std::move(ctx));
}

Status Raft::propose(std::string data) {
  if (role_ != Role::kLeader) return not_leader(lead_);
  if (lead_transferee_ != kNone) return unavailable("raft: leadership transfer in progress");
  pb::Entry e;
  e.set_data(std::move(data));
  if (!append_entries({std::move(e)})) return unavailable("raft: too many uncommitted bytes");
  bcast_append();
  return Status::ok();
}

Status Raft::propose_conf_change(const pb::ConfChange& cc) {
  if (role_ != Role::kLeader) return not_leader(lead_);
  if (lead_transferee_ != kNone) return unavailable("raft: leadership transfer in progress");
  // Dissertation §4.1: one change at a time, and (the published bug fix) only after this leader
  // committed an entry of its own term, so two leaders' changes cannot overlap.
  if (pending_conf_index() > log_.committed()) {
    return failed_precondition("raft: a membership change is still uncommitted");
  }
  if (log_.committed() < term_start_index_) {
    return failed_precondition("raft: leader has not committed an entry in its term yet");
  }
  EDDY_ASSIGN_OR_RETURN(pb::ConfState next, apply_conf_change(conf_state(), cc));
  (void)next;
  if (cc.type() == pb::CONF_CHANGE_ADD_VOTER && !raft::is_voter(conf_state(), cc.node_id())) {
    auto it = prs_.find(cc.node_id());
    if (it == prs_.end() || it->second.match < log_.committed()) {
      return failed_precondition("raft: learner " + std::to_string(cc.node_id()) +
                                 " has not caught up");
    }
  }
  pb::Entry e;
  e.set_type(pb::ENTRY_CONF_CHANGE);
  e.set_data(cc.SerializeAsString());
  if (!append_entries({std::move(e)})) return unavailable("raft: too many uncommitted bytes");
  bcast_append();
  return Status::ok();
}

Status Raft::transfer_leadership(int32_t to) {
  if (role_ != Role::kLeader) return not_leader(lead_);
  if (to == id_) return Status::ok();
  if (!is_voter(to)) return invalid_argument("raft: transfer target is not a voter");
  if (lead_transferee_ == to) return Status::ok();
  lead_transferee_ = to;
  // The transfer must finish within an election timeout or it is abandoned (§3.10).
  election_elapsed_ = 0;
  if (prs_.at(to).match == log_.last_index()) {
    send_timeout_now(to);
  } else {
    send_append(to);
  }
  return Status::ok();
}

Status Raft::read_index(std::string context) {
  if (role_ == Role::kLeader) {
    handle_read_index(id_, std::move(context));
    return Status::ok();
  }
  if (lead_ == kNone) return not_leader(lead_);
  pb::Message m;
  m.set_type(pb::MSG_READ_INDEX);
  m.set_to(lead_);
  m.set_context(std::move(context));
  send(std::move(m));
  return Status::ok();
}

}  // namespace eddy::raft
