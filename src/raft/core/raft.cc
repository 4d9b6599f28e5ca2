#include "raft/core/raft.h"

#include <algorithm>
#include <string>

namespace eddy::raft {

const char* role_name(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown";
}

Result<std::unique_ptr<Raft>> Raft::create(const Config& config) {
  EDDY_RETURN_IF_ERROR(config.validate());
  EDDY_ASSIGN_OR_RETURN(InitialState init, config.storage->initial_state());
  EDDY_ASSIGN_OR_RETURN(RaftLog log,
                        RaftLog::create(config.storage, init.hard_state.commit(), config.applied,
                                        config.max_committed_bytes_per_ready));
  std::unique_ptr<Raft> r(new Raft(config, std::move(log)));
  r->term_ = init.hard_state.term();
  r->vote_ = init.hard_state.term() == 0 ? kNone : init.hard_state.vote();
  EDDY_RETURN_IF_ERROR(r->load_config(init.conf_state));
  r->become_follower(r->term_, kNone);
  return r;
}

Raft::Raft(const Config& config, RaftLog log)
    : cfg_(config), id_(config.id.value()), log_(std::move(log)), rng_(config.random_seed) {}

pb::HardState Raft::hard_state() const {
  pb::HardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(log_.committed());
  return hs;
}

void Raft::send(pb::Message m) {
  m.set_from(id_);
  // Votes and pre-votes (and their answers) carry their own term; everything else ours.
  switch (m.type()) {
    case pb::MSG_VOTE:
    case pb::MSG_PRE_VOTE:
    case pb::MSG_VOTE_RESPONSE:
    case pb::MSG_PRE_VOTE_RESPONSE:
      break;
    default:
      m.set_term(term_);
  }
  msgs_.push_back(std::move(m));
}

void Raft::reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  abort_leader_transfer();
  votes_.clear();
  read_only_.clear();
  pending_reads_.clear();
  uncommitted_bytes_ = 0;
  uncommitted_batches_.clear();
  const uint64_t last = log_.last_index();
  for (auto& [id, pr] : prs_) {
    pr = Progress(last + 1, cfg_.max_inflight_appends, pr.learner);
    if (id == id_) pr.match = last;
  }
}

void Raft::reset_randomized_election_timeout() {
  randomized_election_timeout_ =
      cfg_.election_ticks + static_cast<int>(rng_.uniform(cfg_.election_ticks));
}

void Raft::become_follower(uint64_t term, int32_t lead) {
  reset(term);
  lead_ = lead;
  role_ = Role::kFollower;
}

void Raft::become_pre_candidate() {
  // A pre-candidate keeps its term and vote: it only asks whether it could win.
  votes_.clear();
  lead_ = kNone;
  role_ = Role::kPreCandidate;
}

void Raft::become_candidate() {
  reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::become_leader() {
  reset(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  // Raft §8: a new leader commits an entry of its own term to learn what is committed, which
  // also lets ReadIndex and membership changes proceed.
  term_start_index_ = log_.last_index() + 1;
  pb::Entry noop;
  append_entries({noop});
}

bool Raft::promotable() const { return is_voter(id_) && !log_.unstable_snapshot(); }

void Raft::hup(bool transfer) {
  if (role_ == Role::kLeader || !promotable()) return;
  run_election(cfg_.pre_vote && !transfer, transfer);
}

void Raft::run_election(bool pre_vote, bool transfer) {
  uint64_t vote_term;
  pb::MessageType type;
  if (pre_vote) {
    become_pre_candidate();
    vote_term = term_ + 1;
    type = pb::MSG_PRE_VOTE;
  } else {
    become_candidate();
    vote_term = term_;
    type = pb::MSG_VOTE;
  }
  if (tally(id_, true) > 0) {
    // A single-voter cluster wins at once.
    if (pre_vote) {
      run_election(false, transfer);
    } else {
      become_leader();
    }
    return;
  }
  for (int32_t voter : conf_state().voters()) {
    if (voter == id_) continue;
    pb::Message m;
    m.set_type(type);
    m.set_to(voter);
    m.set_term(vote_term);
    m.set_index(log_.last_index());
    m.set_log_term(log_.last_term());
    if (transfer) m.set_context(kTransferContext);
    send(std::move(m));
  }
}

int Raft::tally(int32_t from, bool granted) {
  votes_.emplace(from, granted);
  size_t yes = 0, no = 0;
  for (int32_t voter : conf_state().voters()) {
    auto it = votes_.find(voter);
    if (it == votes_.end()) continue;
    (it->second ? yes : no)++;
  }
  if (yes >= quorum()) return 1;
  // Lost once the voters yet to answer cannot make up a quorum.
  if (static_cast<size_t>(conf_state().voters_size()) - no < quorum()) return -1;
  return 0;
}

bool Raft::in_lease() const {
  return cfg_.check_quorum && lead_ != kNone && election_elapsed_ < cfg_.election_ticks;
}

void Raft::tick() {
  if (role_ == Role::kLeader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
}

void Raft::tick_election() {
  ++election_elapsed_;
  if (promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    hup(false);
  }
}

void Raft::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= cfg_.election_ticks) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum && !quorum_active()) {
      // Raft §6.2: a leader cut off from a majority steps down so clients find the real one.
      become_follower(term_, kNone);
      return;
    }
    abort_leader_transfer();
  }
  if (heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    bcast_heartbeat(read_only_.last_context());
  }
}

Status Raft::campaign() {
  if (role_ == Role::kLeader) return Status::ok();
  if (!promotable()) return failed_precondition("campaign: this node is not a voter");
  hup(false);
  return Status::ok();
}

Status Raft::step(const pb::Message& m) {
  if (m.type() == pb::MSG_UNSPECIFIED || !pb::MessageType_IsValid(m.type())) {
    return invalid_argument("raft step: unknown message type");
  }
  if (m.from() == id_) return invalid_argument("raft step: message from self");
  const bool vote_req = m.type() == pb::MSG_VOTE || m.type() == pb::MSG_PRE_VOTE;
  if (m.term() > term_) {
    if (vote_req) {
      // Raft §4.2.3: while a live leader is heard, a vote request is a removed or partitioned
      // server trying to disrupt; ignore it, unless it comes from a leadership transfer.
      if (m.context() != kTransferContext && in_lease()) return Status::ok();
    }
    if (m.type() == pb::MSG_PRE_VOTE) {
      // Answering a pre-vote never changes our term.
    } else if (m.type() == pb::MSG_PRE_VOTE_RESPONSE && !m.reject()) {
      // A granted pre-vote echoes the term we would campaign in.
    } else if (m.type() == pb::MSG_APPEND || m.type() == pb::MSG_HEARTBEAT ||
               m.type() == pb::MSG_SNAPSHOT) {
      become_follower(m.term(), m.from());
    } else if (m.type() == pb::MSG_VOTE) {
      // Raft §5.2: only granting a vote restarts the election timer. A candidate with a stale log
      // (e.g. a removed server) would otherwise keep every voter from ever timing out.
      const int elapsed = election_elapsed_;
      const int timeout = randomized_election_timeout_;
      become_follower(m.term(), kNone);
      election_elapsed_ = elapsed;
      randomized_election_timeout_ = timeout;
    } else {
      become_follower(m.term(), kNone);
    }
  } else if (m.term() < term_) {
    if ((cfg_.check_quorum || cfg_.pre_vote) &&
        (m.type() == pb::MSG_HEARTBEAT || m.type() == pb::MSG_APPEND)) {
      // A stale leader (e.g. behind a healed partition) learns the new term from this answer;
      // without it, pre-vote or lease checks could leave it stranded.
      pb::Message resp;
      resp.set_type(pb::MSG_APPEND_RESPONSE);
      resp.set_to(m.from());
      send(std::move(resp));
    } else if (m.type() == pb::MSG_PRE_VOTE) {
      pb::Message resp;
      resp.set_type(pb::MSG_PRE_VOTE_RESPONSE);
      resp.set_to(m.from());
      resp.set_term(term_);
      resp.set_reject(true);
      send(std::move(resp));
    }
    return Status::ok();
  }

  if (vote_req) {
    handle_vote_request(m);
    return Status::ok();
  }
  switch (role_) {
    case Role::kLeader:
      return step_leader(m);
    case Role::kCandidate:
    case Role::kPreCandidate:
      return step_candidate(m);
    case Role::kFollower:
      return step_follower(m);
  }
  return Status::ok();
}

void Raft::handle_vote_request(const pb::Message& m) {
  const bool pre = m.type() == pb::MSG_PRE_VOTE;
  // Raft §5.2: one vote per term (a repeated request from our choice is answered again).
  const bool can_vote =
      vote_ == m.from() || (vote_ == kNone && lead_ == kNone) || (pre && m.term() > term_);
  pb::Message resp;
  resp.set_type(pre ? pb::MSG_PRE_VOTE_RESPONSE : pb::MSG_VOTE_RESPONSE);
  resp.set_to(m.from());
  // Raft §5.4.1: only a candidate whose log is at least as up to date as ours gets the vote.
  if (can_vote && log_.is_up_to_date(m.index(), m.log_term())) {
    resp.set_term(m.term());
    send(std::move(resp));
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from();
    }
  } else {
    resp.set_term(term_);
    resp.set_reject(true);
    send(std::move(resp));
  }
}

Status Raft::step_candidate(const pb::Message& m) {
  const pb::MessageType my_response =
      role_ == Role::kPreCandidate ? pb::MSG_PRE_VOTE_RESPONSE : pb::MSG_VOTE_RESPONSE;
  switch (m.type()) {
    case pb::MSG_APPEND:
    case pb::MSG_HEARTBEAT:
    case pb::MSG_SNAPSHOT:
      // A leader exists in our term (or the one we hoped for).
      become_follower(m.term(), m.from());
      return step_follower(m);
    case pb::MSG_VOTE_RESPONSE:
    case pb::MSG_PRE_VOTE_RESPONSE: {
      if (m.type() != my_response) return Status::ok();
      int outcome = tally(m.from(), !m.reject());
      if (outcome > 0) {
        if (role_ == Role::kPreCandidate) {
          run_election(false, false);
        } else {
          become_leader();
          bcast_append();
        }
      } else if (outcome < 0) {
        become_follower(term_, kNone);
      }
      return Status::ok();
    }
    default:
      return Status::ok();
  }
}

Status Raft::step_follower(const pb::Message& m) {
  switch (m.type()) {
    case pb::MSG_APPEND:
      election_elapsed_ = 0;
      lead_ = m.from();
      handle_append(m);
      break;
    case pb::MSG_HEARTBEAT:
      election_elapsed_ = 0;
      lead_ = m.from();
      handle_heartbeat(m);
      break;
    case pb::MSG_SNAPSHOT:
      election_elapsed_ = 0;
      lead_ = m.from();
      handle_snapshot_chunk(m);
      break;
    case pb::MSG_TIMEOUT_NOW:
      // Leadership transfer: campaign at once, bypassing pre-vote and the voters' lease check.
      hup(true);
      break;
    case pb::MSG_READ_INDEX_RESPONSE:
      if (!m.reject()) read_states_.push_back(ReadState{RaftIndex(m.index()), m.context()});
      break;
    default:
      break;
  }
  return Status::ok();
}

void Raft::handle_append(const pb::Message& m) {
  pb::Message resp;
  resp.set_type(pb::MSG_APPEND_RESPONSE);
  resp.set_to(m.from());
  if (m.index() < log_.committed()) {
    resp.set_index(log_.committed());
    send(std::move(resp));
    return;
  }
  std::vector<pb::Entry> ents(m.entries().begin(), m.entries().end());
  std::vector<pb::Entry> appended;
  if (auto last_new = log_.maybe_append(m.index(), m.log_term(), m.commit(), ents, &appended)) {
    if (!appended.empty()) on_entries_appended(appended);
    on_commit_advanced();
    resp.set_index(*last_new);
    send(std::move(resp));
    return;
  }
  // Reject, with a hint that lets the leader skip every entry of a conflicting term at once:
  // the last index at or below the probe whose term is no newer than the leader's there.
  auto [hint_index, hint_term] =
      log_.find_conflict_by_term(std::min(m.index(), log_.last_index()), m.log_term());
  resp.set_index(m.index());
  resp.set_reject(true);
  resp.set_reject_hint(hint_index);
  resp.set_log_term(hint_term);
  send(std::move(resp));
}

void Raft::handle_heartbeat(const pb::Message& m) {
  // The leader sends min(commit, our match), so this never commits what we do not hold.
  log_.commit_to(std::min(m.commit(), log_.last_index()));
  on_commit_advanced();
  pb::Message resp;
  resp.set_type(pb::MSG_HEARTBEAT_RESPONSE);
  resp.set_to(m.from());
  resp.set_context(m.context());
  send(std::move(resp));
}

void Raft::handle_snapshot_chunk(const pb::Message& m) {
  const pb::SnapshotChunk& c = m.snapshot_chunk();
  const pb::SnapshotMetadata& md = c.metadata();
  auto ack_append = [&] {
    pb::Message resp;
    resp.set_type(pb::MSG_APPEND_RESPONSE);
    resp.set_to(m.from());
    resp.set_index(log_.last_index());
    send(std::move(resp));
  };
  if (md.index() <= log_.committed()) {
    // Already have everything it covers: tell the leader where we are instead.
    incoming_snapshot_.reset();
    ack_append();
    return;
  }
  const bool same = incoming_snapshot_ && incoming_snapshot_->metadata.index() == md.index() &&
                    incoming_snapshot_->metadata.term() == md.term() &&
                    incoming_snapshot_->from == m.from();
  if (c.offset() == 0 && !same) {
    incoming_snapshot_.reset();
    if (c.total_bytes() <= cfg_.max_snapshot_bytes) {
      incoming_snapshot_ = Incoming{m.from(), md, c.total_bytes(), {}};
    }
  }
  bool ok = incoming_snapshot_ && incoming_snapshot_->metadata.index() == md.index() &&
            incoming_snapshot_->metadata.term() == md.term() &&
            incoming_snapshot_->from == m.from();
  if (ok && c.offset() == incoming_snapshot_->data.size() &&
      c.offset() + c.data().size() <= incoming_snapshot_->total_bytes) {
    incoming_snapshot_->data.append(c.data());
  }
  if (ok && c.last() && incoming_snapshot_->data.size() == incoming_snapshot_->total_bytes) {
    pb::Snapshot snap;
    *snap.mutable_metadata() = incoming_snapshot_->metadata;
    snap.set_data(std::move(incoming_snapshot_->data));
    incoming_snapshot_.reset();
    restore(snap);
    ack_append();
    return;
  }
  pb::Message resp;
  resp.set_type(pb::MSG_SNAPSHOT_RESPONSE);
  resp.set_to(m.from());
  resp.set_index(md.index());
  resp.set_reject(!ok);
  resp.set_reject_hint(ok ? incoming_snapshot_->data.size() : 0);
  send(std::move(resp));
}

bool Raft::restore(const pb::Snapshot& snap) {
  const auto& md = snap.metadata();
  if (md.index() <= log_.committed()) return false;
  if (log_.match_term(md.index(), md.term())) {
    // Our log already holds the snapshot point: just commit through it.
    log_.commit_to(md.index());
    on_commit_advanced();
    return false;
  }
  log_.restore(snap);
  on_snapshot_restored(md);
  return true;
}

}  // namespace eddy::raft
