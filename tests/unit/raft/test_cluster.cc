#include "test_cluster.h"

#include <cassert>

#include "raft/core/conf_change.h"

namespace eddy::raft::testing {

namespace {

constexpr int kMaxStabilizeRounds = 1000;

const char* type_name(pb::MessageType t) {
  switch (t) {
    case pb::MSG_APPEND:
      return "MsgApp";
    case pb::MSG_APPEND_RESPONSE:
      return "MsgAppResp";
    case pb::MSG_VOTE:
      return "MsgVote";
    case pb::MSG_VOTE_RESPONSE:
      return "MsgVoteResp";
    case pb::MSG_PRE_VOTE:
      return "MsgPreVote";
    case pb::MSG_PRE_VOTE_RESPONSE:
      return "MsgPreVoteResp";
    case pb::MSG_HEARTBEAT:
      return "MsgHeartbeat";
    case pb::MSG_HEARTBEAT_RESPONSE:
      return "MsgHeartbeatResp";
    case pb::MSG_SNAPSHOT:
      return "MsgSnap";
    case pb::MSG_SNAPSHOT_RESPONSE:
      return "MsgSnapResp";
    case pb::MSG_TIMEOUT_NOW:
      return "MsgTimeoutNow";
    case pb::MSG_READ_INDEX:
      return "MsgReadIndex";
    case pb::MSG_READ_INDEX_RESPONSE:
      return "MsgReadIndexResp";
    default:
      return "MsgUnknown";
  }
}

}  // namespace

std::string describe(const pb::ConfState& cs) {
  std::string out = "voters=(";
  for (int i = 0; i < cs.voters_size(); ++i) out += (i ? " " : "") + std::to_string(cs.voters(i));
  out += ")";
  if (cs.learners_size() > 0) {
    out += " learners=(";
    for (int i = 0; i < cs.learners_size(); ++i) {
      out += (i ? " " : "") + std::to_string(cs.learners(i));
    }
    out += ")";
  }
  return out;
}

std::string describe(const pb::Entry& e) {
  std::string out = std::to_string(e.term()) + "/" + std::to_string(e.index());
  if (e.type() == pb::ENTRY_CONF_CHANGE) {
    pb::ConfChange cc;
    cc.ParseFromString(e.data());
    static const char* kNames[] = {"add-learner", "add-voter", "remove"};
    out += " conf:" + std::string(kNames[cc.type()]) + "(" + std::to_string(cc.node_id()) + ")";
  } else if (e.data().empty()) {
    out += " noop";
  } else {
    out += " " + e.data();
  }
  return out;
}

std::string describe(const pb::Message& m) {
  std::string out = std::to_string(m.from()) + "->" + std::to_string(m.to()) + " " +
                    type_name(m.type()) + " term=" + std::to_string(m.term());
  switch (m.type()) {
    case pb::MSG_APPEND:
      out += " prev=" + std::to_string(m.log_term()) + "/" + std::to_string(m.index()) +
             " commit=" + std::to_string(m.commit());
      if (m.entries_size() > 0) {
        out += " [";
        for (int i = 0; i < m.entries_size(); ++i) {
          out += (i ? ", " : "") + describe(m.entries(i));
        }
        out += "]";
      }
      break;
    case pb::MSG_APPEND_RESPONSE:
      out += " index=" + std::to_string(m.index());
      if (m.reject()) {
        out += " rejected hint=" + std::to_string(m.log_term()) + "/" +
               std::to_string(m.reject_hint());
      }
      break;
    case pb::MSG_VOTE:
    case pb::MSG_PRE_VOTE:
      out += " last=" + std::to_string(m.log_term()) + "/" + std::to_string(m.index());
      if (!m.context().empty()) out += " " + m.context();
      break;
    case pb::MSG_VOTE_RESPONSE:
    case pb::MSG_PRE_VOTE_RESPONSE:
      out += m.reject() ? " rejected" : " granted";
      break;
    case pb::MSG_HEARTBEAT:
      out += " commit=" + std::to_string(m.commit());
      if (!m.context().empty()) out += " ctx=" + m.context();
      break;
    case pb::MSG_HEARTBEAT_RESPONSE:
    case pb::MSG_READ_INDEX:
      if (!m.context().empty()) out += " ctx=" + m.context();
      break;
    case pb::MSG_READ_INDEX_RESPONSE:
      out += " index=" + std::to_string(m.index()) + " ctx=" + m.context();
      break;
    case pb::MSG_SNAPSHOT: {
      const auto& c = m.snapshot_chunk();
      out += " snap=" + std::to_string(c.metadata().term()) + "/" +
             std::to_string(c.metadata().index()) + " bytes=" + std::to_string(c.offset()) + "+" +
             std::to_string(c.data().size()) + "/" + std::to_string(c.total_bytes()) +
             (c.last() ? " last" : "");
      break;
    }
    case pb::MSG_SNAPSHOT_RESPONSE:
      out += " snap=" + std::to_string(m.index()) + " next=" + std::to_string(m.reject_hint()) +
             (m.reject() ? " rejected" : "");
      break;
    default:
      break;
  }
  return out;
}

void TestCluster::add_node(int32_t id, const pb::ConfState& initial, const NodeOptions& options) {
  TestNode& n = nodes_[id];
  n.storage = std::make_unique<MemoryStorage>(initial);
  n.config.id = NodeId(id);
  n.config.storage = n.storage.get();
  n.config.election_ticks = options.election_ticks;
  n.config.heartbeat_ticks = options.heartbeat_ticks;
  n.config.pre_vote = options.pre_vote;
  n.config.check_quorum = options.check_quorum;
  n.config.max_append_bytes = options.max_append_bytes;
  n.config.max_inflight_appends = options.max_inflight_appends;
  n.config.max_snapshot_chunk_bytes = options.max_snapshot_chunk_bytes;
  n.config.random_seed = static_cast<uint64_t>(id);
  restart(id);
}

void TestCluster::restart(int32_t id) {
  TestNode& n = nodes_.at(id);
  n.config.applied = n.applied.empty() ? n.snapshot_index : n.applied.back().index();
  auto node = RawNode::create(n.config);
  assert(node.is_ok());
  n.node = std::move(node).value();
}

std::vector<int32_t> TestCluster::ids() const {
  std::vector<int32_t> out;
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

bool TestCluster::process_ready(int32_t id, std::vector<std::string>* log) {
  TestNode& n = nodes_.at(id);
  if (!n.node->has_ready()) return false;
  Ready rd = n.node->ready();
  auto say = [&](const std::string& s) {
    if (log) log->push_back(std::to_string(id) + ": " + s);
  };
  if (rd.soft_state) {
    say(std::string(role_name(rd.soft_state->role)) +
        " leader=" + std::to_string(rd.soft_state->leader.value()));
  }
  if (rd.hard_state) {
    say("hard state term=" + std::to_string(rd.hard_state->term()) +
        " vote=" + std::to_string(rd.hard_state->vote()) +
        " commit=" + std::to_string(rd.hard_state->commit()));
    n.storage->set_hard_state(*rd.hard_state);
  }
  if (rd.snapshot) {
    say("install snapshot " + std::to_string(rd.snapshot->metadata().term()) + "/" +
        std::to_string(rd.snapshot->metadata().index()) + " " +
        describe(rd.snapshot->metadata().conf_state()));
    (void)n.storage->apply_snapshot(*rd.snapshot);
    n.snapshot_index = rd.snapshot->metadata().index();
    n.applied_conf = rd.snapshot->metadata().conf_state();
    n.applied.clear();
  }
  if (!rd.entries.empty()) {
    std::string s = "persist";
    for (const auto& e : rd.entries) {
      s += " ";
      s += describe(e);
    }
    say(s);
    (void)n.storage->append(rd.entries);
  }
  for (auto& m : rd.messages) mailbox_.push_back(std::move(m));
  for (const auto& e : rd.committed_entries) {
    say("apply " + describe(e));
    if (e.type() == pb::ENTRY_CONF_CHANGE) {
      pb::ConfChange cc;
      cc.ParseFromString(e.data());
      if (auto next = apply_conf_change(n.applied_conf, cc); next.is_ok()) {
        n.applied_conf = std::move(next).value();
      }
    }
    n.applied.push_back(e);
  }
  for (const auto& rs : rd.read_states) {
    say("read state index=" + std::to_string(rs.index.value()) + " ctx=" + rs.context);
    n.read_states.push_back(rs);
  }
  n.node->advance();
  return true;
}

size_t TestCluster::deliver(std::vector<std::string>* log) {
  std::vector<pb::Message> batch = take_messages();
  for (const auto& m : batch) {
    const bool dropped = cut_.count({m.from(), m.to()}) > 0 || !nodes_.count(m.to());
    if (log) log->push_back((dropped ? "dropped " : "") + describe(m));
    if (!dropped) (void)nodes_.at(m.to()).node->step(m);
  }
  return batch.size();
}

void TestCluster::stabilize(std::vector<std::string>* log) {
  for (int round = 0; round < kMaxStabilizeRounds; ++round) {
    bool any = false;
    for (auto& [id, n] : nodes_) any = process_ready(id, log) || any;
    any = deliver(log) > 0 || any;
    if (!any) return;
  }
}

std::vector<pb::Message> TestCluster::take_messages() {
  std::vector<pb::Message> out;
  out.swap(mailbox_);
  return out;
}

void TestCluster::tick(int32_t id, int n) {
  for (int i = 0; i < n; ++i) nodes_.at(id).node->tick();
}

void TestCluster::isolate(int32_t id) {
  for (const auto& [other, n] : nodes_) {
    if (other == id) continue;
    cut_.insert({id, other});
    cut_.insert({other, id});
  }
}

Status TestCluster::snapshot_and_compact(int32_t id, const std::string& data) {
  TestNode& n = nodes_.at(id);
  if (n.applied.empty()) return failed_precondition("nothing applied");
  const RaftIndex index(n.applied.back().index());
  EDDY_RETURN_IF_ERROR(n.storage->create_snapshot(index, n.applied_conf, data));
  return n.storage->compact(index);
}

}  // namespace eddy::raft::testing
