#include "sim_node.h"

namespace eddy::raft::sim {

Status SimRaftNode::start(Config cfg) {
  live = std::make_unique<MemoryStorage>(durable);
  cfg.storage = live.get();
  auto node = RawNode::create(cfg);
  if (!node.is_ok()) return node.status();
  raft = std::move(node).value();
  syncing = false;
  pending = Ready{};
  return Status::ok();
}

void SimRaftNode::crash(Random& rng) {
  if (syncing && !pending.snapshot && !pending.entries.empty() && rng.chance(1, 2)) {
    const size_t k = rng.uniform(pending.entries.size() + 1);
    std::vector<pb::Entry> prefix(pending.entries.begin(),
                                  pending.entries.begin() + static_cast<std::ptrdiff_t>(k));
    (void)durable.append(prefix);
  }
  incarnation++;
  raft.reset();
  live.reset();
  syncing = false;
  pending = Ready{};
}

bool SimRaftNode::write_ready(Status& append) {
  if (raft == nullptr || syncing || !raft->has_ready()) return false;
  pending = raft->ready();
  // Written, not yet durable: the process sees its own writes at once.
  if (pending.snapshot) (void)live->apply_snapshot(*pending.snapshot);
  append = live->append(pending.entries);
  if (pending.hard_state) live->set_hard_state(*pending.hard_state);
  syncing = true;
  return true;
}

Ready SimRaftNode::sync() {
  Ready rd = std::move(pending);
  pending = Ready{};
  if (rd.snapshot) (void)durable.apply_snapshot(*rd.snapshot);
  (void)durable.append(rd.entries);
  if (rd.hard_state) durable.set_hard_state(*rd.hard_state);
  return rd;
}

Status SimRaftNode::snapshot(uint64_t index, const pb::ConfState& conf, const std::string& data,
                             uint64_t compact_to) {
  for (MemoryStorage* s : {live.get(), &durable}) {
    if (Status st = s->create_snapshot(RaftIndex(index), conf, data); !st.is_ok()) return st;
  }
  if (compact_to >= live->first_index()->value()) {
    (void)live->compact(RaftIndex(compact_to));
    (void)durable.compact(RaftIndex(compact_to));
  }
  return Status::ok();
}

}  // namespace eddy::raft::sim
