#include "raft/core/conf_change.h"

#include <algorithm>
#include <string>

namespace eddy::raft {
namespace {

bool contains(const google::protobuf::RepeatedField<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

void erase(google::protobuf::RepeatedField<int32_t>* ids, int32_t id) {
  auto it = std::find(ids->begin(), ids->end(), id);
  if (it != ids->end()) ids->erase(it);
}

}  // namespace

bool is_voter(const pb::ConfState& cs, int32_t id) { return contains(cs.voters(), id); }
bool is_learner(const pb::ConfState& cs, int32_t id) { return contains(cs.learners(), id); }

Result<pb::ConfState> apply_conf_change(const pb::ConfState& cs, const pb::ConfChange& cc) {
  pb::ConfState out = cs;
  const int32_t id = cc.node_id();
  if (id < 0) return invalid_argument("conf change: negative node id");
  switch (cc.type()) {
    case pb::CONF_CHANGE_ADD_LEARNER:
      if (is_voter(cs, id)) {
        return invalid_argument("conf change: node " + std::to_string(id) + " is a voter");
      }
      if (!is_learner(cs, id)) out.add_learners(id);
      return out;
    case pb::CONF_CHANGE_ADD_VOTER:
      if (is_voter(cs, id)) return out;
      // A new member first catches up as a learner (dissertation §4.2.1).
      if (!is_learner(cs, id)) {
        return invalid_argument("conf change: node " + std::to_string(id) +
                                " must join as a learner first");
      }
      erase(out.mutable_learners(), id);
      out.add_voters(id);
      return out;
    case pb::CONF_CHANGE_REMOVE_NODE:
      if (is_voter(cs, id)) {
        if (cs.voters_size() == 1) return invalid_argument("conf change: cannot remove last voter");
        erase(out.mutable_voters(), id);
        return out;
      }
      if (is_learner(cs, id)) {
        erase(out.mutable_learners(), id);
        return out;
      }
      return invalid_argument("conf change: node " + std::to_string(id) + " is not a member");
    default:
      return invalid_argument("conf change: unknown type");
  }
}

Bootstrap bootstrap(const pb::ConfState& initial) {
  Bootstrap b;
  auto add = [&](pb::ConfChangeType type, int32_t id) {
    pb::ConfChange cc;
    cc.set_type(type);
    cc.set_node_id(id);
    pb::Entry e;
    e.set_term(1);
    e.set_index(b.entries.size() + 1);
    e.set_type(pb::ENTRY_CONF_CHANGE);
    e.set_data(cc.SerializeAsString());
    b.entries.push_back(std::move(e));
  };
  for (int32_t id : initial.voters()) {
    add(pb::CONF_CHANGE_ADD_LEARNER, id);
    add(pb::CONF_CHANGE_ADD_VOTER, id);
  }
  for (int32_t id : initial.learners()) add(pb::CONF_CHANGE_ADD_LEARNER, id);
  b.hard_state.set_term(b.entries.empty() ? 0 : 1);
  b.hard_state.set_vote(-1);
  b.hard_state.set_commit(b.entries.size());
  return b;
}

}  // namespace eddy::raft
