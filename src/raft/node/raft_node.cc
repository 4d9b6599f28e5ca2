#include "raft/node/raft_node.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <charconv>
#include <chrono>

#include "common/clock.h"
#include "raft/core/conf_change.h"

namespace eddy::raft {

namespace asio = boost::asio;

namespace {

// "host:port" in a ConfChange context names a new member's Raft address.
bool parse_address(const std::string& s, PeerAddress* out) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  uint16_t port = 0;
  auto [ptr, ec] = std::from_chars(s.data() + colon + 1, s.data() + s.size(), port);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  *out = PeerAddress{s.substr(0, colon), port};
  return true;
}

}  // namespace

RaftNode::RaftNode(RaftNodeConfig config, StateMachine& state_machine)
    : config_(std::move(config)),
      sm_(state_machine),
      tick_timer_(io_),
      pending_(config_.max_pending_requests) {}

RaftNode::~RaftNode() { stop(); }

int64_t RaftNode::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Status RaftNode::start() {
  if (started_) return failed_precondition("raft node already started");
  EDDY_RETURN_IF_ERROR(config_.validate());
  EDDY_RETURN_IF_ERROR(open());
  started_ = true;
  publish_status();
  schedule_tick();
  thread_ = std::thread([this] { io_.run(); });
  return Status::ok();
}

Status RaftNode::open() {
  pb::ConfState bootstrap;
  for (const auto& [id, address] : config_.voters) bootstrap.add_voters(id.value());
  RecoveryReport report;
  DiskStorage::Options options;
  options.log = config_.log;
  EDDY_ASSIGN_OR_RETURN(storage_, DiskStorage::open(config_.data_dir, bootstrap, options, &report));
  if (report.torn_bytes > 0) {
    spdlog::info("raft node {}: dropped a torn tail of {} bytes from the log", config_.id.value(),
                 report.torn_bytes);
  }
  if (!report.corruption.is_ok()) {
    spdlog::warn("raft node {}: log truncated at corruption: {}", config_.id.value(),
                 report.corruption.to_string());
  }
  EDDY_ASSIGN_OR_RETURN(pb::Snapshot snap, storage_->snapshot());
  conf_state_ = pb::ConfState();
  if (snap.metadata().index() > 0) {
    EDDY_RETURN_IF_ERROR(sm_.restore(snap.data()));
    applied_ = snapshot_index_ = snap.metadata().index();
    applied_term_ = snap.metadata().term();
    conf_state_ = snap.metadata().conf_state();
  }

  Config c;
  c.id = config_.id;
  c.election_ticks = config_.election_ticks;
  c.heartbeat_ticks = config_.heartbeat_ticks;
  c.storage = storage_.get();
  c.applied = applied_;
  c.random_seed = static_cast<uint64_t>(config_.id.value() + 1) * 0x9E3779B97F4A7C15ull ^
                  static_cast<uint64_t>(now_ms());
  EDDY_ASSIGN_OR_RETURN(raw_, RawNode::create(c));

  TransportConfig tc = config_.transport;
  tc.self = config_.id;
  tc.listen_host = config_.voters.at(config_.id).host;
  tc.listen_port = config_.voters.at(config_.id).port;
  tc.peers = config_.voters;
  tc.peers.erase(config_.id);
  transport_ =
      std::make_unique<Transport>(io_, tc, [this](pb::Message m) { on_message(std::move(m)); });
  // A single-voter quorum has nobody to talk to: it opens no Raft port (as Kafka's controller
  // quorum of one has no controller listener).
  if (config_.voters.size() > 1) {
    EDDY_RETURN_IF_ERROR(transport_->start());
    raft_port_ = transport_->listen_port();
  }
  spdlog::info("raft node {}: started at applied index {}, raft port {}", config_.id.value(),
               applied_, raft_port_);
  return Status::ok();
}

void RaftNode::stop() {
  {
    std::lock_guard lock(post_mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  std::promise<void> done;
  asio::post(io_, [this, &done] {
    tick_timer_.cancel();
    transport_->stop();
    pending_.fail_all(Status(StatusCode::kCancelled, "raft node stopped"));
    Status s = storage_->close();
    if (!s.is_ok()) spdlog::warn("raft node {}: {}", config_.id.value(), s.to_string());
    done.set_value();
  });
  done.get_future().wait();
  io_.stop();
  thread_.join();
}

void RaftNode::schedule_tick() {
  tick_timer_.expires_after(std::chrono::milliseconds(config_.tick_ms));
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_tick();
  });
}

void RaftNode::on_tick() {
  if (!failed_.is_ok()) return;
  raw_->tick();
  pending_.expire(now_ms());
  schedule_ready();
  schedule_tick();
}

void RaftNode::on_message(pb::Message msg) {
  if (!failed_.is_ok()) return;
  last_contact_ms_[NodeId(msg.from())] = SystemClock::instance().wall_ms();
  Status s = raw_->step(msg);
  if (!s.is_ok()) {
    spdlog::debug("raft node {}: step: {}", config_.id.value(), s.to_string());
  }
  schedule_ready();
}

template <typename F>
bool RaftNode::post_to_node(F f) {
  std::lock_guard lock(post_mu_);
  if (!started_ || stopping_) return false;
  asio::post(io_, std::move(f));
  return true;
}

void RaftNode::propose(std::string data, ProposeCallback cb) {
  auto shared_cb = std::make_shared<ProposeCallback>(std::move(cb));
  if (!post_to_node([this, data = std::move(data), shared_cb]() mutable {
        do_propose(std::move(data), std::move(*shared_cb));
      })) {
    (*shared_cb)(Status(StatusCode::kCancelled, "raft node not running"));
  }
}

std::future<Result<ProposalResult>> RaftNode::propose(std::string data) {
  auto promise = std::make_shared<std::promise<Result<ProposalResult>>>();
  auto fut = promise->get_future();
  propose(std::move(data),
          [promise](Result<ProposalResult> r) { promise->set_value(std::move(r)); });
  return fut;
}

void RaftNode::read_index(ReadCallback cb) {
  auto shared_cb = std::make_shared<ReadCallback>(std::move(cb));
  if (!post_to_node([this, shared_cb] { do_read(std::move(*shared_cb)); })) {
    (*shared_cb)(Status(StatusCode::kCancelled, "raft node not running"));
  }
}

void RaftNode::campaign() {
  post_to_node([this] {
    if (!failed_.is_ok()) return;
    Status s = raw_->campaign();
    if (!s.is_ok()) spdlog::info("raft node {}: campaign: {}", config_.id.value(), s.to_string());
    schedule_ready();
  });
}

std::future<Status> RaftNode::transfer_leadership(NodeId to) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto fut = promise->get_future();
  if (!post_to_node([this, to, promise] {
        if (!failed_.is_ok()) return promise->set_value(failed_);
        Status s = raw_->transfer_leadership(to);
        if (s.code() == StatusCode::kUnavailable && raw_->status().role != Role::kLeader) {
          s = not_leader();
        }
        promise->set_value(s);
        schedule_ready();
      })) {
    promise->set_value(Status(StatusCode::kCancelled, "raft node not running"));
  }
  return fut;
}

void RaftNode::propose_conf_change(const pb::ConfChange& cc, ProposeCallback cb) {
  auto shared_cb = std::make_shared<ProposeCallback>(std::move(cb));
  if (!post_to_node([this, cc, shared_cb] {
        ProposeCallback cb = std::move(*shared_cb);
        if (!failed_.is_ok()) return cb(failed_);
        if (pending_.full()) return cb(unavailable("raft: too many pending requests"));
        track_proposal(raw_->propose_conf_change(cc), std::move(cb));
      })) {
    (*shared_cb)(Status(StatusCode::kCancelled, "raft node not running"));
  }
}

Status RaftNode::not_leader() const {
  NodeStatus st = raw_->status();
  if (st.leader == kNoNode) return unavailable("raft: not leader; no leader known");
  return unavailable("raft: not leader; leader hint: " + std::to_string(st.leader.value()));
}

void RaftNode::do_propose(std::string data, ProposeCallback cb) {
  if (!failed_.is_ok()) return cb(failed_);
  if (data.empty()) return cb(invalid_argument("raft: empty proposal"));
  if (pending_.full()) return cb(unavailable("raft: too many pending requests"));
  track_proposal(raw_->propose(std::move(data)), std::move(cb));
}

void RaftNode::track_proposal(const Status& proposed, ProposeCallback cb) {
  if (!proposed.is_ok()) {
    const bool leader = raw_->status().role == Role::kLeader;
    return cb(proposed.code() == StatusCode::kUnavailable && !leader ? not_leader() : proposed);
  }
  // The entry is the log's last: its answer comes when it is applied (or lost).
  NodeStatus st = raw_->status();
  pending_.add_proposal(st.last_index.value(), st.term.value(),
                        now_ms() + config_.request_timeout_ms, std::move(cb));
  schedule_ready();
}

void RaftNode::do_read(ReadCallback cb) {
  if (!failed_.is_ok()) return cb(failed_);
  if (pending_.full()) return cb(unavailable("raft: too many pending requests"));
  std::string context = pending_.add_read(now_ms() + config_.request_timeout_ms, std::move(cb));
  Status s = raw_->read_index(context);
  if (!s.is_ok()) {
    // The callback was moved into pending_; take it back out by failing just this read.
    pending_.fail_read(context, s.code() == StatusCode::kUnavailable ? not_leader() : s);
    return;
  }
  schedule_ready();
}

void RaftNode::schedule_ready() {
  // Coalesce: every proposal and message already queued on the io_context lands in one Ready,
  // so one fsync covers them all (group commit).
  if (ready_scheduled_) return;
  ready_scheduled_ = true;
  asio::post(io_, [this] {
    ready_scheduled_ = false;
    process_ready();
  });
}

void RaftNode::process_ready() {
  if (!failed_.is_ok() || stopping_) return;
  // Bounded: each Ready is followed by advance(), and a Ready is produced only for new work.
  for (int rounds = 0; rounds < 1000 && raw_->has_ready(); ++rounds) {
    Ready rd = raw_->ready();
    Status s = handle_ready(rd);
    if (!s.is_ok()) return fail(s);
    raw_->advance();
    s = maybe_snapshot();
    if (!s.is_ok()) return fail(s);
  }
  if (raw_->has_ready()) schedule_ready();
  publish_status();
}

Status RaftNode::handle_ready(Ready& rd) {
  if (rd.soft_state) {
    spdlog::info("raft node {}: {} (leader {})", config_.id.value(), role_name(rd.soft_state->role),
                 rd.soft_state->leader.value());
  }
  if (rd.snapshot) {
    const pb::SnapshotMetadata& meta = rd.snapshot->metadata();
    EDDY_RETURN_IF_ERROR(storage_->apply_snapshot(*rd.snapshot));
    EDDY_RETURN_IF_ERROR(sm_.restore(rd.snapshot->data()));
    applied_ = snapshot_index_ = meta.index();
    applied_term_ = meta.term();
    conf_state_ = meta.conf_state();
    pending_.on_applied(meta.index(), meta.term(), std::string());
    pending_.on_applied_index(applied_);
    spdlog::info("raft node {}: installed snapshot at index {}", config_.id.value(), meta.index());
  }
  EDDY_RETURN_IF_ERROR(storage_->append(rd.entries));
  // Entries first, then the hard state that may point at them; both durable before any message.
  if (rd.must_sync || !rd.entries.empty()) EDDY_RETURN_IF_ERROR(storage_->sync());
  if (rd.hard_state) EDDY_RETURN_IF_ERROR(storage_->set_hard_state(*rd.hard_state));
  for (pb::Message& m : rd.messages) transport_->send(std::move(m));
  EDDY_RETURN_IF_ERROR(apply_committed(rd.committed_entries));
  for (const ReadState& rs : rd.read_states) {
    pending_.on_read_state(rs.context, rs.index.value(), applied_);
  }
  return Status::ok();
}

Status RaftNode::apply_committed(const std::vector<pb::Entry>& entries) {
  for (const pb::Entry& e : entries) {
    if (e.index() <= applied_) continue;
    std::string result;
    if (e.type() == pb::ENTRY_NORMAL && !e.data().empty()) {
      result = sm_.apply(e);
    } else if (e.type() == pb::ENTRY_CONF_CHANGE) {
      pb::ConfChange cc;
      if (!cc.ParseFromString(e.data())) {
        return corruption("raft: committed conf change " + std::to_string(e.index()) +
                          " does not parse");
      }
      auto next = apply_conf_change(conf_state_, cc);
      if (next.is_ok()) conf_state_ = std::move(next).value();
      PeerAddress address;
      if (cc.type() != pb::CONF_CHANGE_REMOVE_NODE && parse_address(cc.context(), &address)) {
        transport_->set_peer(NodeId(cc.node_id()), address);
      }
    }
    applied_ = e.index();
    applied_term_ = e.term();
    pending_.on_applied(e.index(), e.term(), std::move(result));
  }
  pending_.on_applied_index(applied_);
  return Status::ok();
}

Status RaftNode::maybe_snapshot() {
  if (applied_ - snapshot_index_ < config_.snapshot_interval) return Status::ok();
  EDDY_RETURN_IF_ERROR(storage_->create_snapshot(RaftIndex(applied_), conf_state_, sm_.snapshot()));
  snapshot_index_ = applied_;
  if (applied_ > config_.snapshot_catchup_entries) {
    const uint64_t compact_to = applied_ - config_.snapshot_catchup_entries;
    EDDY_ASSIGN_OR_RETURN(RaftIndex first, storage_->first_index());
    if (compact_to >= first.value()) EDDY_RETURN_IF_ERROR(storage_->compact(RaftIndex(compact_to)));
  }
  return Status::ok();
}

void RaftNode::fail(const Status& status) {
  spdlog::error("raft node {}: stopping on storage failure: {}", config_.id.value(),
                status.to_string());
  failed_ = status;
  tick_timer_.cancel();
  transport_->stop();
  pending_.fail_all(status);
  publish_status();
  if (failure_cb_) failure_cb_(status);
}

void RaftNode::publish_status() {
  NodeStatus st = raw_->status();
  const bool leader_ready = st.role == Role::kLeader && applied_term_ == st.term.value();
  std::vector<RaftPeerStatus> peers;
  auto add_peer = [&](int32_t raw_id, bool voter) {
    const NodeId id(raw_id);
    if (id == config_.id) return;
    RaftPeerStatus p{id, voter};
    if (auto it = last_contact_ms_.find(id); it != last_contact_ms_.end()) {
      p.last_contact_ms = it->second;
    }
    for (const PeerStatus& ps : st.peers) {
      if (ps.id != id) continue;
      p.match_index = static_cast<int64_t>(ps.match.value());
      // Caught up: the peer holds everything the leader has, as of its last answer.
      if (ps.match == st.last_index && p.last_contact_ms >= 0) {
        last_caught_up_ms_[id] = p.last_contact_ms;
      }
    }
    if (auto it = last_caught_up_ms_.find(id); it != last_caught_up_ms_.end()) {
      p.last_caught_up_ms = it->second;
    }
    peers.push_back(p);
  };
  for (int32_t v : st.conf_state.voters()) add_peer(v, true);
  for (int32_t l : st.conf_state.learners()) add_peer(l, false);
  {
    std::lock_guard lock(status_mu_);
    status_.id = config_.id;
    status_.role = st.role;
    status_.leader = st.leader;
    status_.term = st.term;
    status_.commit = st.commit;
    status_.applied = RaftIndex(applied_);
    status_.last_index = st.last_index;
    status_.snapshot_index = RaftIndex(snapshot_index_);
    status_.voters.clear();
    for (int32_t v : st.conf_state.voters()) status_.voters.push_back(NodeId(v));
    status_.learners.clear();
    for (int32_t l : st.conf_state.learners()) status_.learners.push_back(NodeId(l));
    status_.peers = std::move(peers);
    status_.leader_ready = leader_ready;
    status_.failed = failed_;
  }
  notify_leader_change(st);
}

void RaftNode::notify_leader_change(const NodeStatus& st) {
  if (!leader_change_cb_ || !failed_.is_ok()) return;
  LeaderChange change{st.leader, st.term,
                      st.role == Role::kLeader && applied_term_ == st.term.value()};
  // Until some leader is known there is nothing to say.
  if (change == last_leader_change_) return;
  last_leader_change_ = change;
  leader_change_cb_(change);
}

RaftNodeStatus RaftNode::status() const {
  std::lock_guard lock(status_mu_);
  return status_;
}

}  // namespace eddy::raft
