#include "raft/core/raw_node.h"

#include "raft/core/raft.h"

namespace eddy::raft {

// What the outstanding Ready handed out, so advance() knows what became durable and applied.
struct RawNode::Pending {
  bool outstanding = false;
  uint64_t last_entry_index = 0;
  uint64_t last_entry_term = 0;
  uint64_t snapshot_index = 0;
  uint64_t last_committed_index = 0;
};

Result<std::unique_ptr<RawNode>> RawNode::create(const Config& config) {
  EDDY_ASSIGN_OR_RETURN(std::unique_ptr<Raft> raft, Raft::create(config));
  return std::unique_ptr<RawNode>(new RawNode(std::move(raft)));
}

RawNode::RawNode(std::unique_ptr<Raft> raft)
    : raft_(std::move(raft)), pending_(std::make_unique<Pending>()) {
  prev_soft_ = raft_->soft_state();
  prev_hard_ = raft_->hard_state();
}

RawNode::~RawNode() = default;

void RawNode::tick() { raft_->tick(); }
Status RawNode::step(const pb::Message& msg) { return raft_->step(msg); }
Status RawNode::propose(std::string data) { return raft_->propose(std::move(data)); }
Status RawNode::propose_conf_change(const pb::ConfChange& cc) {
  return raft_->propose_conf_change(cc);
}
Status RawNode::campaign() { return raft_->campaign(); }
Status RawNode::transfer_leadership(NodeId to) { return raft_->transfer_leadership(to.value()); }
Status RawNode::read_index(std::string context) { return raft_->read_index(std::move(context)); }

namespace {

bool same_hard_state(const pb::HardState& a, const pb::HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}

}  // namespace

bool RawNode::has_ready() const {
  if (pending_->outstanding) return false;
  const RaftLog& log = raft_->log();
  return !(raft_->soft_state() == prev_soft_) ||
         !same_hard_state(raft_->hard_state(), prev_hard_) || log.unstable_snapshot() ||
         !log.unstable_entries().empty() || !raft_->messages().empty() ||
         !raft_->read_states().empty() || log.has_next_committed_entries();
}

Ready RawNode::ready() {
  Ready rd;
  RaftLog& log = raft_->log();
  *pending_ = Pending{};
  pending_->outstanding = true;
  SoftState ss = raft_->soft_state();
  if (!(ss == prev_soft_)) {
    rd.soft_state = ss;
    prev_soft_ = ss;
  }
  pb::HardState hs = raft_->hard_state();
  if (!same_hard_state(hs, prev_hard_)) {
    rd.must_sync = hs.term() != prev_hard_.term() || hs.vote() != prev_hard_.vote();
    rd.hard_state = hs;
    prev_hard_ = hs;
  }
  if (log.unstable_snapshot()) {
    rd.snapshot = *log.unstable_snapshot();
    pending_->snapshot_index = rd.snapshot->metadata().index();
    rd.must_sync = true;
  }
  rd.entries = log.unstable_entries();
  if (!rd.entries.empty()) {
    pending_->last_entry_index = rd.entries.back().index();
    pending_->last_entry_term = rd.entries.back().term();
    rd.must_sync = true;
  }
  rd.committed_entries = log.next_committed_entries();
  if (!rd.committed_entries.empty()) {
    pending_->last_committed_index = rd.committed_entries.back().index();
  }
  rd.messages = std::move(raft_->messages());
  raft_->messages().clear();
  rd.read_states = std::move(raft_->read_states());
  raft_->read_states().clear();
  return rd;
}

void RawNode::advance() {
  if (!pending_->outstanding) return;
  RaftLog& log = raft_->log();
  if (pending_->snapshot_index != 0) {
    log.stable_snapshot_to(pending_->snapshot_index);
    if (pending_->snapshot_index > log.applied()) log.applied_to(pending_->snapshot_index);
  }
  // A snapshot restored since ready() will wipe the stored log when installed, so entries that
  // Ready carried no longer count as stable.
  const bool newer_snapshot = log.unstable_snapshot().has_value();
  if (pending_->last_entry_index != 0 && !newer_snapshot) {
    log.stable_to(pending_->last_entry_index, pending_->last_entry_term);
  }
  if (pending_->last_committed_index > log.applied()) {
    log.applied_to(pending_->last_committed_index);
  }
  pending_->outstanding = false;
}

NodeStatus RawNode::status() const {
  NodeStatus s;
  s.id = NodeId(raft_->id());
  s.role = raft_->role();
  s.leader = NodeId(raft_->leader());
  s.term = Term(raft_->term());
  s.vote = NodeId(raft_->vote());
  s.commit = RaftIndex(raft_->log().committed());
  s.applied = RaftIndex(raft_->log().applied());
  s.last_index = RaftIndex(raft_->log().last_index());
  s.conf_state = raft_->conf_state();
  s.lead_transferee = NodeId(raft_->lead_transferee());
  if (raft_->role() == Role::kLeader) {
    for (const auto& [id, pr] : raft_->progress()) {
      s.peers.push_back(
          PeerStatus{NodeId(id), !pr.learner, RaftIndex(pr.match), RaftIndex(pr.next)});
    }
  }
  return s;
}

}  // namespace eddy::raft
