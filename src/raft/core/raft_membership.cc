// Configuration tracking. A configuration takes effect as soon as its entry is in the log, on
// every node (Raft dissertation §4.1), so a truncated log can also roll a configuration back:
// conf_history_ keeps every configuration from the last committed one onward, by index.

#include <set>

#include "raft/core/conf_change.h"
#include "raft/core/raft.h"

namespace eddy::raft {

namespace {

// Bounds the memory used while scanning the log for conf changes at start-up.
constexpr uint64_t kLoadPageBytes = 4 << 20;

void apply_entry(const pb::Entry& e, std::vector<std::pair<uint64_t, pb::ConfState>>* history) {
  if (e.type() != pb::ENTRY_CONF_CHANGE) return;
  pb::ConfChange cc;
  if (!cc.ParseFromString(e.data())) return;
  // The leader validated the change; an invalid one is a no-op on every node alike.
  auto next = apply_conf_change(history->back().second, cc);
  if (next.is_ok()) history->emplace_back(e.index(), std::move(next).value());
}

}  // namespace

Status Raft::load_config(const pb::ConfState& base) {
  conf_history_.clear();
  conf_history_.emplace_back(log_.first_index() - 1, base);
  const uint64_t last = log_.last_index();
  for (uint64_t lo = log_.first_index(); lo <= last;) {
    EDDY_ASSIGN_OR_RETURN(auto ents, log_.slice(lo, last + 1, kLoadPageBytes));
    if (ents.empty()) return corruption("raft: log read returned no entries");
    for (const auto& e : ents) apply_entry(e, &conf_history_);
    lo = ents.back().index() + 1;
  }
  on_commit_advanced();
  apply_config();
  return Status::ok();
}

void Raft::on_entries_appended(const std::vector<pb::Entry>& ents) {
  if (ents.empty()) return;
  const uint64_t first = ents[0].index();
  const size_t before = conf_history_.size();
  while (conf_history_.size() > 1 && conf_history_.back().first >= first) {
    conf_history_.pop_back();
  }
  bool changed = conf_history_.size() != before;
  for (const auto& e : ents) {
    const size_t n = conf_history_.size();
    apply_entry(e, &conf_history_);
    changed = changed || conf_history_.size() != n;
  }
  if (changed) apply_config();
}

void Raft::on_snapshot_restored(const pb::SnapshotMetadata& md) {
  conf_history_.clear();
  conf_history_.emplace_back(md.index(), md.conf_state());
  apply_config();
}

void Raft::on_commit_advanced() {
  size_t keep = 0;
  for (size_t i = 1; i < conf_history_.size(); ++i) {
    if (conf_history_[i].first <= log_.committed()) keep = i;
  }
  if (keep > 0) {
    conf_history_.erase(conf_history_.begin(),
                        conf_history_.begin() + static_cast<std::ptrdiff_t>(keep));
  }
  // A leader that removed itself manages the cluster until the change commits, then steps down
  // (dissertation §4.2.2) and hands over to the most caught-up voter rather than leaving the
  // others to wait out their election timeouts.
  if (role_ == Role::kLeader && !raft::is_voter(conf_history_.front().second, id_)) {
    int32_t successor = kNone;
    uint64_t best_match = 0;
    for (int32_t voter : conf_state().voters()) {
      auto it = prs_.find(voter);
      if (it != prs_.end() && it->second.match >= best_match) {
        successor = voter;
        best_match = it->second.match;
      }
    }
    become_follower(term_, kNone);
    if (successor != kNone) send_timeout_now(successor);
  }
}

void Raft::apply_config() {
  const pb::ConfState& cs = conf_state();
  std::set<int32_t> members(cs.voters().begin(), cs.voters().end());
  members.insert(cs.learners().begin(), cs.learners().end());
  for (auto it = prs_.begin(); it != prs_.end();) {
    it = members.count(it->first) ? std::next(it) : prs_.erase(it);
  }
  const uint64_t last = log_.last_index();
  auto upsert = [&](int32_t id, bool learner) {
    auto [it, inserted] = prs_.try_emplace(id, last + 1, cfg_.max_inflight_appends, learner);
    it->second.learner = learner;
    if (inserted && id == id_) it->second.match = last;
  };
  for (int32_t id : cs.voters()) upsert(id, false);
  for (int32_t id : cs.learners()) upsert(id, true);
  if (lead_transferee_ != kNone && !is_voter(lead_transferee_)) abort_leader_transfer();
}

bool Raft::is_voter(int32_t id) const { return raft::is_voter(conf_state(), id); }

uint64_t Raft::pending_conf_index() const {
  return conf_history_.size() > 1 ? conf_history_.back().first : 0;
}

}  // namespace eddy::raft
