#pragma once
// Raft: the consensus state machine behind RawNode (internal to the core). Implements leader
// election with randomized timeouts, pre-vote and check-quorum, leadership transfer, log
// replication with flow control and term-skipping back-off, ReadIndex, chunked snapshots and
// single-server membership changes. Every output is queued (messages, read states) or visible
// through the log's unstable part; RawNode turns them into Ready batches.
//
// Split across files by responsibility: raft.cc (terms, elections, message dispatch, follower
// side), raft_leader.cc (replication, commit, heartbeats, reads, transfer, snapshot sending),
// raft_membership.cc (configuration tracking).

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "raft/core/config.h"
#include "raft/core/progress.h"
#include "raft/core/raft_log.h"
#include "raft/core/random.h"
#include "raft/core/read_only.h"
#include "raft/core/ready.h"

namespace eddy::raft {

inline constexpr int32_t kNone = -1;
// Vote context marking an election started by TimeoutNow: voters skip the leader-lease check.
inline constexpr char kTransferContext[] = "transfer";

class Raft {
 public:
  static Result<std::unique_ptr<Raft>> create(const Config& config);

  void tick();
  Status step(const pb::Message& m);
  Status propose(std::string data);
  Status propose_conf_change(const pb::ConfChange& cc);
  Status campaign();
  Status transfer_leadership(int32_t to);
  Status read_index(std::string context);

  int32_t id() const { return id_; }
  Role role() const { return role_; }
  int32_t leader() const { return lead_; }
  uint64_t term() const { return term_; }
  int32_t vote() const { return vote_; }
  int32_t lead_transferee() const { return lead_transferee_; }
  const pb::ConfState& conf_state() const { return conf_history_.back().second; }
  const std::map<int32_t, Progress>& progress() const { return prs_; }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  SoftState soft_state() const { return {NodeId(lead_), role_}; }
  pb::HardState hard_state() const;

  std::vector<pb::Message>& messages() { return msgs_; }
  std::vector<ReadState>& read_states() { return read_states_; }

 private:
  Raft(const Config& config, RaftLog log);

  // raft.cc
  void send(pb::Message m);
  void reset(uint64_t term);
  void reset_randomized_election_timeout();
  void become_follower(uint64_t term, int32_t lead);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void hup(bool transfer);
  void run_election(bool pre_vote, bool transfer);
  // Counts a vote; returns +1 won, -1 lost, 0 pending.
  int tally(int32_t from, bool granted);
  bool promotable() const;
  bool in_lease() const;
  void handle_vote_request(const pb::Message& m);
  Status step_follower(const pb::Message& m);
  Status step_candidate(const pb::Message& m);
  void handle_append(const pb::Message& m);
  void handle_heartbeat(const pb::Message& m);
  void handle_snapshot_chunk(const pb::Message& m);
  bool restore(const pb::Snapshot& snap);
  void tick_election();
  void tick_heartbeat();

  // raft_leader.cc
  Status step_leader(const pb::Message& m);
  void handle_append_response(const pb::Message& m, Progress& pr);
  void handle_heartbeat_response(const pb::Message& m, Progress& pr);
  void handle_snapshot_response(const pb::Message& m, Progress& pr);
  bool append_entries(std::vector<pb::Entry> ents);
  bool maybe_commit();
  void send_append(int32_t to) { maybe_send_append(to, true); }
  bool maybe_send_append(int32_t to, bool send_if_empty);
  void send_snapshot_chunk(int32_t to, Progress& pr);
  void bcast_append();
  void bcast_heartbeat(const std::string* context);
  void send_heartbeat(int32_t to, const std::string& context);
  void send_timeout_now(int32_t to);
  void abort_leader_transfer() { lead_transferee_ = kNone; }
  bool committed_entry_in_current_term() const;
  bool quorum_active();
  void handle_read_index(int32_t from, std::string context);
  void answer_read(int32_t from, uint64_t index, std::string context);
  void release_pending_reads();

  // raft_membership.cc
  // Rebuilds the configuration history from the stored log at start-up.
  Status load_config(const pb::ConfState& base);
  // Entries were written to the log at ents[0].index(): drop configurations from the replaced
  // suffix and apply the conf changes among `ents`.
  void on_entries_appended(const std::vector<pb::Entry>& ents);
  void on_snapshot_restored(const pb::SnapshotMetadata& md);
  void on_commit_advanced();
  void apply_config();
  bool is_voter(int32_t id) const;
  size_t quorum() const { return conf_state().voters_size() / 2 + 1; }
  uint64_t pending_conf_index() const;

  const Config cfg_;
  const int32_t id_;
  uint64_t term_ = 0;
  int32_t vote_ = kNone;
  RaftLog log_;
  Role role_ = Role::kFollower;
  int32_t lead_ = kNone;
  int32_t lead_transferee_ = kNone;
  std::map<int32_t, Progress> prs_;
  std::map<int32_t, bool> votes_;
  // (index, configuration in force from that index); front() is committed.
  std::vector<std::pair<uint64_t, pb::ConfState>> conf_history_;
  std::vector<pb::Message> msgs_;
  std::vector<ReadState> read_states_;
  ReadOnly read_only_;
  // Reads that arrived before this leader committed an entry of its term.
  std::vector<std::pair<int32_t, std::string>> pending_reads_;
  // Payload bytes of this leader's uncommitted proposals, and (last index, bytes) per append
  // batch so committing releases them without re-reading the log.
  uint64_t uncommitted_bytes_ = 0;
  std::deque<std::pair<uint64_t, uint64_t>> uncommitted_batches_;
  // Index of the first entry of this leader's term (its no-op).
  uint64_t term_start_index_ = 0;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  Random rng_;
  // A snapshot being received in chunks.
  struct Incoming {
    int32_t from = kNone;
    pb::SnapshotMetadata metadata;
    uint64_t total_bytes = 0;
    std::string data;
  };
  std::optional<Incoming> incoming_snapshot_;
};

}  // namespace eddy::raft
