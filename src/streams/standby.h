// Standby replicas (num.standby.replicas): a standby task keeps a local copy of the stores of a
// task another instance runs, by reading their changelog partitions as the active task writes
// them, so that when the task moves here (the active instance died or left) its restore starts
// from where the standby is instead of from the beginning.
//
// librdkafka takes no custom assignor, so standbys are not handed out by the group leader as in
// Kafka's StreamsPartitionAssignor: every instance reads the group's assignment
// (DescribeConsumerGroups) once the group is stable and computes the same standby assignment from
// it with Kafka's rules (assign_standby_tasks), then keeps its own part.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "eddy/streams/processor.h"
#include "streams/stream_task.h"

namespace eddy::streams::internal {

// Kafka's standby rules (DefaultStandbyTaskAssignor): each task of `active` (task -> the client
// running it) gets `replicas` standbys, each on a client of `clients` other than the active one
// and than the task's other standbys, so fewer when there are not enough clients. Tasks are taken
// in order and each standby goes to the eligible client with the fewest tasks so far (active and
// standby), ties to the smallest name. Deterministic: every instance computes the same result.
std::map<std::string, std::set<TaskId>> assign_standby_tasks(
    const std::map<TaskId, std::string>& active, const std::set<std::string>& clients,
    int32_t replicas);

// Where reading changelog `cl` of `task` into its stores starts (an active task's restore, a
// standby's updates): the store's checkpointed (or standby) offset when the changelog still has
// it, else the changelog's start, after wiping the store (Kafka's OffsetOutOfRange on restore: the
// topic was recreated or its retention passed). Sets `high` to the changelog's end offset.
int64_t changelog_start_offset(RdKafka::KafkaConsumer& consumer, StreamTask& task,
                               const ChangelogInfo& cl, int64_t& high);

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::vector<std::pair<std::string, int32_t>> partitions;  // assigned
};
// The members of consumer group `group` and their assignments (DescribeConsumerGroups); nullopt
// when the group is not Stable (a rebalance is under way) or the request failed.
std::optional<std::vector<GroupMember>> describe_stable_group(rd_kafka_t* rk,
                                                              const std::string& group,
                                                              int timeout_ms);

// The standby tasks of a stream thread, updated through an assign-only consumer (Kafka's restore
// consumer, which also updates standbys). A standby's StreamTask has its stores open (kept from
// its checkpoint like an active task's) and no processors; each changelog record read is applied
// with StateStore::restore and moves the store's changelog offset, which its checkpoint records
// at each commit.
class StandbyTasks {
 public:
  // Creates a task's StreamTask (the caller locks its directory first).
  using Factory = std::function<std::unique_ptr<StreamTask>(TaskId)>;
  // Called for a standby dropped, once it is checkpointed and closed (the caller unlocks it).
  using Release = std::function<void(TaskId)>;

  explicit StandbyTasks(RdKafka::KafkaConsumer* consumer) : consumer_(consumer) {}

  // Makes `wanted` the set of standby tasks: new ones are created by `make` and read their
  // changelogs from their checkpointed offsets (from the beginning without one); dropped ones are
  // flushed, checkpointed and released.
  void update(const std::set<TaskId>& wanted, const Factory& make, const Release& release);
  // Applies up to `max_records` changelog records that have arrived; returns how many.
  int poll(int max_records);
  // Flushes every standby's stores and writes its checkpoint (a commit).
  void commit();
  // Hands standby `id` over to become active (its stores stay open and its directory locked);
  // nullptr when there is none.
  std::unique_ptr<StreamTask> take(TaskId id);
  // Standby `id`'s store `name` (a stale store for interactive queries), nullptr without one.
  StateStore* store(TaskId id, const std::string& name) const;
  std::vector<TaskId> ids() const;
  // Drops every standby (checkpointed and released).
  void close(const Release& release);

 private:
  void drop(TaskId id, const Release& release);
  void reassign();

  struct Standby {
    std::unique_ptr<StreamTask> task;
    std::map<std::string, int64_t> next;          // changelog topic -> next offset to read
    std::map<std::string, std::string> store_of;  // changelog topic -> store
  };
  RdKafka::KafkaConsumer* consumer_;
  std::map<TaskId, Standby> standbys_;
  std::map<std::pair<std::string, int32_t>, TaskId> by_partition_;  // changelog partition
};

}  // namespace eddy::streams::internal
