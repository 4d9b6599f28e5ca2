#pragma once
// A synchronous in-process cluster of RawNodes over MemoryStorage for unit and transcript tests:
// each node's Ready is handled exactly as the contract says (persist, then send, then apply), and
// messages wait in a mailbox until delivered, so tests choose every interleaving.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "raft/core/memory_storage.h"
#include "raft/core/raw_node.h"

namespace eddy::raft::testing {

struct TestNode {
  Config config;
  std::unique_ptr<MemoryStorage> storage;
  std::unique_ptr<RawNode> node;
  std::vector<pb::Entry> applied;  // every committed entry applied, in order
  std::vector<ReadState> read_states;
  pb::ConfState applied_conf;
  uint64_t snapshot_index = 0;
};

struct NodeOptions {
  bool pre_vote = true;
  bool check_quorum = true;
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  uint64_t max_append_bytes = 1 << 20;
  int max_inflight_appends = 64;
  uint64_t max_snapshot_chunk_bytes = 1 << 20;
};

class TestCluster {
 public:
  // Adds node `id` whose log is bootstrapped with `initial` (empty: a node that will join).
  void add_node(int32_t id, const pb::ConfState& initial, const NodeOptions& options = {});
  // Re-creates node `id` from its storage, as after a crash with everything fsynced.
  void restart(int32_t id);

  RawNode& node(int32_t id) { return *nodes_.at(id).node; }
  TestNode& test_node(int32_t id) { return nodes_.at(id); }
  std::vector<int32_t> ids() const;

  // Handles node `id`'s pending Ready (if any); returns whether there was one. Describes what
  // happened into `log` when non-null.
  bool process_ready(int32_t id, std::vector<std::string>* log);
  // Delivers every queued message (dropping those on cut links); returns how many were queued.
  size_t deliver(std::vector<std::string>* log);
  // Repeats process_ready + deliver until nothing is left (bounded).
  void stabilize(std::vector<std::string>* log = nullptr);
  // Takes every queued message out of the mailbox.
  std::vector<pb::Message> take_messages();
  void tick(int32_t id, int n = 1);

  void cut(int32_t from, int32_t to) { cut_.insert({from, to}); }
  void isolate(int32_t id);
  void heal() { cut_.clear(); }

  // The application snapshots node `id` at its applied index and compacts the log there.
  Status snapshot_and_compact(int32_t id, const std::string& data);

 private:
  std::map<int32_t, TestNode> nodes_;
  std::vector<pb::Message> mailbox_;
  std::set<std::pair<int32_t, int32_t>> cut_;
};

std::string describe(const pb::Message& m);
std::string describe(const pb::Entry& e);
std::string describe(const pb::ConfState& cs);

}  // namespace eddy::raft::testing
