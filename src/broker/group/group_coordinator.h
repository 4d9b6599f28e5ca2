#pragma once
// GroupCoordinator: Kafka's classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup),
// committed offsets and group administration for the groups whose __consumer_offsets partitions
// this broker leads.
//
// Ownership and movement: a group lives on partition_for_group(id) of __consumer_offsets. The
// broker calls load_partition(p) when it becomes that partition's leader and unload_partition(p)
// when it stops being leader; requests for groups on partitions it does not own are answered
// NOT_COORDINATOR, and COORDINATOR_LOAD_IN_PROGRESS while a partition is being read back. Every
// state change that must survive a restart (a generation's assignment, a commit, a deletion) is
// appended to the partition through CoordinatorLog, and the client is answered only once the
// append is durable. A partition's appends carry the load epoch they were issued under, so the
// completion of an append that outlived an unload changes nothing.
//
// Time: all deadlines use clock.monotonic_ms(); commit and state timestamps use clock.wall_ms().
// Nothing here sleeps or starts threads: the broker calls tick() periodically (every ~100 ms, and
// at the next deadline tick() reports) to expire sessions, end rebalances and expire offsets, and
// tests drive a ManualClock.
//
// Threading: every public method may be called from any thread. One mutex guards all state;
// callbacks and log appends run after it is released (see group_types.h), so a callback may call
// back into the coordinator.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "broker/group/classic_group.h"
#include "broker/group/coordinator_log.h"
#include "broker/group/group_types.h"
#include "common/clock.h"
#include "metrics/group_metrics.h"

namespace eddy::group {

// Kafka's broker settings for groups and the offsets topic, with Kafka's defaults.
struct GroupConfig {
  int32_t min_session_timeout_ms = 6'000;      // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1'800'000;  // group.max.session.timeout.ms
  int32_t initial_rebalance_delay_ms = 3'000;  // group.initial.rebalance.delay.ms
  int32_t max_size = 2'147'483'647;            // group.max.size
  // protocol_metadata_bytes() of one member and of a whole group: a JoinGroup past either is
  // refused (INVALID_REQUEST, GROUP_MAX_SIZE_REACHED), a restored record past either skipped.
  int32_t member_metadata_max_bytes = 1 << 20;            // group.member.metadata.max.bytes
  int32_t metadata_max_bytes = 16 << 20;                  // group.metadata.max.bytes
  int32_t offsets_topic_num_partitions = 50;              // offsets.topic.num.partitions
  int64_t offsets_retention_ms = 7LL * 24 * 3'600'000;    // offsets.retention.minutes
  int64_t offsets_retention_check_interval_ms = 600'000;  // offsets.retention.check.interval.ms
  int32_t offset_metadata_max_bytes = 4'096;              // offset.metadata.max.bytes
};

class GroupCoordinator {
 public:
  // `log` and `clock` must outlive the coordinator, and the coordinator must outlive every append
  // it issued (the broker stops the log's flusher before destroying it).
  GroupCoordinator(GroupConfig config, CoordinatorLog& log, const Clock& clock);
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  const GroupConfig& config() const { return config_; }
  int32_t partition_for(std::string_view group_id) const;

  // What a load read back (for the broker's log and the benchmarks).
  struct LoadStats {
    int64_t records = 0;
    int64_t groups = 0;
    int64_t offsets = 0;
    // Records that were not restored (undecodable, inconsistent, placed on the wrong partition),
    // with the reasons of the first kMaxSkippedReasons.
    int64_t skipped = 0;
    std::vector<std::string> skipped_reasons;
  };
  static constexpr size_t kMaxSkippedReasons = 10;
  // Announces that this node now leads `partition`: until load_partition finishes, its groups
  // answer COORDINATOR_LOAD_IN_PROGRESS (clients retry that) rather than NOT_COORDINATOR (which
  // librdkafka's committed() does not). Does nothing for a partition already loading or loaded.
  void begin_loading(int32_t partition);
  // Takes over a __consumer_offsets partition: reads it back, then serves its groups.
  Status load_partition(int32_t partition, LoadStats* stats = nullptr);
  // Gives a partition up: its groups are dropped and their waiting requests answered
  // NOT_COORDINATOR.
  void unload_partition(int32_t partition);
  bool is_loaded(int32_t partition) const;

  void join_group(JoinGroupParams params, JoinCallback done);
  void sync_group(SyncGroupParams params, SyncCallback done);
  ErrorCode heartbeat(const HeartbeatParams& params);
  LeaveGroupResult leave_group(const std::string& group_id,
                               const std::vector<LeaveMember>& members);

  void commit_offsets(OffsetCommitParams params, OffsetCommitCallback done);
  // `partitions` nullopt: every committed offset of the group.
  OffsetFetchResult fetch_offsets(const std::string& group_id,
                                  const std::optional<std::vector<TopicPartition>>& partitions);
  void delete_offsets(const std::string& group_id, const std::vector<TopicPartition>& partitions,
                      OffsetDeleteCallback done);

  // `states` empty: every group. The error is COORDINATOR_LOAD_IN_PROGRESS while any owned
  // partition is loading (with the groups known so far).
  std::pair<ErrorCode, std::vector<ListedGroup>> list_groups(
      const std::vector<std::string>& states) const;
  DescribedGroup describe_group(const std::string& group_id) const;
  void delete_groups(const std::vector<std::string>& group_ids, DeleteGroupsCallback done);

  // Expires sessions, ends rebalances whose time is up, and expires offsets. Idempotent.
  // Returns the earliest deadline still ahead (monotonic ms): the caller ticks again then at the
  // latest, so that a session expires at its deadline as Kafka's timers expire it, not up to a
  // polling period late. A deadline set by a later request is at least a session or rebalance
  // delay away; the caller's polling period bounds the rest.
  int64_t tick();

  // For tests and metrics.
  std::optional<GroupState> group_state(const std::string& group_id) const;
  std::optional<int32_t> group_generation(const std::string& group_id) const;
  size_t group_count() const;
  // protocol_metadata_bytes() held by every member of every group (GroupService gives memory back
  // to the system when it falls).
  size_t metadata_bytes() const;
  // JoinGroups refused over group.member.metadata.max.bytes or group.metadata.max.bytes since the
  // last call, and the last one's group and bytes, for a rate-limited log line.
  struct RefusedJoins {
    int64_t count = 0;
    std::string last_group;
    size_t last_bytes = 0;
  };
  RefusedJoins take_refused_joins();
  // ClassicGroup::check_invariants of every group, the first violation named by its group.
  Status check_invariants() const;

  // What an operation does once the lock is released (coordinator_effects.h); internal.
  class Effects;

 private:
  using AppendDone = std::function<void(ErrorCode error, Effects& fx)>;
  struct PartitionStatus {
    bool loading = true;
    uint64_t epoch = 0;  // bumped on every load and unload; fences late append completions
  };

  // Answers why a group id cannot be served here, or kNone.
  ErrorCode check_owner(std::string_view group_id) const;
  ClassicGroup* find_group(std::string_view group_id);
  const ClassicGroup* find_group(std::string_view group_id) const;
  ClassicGroup& get_or_create_group(const std::string& group_id);
  void remove_group(const std::string& group_id);
  std::string new_member_id(std::string_view client_id);

  // Membership requests (group_coordinator.cc).
  void new_member_join(ClassicGroup& g, JoinGroupParams& p, JoinCallback& done, Effects& fx);
  void static_member_rejoin(ClassicGroup& g, JoinGroupParams& p, const std::string& old_id,
                            JoinCallback& done, Effects& fx);
  void current_member_join(ClassicGroup& g, JoinGroupParams& p, JoinCallback& done, Effects& fx);
  void add_member_and_rebalance(ClassicGroup& g, JoinGroupParams& p, std::string member_id,
                                JoinCallback done, Effects& fx);
  void update_member_and_rebalance(ClassicGroup& g, MemberState& m, JoinGroupParams& p,
                                   metrics::RebalanceTrigger trigger, JoinCallback done,
                                   Effects& fx);
  void store_group(ClassicGroup& g, AppendDone then, Effects& fx);
  void store_group_record(ClassicGroup& g, const GroupMetadataValue& value, AppendDone then,
                          Effects& fx);
  void finish_append(int32_t partition, uint64_t epoch, const Status& s, const AppendDone& then);
  uint64_t epoch_of(int32_t partition) const;

  // The rebalance and the timers that drive it (group_rebalance.cc).
  // Why a rebalance starts, for eddy_group_rebalances_total (metrics/group_metrics.h) and the
  // "Preparing to rebalance" log line.
  struct RebalanceCause {
    metrics::RebalanceTrigger trigger;
    std::string_view member_id;      // the member whose join, leave or expiry triggered it
    std::string_view client_reason;  // the request's KIP-800 reason; "" if none
  };
  void prepare_rebalance(ClassicGroup& g, RebalanceCause cause, Effects& fx);
  void maybe_prepare_rebalance(ClassicGroup& g, RebalanceCause cause, Effects& fx);
  void maybe_complete_join(ClassicGroup& g, Effects& fx);
  void complete_join(ClassicGroup& g, Effects& fx);
  void remove_member_and_update_group(ClassicGroup& g, const std::string& member_id,
                                      ErrorCode answer, RebalanceCause cause, Effects& fx);
  void remove_pending_member_and_update_group(ClassicGroup& g, const std::string& member_id,
                                              Effects& fx);
  void propagate_assignment(ClassicGroup& g, ErrorCode error, Effects& fx);
  void reset_and_propagate_assignment_error(ClassicGroup& g, ErrorCode error, Effects& fx);
  JoinGroupResult current_generation_answer(const ClassicGroup& g, const MemberState& m,
                                            bool with_members) const;
  void answer_all_waiting(ClassicGroup& g, ErrorCode error, Effects& fx);
  void schedule_session(MemberState& m) const;
  void tick_group(ClassicGroup& g, int64_t now_ms, Effects& fx);
  static int64_t next_deadline(const ClassicGroup& g);

  // Offsets and administration (group_offsets.cc).
  void expire_offsets(Effects& fx);
  ErrorCode validate_commit(ClassicGroup* g, const OffsetCommitParams& p) const;
  // Applies one record read back from `partition`; a record that cannot be trusted changes
  // nothing and is refused with the reason.
  Status replay_record(int32_t partition, const CoordinatorRecord& record,
                       std::map<std::string, std::unique_ptr<ClassicGroup>>& groups);
  // The join's metadata against group.member.metadata.max.bytes and group.metadata.max.bytes.
  ErrorCode check_metadata_limits(const ClassicGroup* g, const JoinGroupParams& p);
  GroupLimits limits() const;
  static ErrorCode append_error(const Status& s);

  GroupConfig config_;
  CoordinatorLog& log_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::map<int32_t, PartitionStatus> partitions_;
  std::map<std::string, std::unique_ptr<ClassicGroup>> groups_;
  // Groups with members, pending members or a rebalance in flight: the ones tick() must visit.
  std::set<std::string> active_groups_;
  RefusedJoins refused_joins_;
  uint64_t next_epoch_ = 1;
  uint64_t member_id_seq_ = 0;
  uint64_t member_id_salt_;
  int64_t next_offset_expiry_ms_;
};

}  // namespace eddy::group
