// StreamTask: one sub-topology instantiated for one partition. It owns the processors and state
// stores of that partition, keeps stream time, fires punctuators, and hands every record a sink or
// a changelog produces to its RecordCollector. Both TopologyTestDriver and KafkaStreams drive it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eddy/streams/processor.h"
#include "log/file.h"
#include "streams/topology_def.h"

namespace eddy::streams::internal {

// Where output goes: the test driver's in-memory topics, or a Kafka producer.
class RecordCollector {
 public:
  virtual ~RecordCollector() = default;
  // `partition` unset: the key's murmur2 partition (Kafka's default partitioner).
  virtual void send(const std::string& topic, std::optional<int32_t> partition,
                    const std::optional<std::string>& key, const std::optional<std::string>& value,
                    int64_t timestamp_ms) = 0;
  virtual int32_t num_partitions(const std::string& topic) = 0;
};

struct TaskEnv {
  std::string application_id;
  std::string state_dir;  // the task's stores live in <state_dir>/<application_id>/<task id>/
  RecordCollector* collector = nullptr;
  std::function<int64_t()> wall_clock_ms;
  // The instance's global stores, for every processor (null when the topology has none).
  std::function<StateStore*(const std::string&)> global_store;
  // The task of a global sub-topology: its stores live in <state_dir>/<application_id>/global/.
  bool global = false;
};

struct ChangelogInfo {
  std::string store;
  std::string topic;  // resolved
  // The changelog offset the local store is complete up to (excluded), from the task's
  // checkpoint or, for a task that ran as a standby, from what it read: restore goes on from
  // there. Unset: the store is empty, restore from the beginning.
  std::optional<int64_t> checkpointed;
};

// The task's checkpoint file, Kafka Streams' `.checkpoint`: for each persistent, logged store the
// changelog offset its local contents reflect, keyed "<changelog topic>-<partition>". A global
// store's is `.checkpoint-<store>` in the global directory, one entry per partition of its topic.
inline constexpr const char* kTaskCheckpointFile = ".checkpoint";

class StreamTask {
 public:
  StreamTask(TaskId id, const TopologyDef& def, const SubtopologyDef& sub, TaskEnv env);
  ~StreamTask();
  StreamTask(const StreamTask&) = delete;
  StreamTask& operator=(const StreamTask&) = delete;

  TaskId id() const { return id_; }
  // The resolved source topics this task reads.
  const std::vector<std::string>& source_topics() const { return source_topics_; }
  std::vector<ChangelogInfo> changelogs() const;
  StateStore* store(const std::string& name);
  // The next changelog offset of `store` (after a restore, or a delivered changelog record);
  // offsets only move forward. A global task's store counts each partition of its topic.
  void set_changelog_offset(const std::string& store, int64_t next);
  void set_changelog_offset(const std::string& store, int32_t partition, int64_t next);
  // The offset `store`'s checkpoint says its local contents reflect for `partition`, if kept.
  std::optional<int64_t> checkpointed_offset(const std::string& store, int32_t partition) const;
  // Empties `store` and forgets its checkpointed offset (a checkpoint the changelog does not
  // have: restore from the beginning). Only before init_processors().
  void reset_store(const std::string& store);
  // Writes the checkpoint file with the offsets of the persistent stores, if they moved since
  // the last write. Call once the stores are flushed and every changelog record is acknowledged
  // (a commit, a clean close). Throws std::runtime_error when the file cannot be written.
  // kContent by default: after a crash the file holds these offsets or the previous ones, and the
  // previous ones are still true of the stores (they only move forward). `force` writes even
  // when nothing moved (the file lists entries that must go).
  void write_checkpoint(log::Durability durability = log::Durability::kContent, bool force = false);

  // Creates the processors and calls their init(); call after restoring the stores.
  void init_processors();
  // Processes one input record of a source topic (resolved name).
  void process(const std::string& topic, int32_t partition, int64_t offset,
               std::optional<std::string_view> key, std::optional<std::string_view> value,
               int64_t timestamp_ms);
  // Fires the wall-clock punctuators that are due at `now_ms`.
  void punctuate_wall_clock(int64_t now_ms);
  void flush();
  void close();
  int64_t stream_time_ms() const { return stream_time_ms_; }
  // Whether a processor asked for a commit; cleared by the call.
  bool take_commit_request();
  uint64_t dropped_records() const { return dropped_records_; }

 private:
  struct Node;
  struct Schedule;
  class Context;
  void dispatch(Node* node, const Record& r);
  void punctuate(PunctuationType type, int64_t now_ms);
  void fire(Schedule& s, int64_t now);
  void open_store(const std::string& name, bool keep_existing);
  // The topic whose offsets a store's checkpoint entries count: its changelog, or for a global
  // store its source topic.
  std::string offset_topic(const std::string& store) const;
  bool checkpointable(const std::string& store) const;
  void load_checkpoint(const SubtopologyDef& sub);

  TaskId id_;
  const TopologyDef& def_;
  TaskEnv env_;
  std::vector<std::string> source_topics_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::map<std::string, Node*> source_by_topic_;
  std::string task_dir_;
  std::string checkpoint_file_;  // in task_dir_
  std::map<std::string, std::unique_ptr<StateStore>> stores_;
  // Persistent, logged (or global) stores: per (store, partition) the offset of the changelog (or
  // global topic) partition the local contents reflect.
  std::map<std::pair<std::string, int32_t>, int64_t> offsets_;
  std::map<std::pair<std::string, int32_t>, int64_t> checkpointed_;  // as the file says now
  // Logged stores that are not checkpointed (in memory): the offset their contents reflect now.
  std::map<std::pair<std::string, int32_t>, int64_t> live_offsets_;
  std::vector<std::shared_ptr<Schedule>> schedules_;
  std::unique_ptr<Context> context_;
  int64_t stream_time_ms_ = -1;
  uint64_t dropped_records_ = 0;
  bool commit_requested_ = false;
};

}  // namespace eddy::streams::internal
