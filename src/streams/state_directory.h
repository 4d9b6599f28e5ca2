// StateDirectory: Kafka Streams' StateDirectory. It owns <state_dir>/<application_id>/ for one
// instance and decides who may open a task's stores:
// - the instance lock: the file `.lock` in the application directory, held (flock) for the
//   instance's lifetime, so two instances never share a state directory (a second one is refused
//   when it is created, as Kafka's "Unable to initialize state" is); the kernel drops it when the
//   process dies, so kill -9 leaves nothing to clean by hand;
// - task locks: a task directory is used by one owner (a stream thread of this instance, for an
//   active or a standby task) at a time; the others are refused until it is unlocked;
// - the cleaner (Kafka's cleanRemovedTasks): task directories no one has owned for
//   state.cleanup.delay.ms are deleted;
// - the process id (Kafka's initializeProcessId): with persistent stores it is kept in the file
//   `kafka-streams-process-metadata` ({"processId":"<uuid>"}), so that a restarted instance is the
//   same process to the group (its client ids, where standby tasks are placed).
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "eddy/streams/processor.h"

namespace eddy::streams::internal {

inline constexpr const char* kStateDirLockFile = ".lock";
inline constexpr const char* kProcessFile = "kafka-streams-process-metadata";

class StateDirectory {
 public:
  // `persistent`: the topology has persistent stores. Without them, as in Kafka, the instance
  // writes nothing under state_dir and takes no instance lock (task locks still apply). Throws
  // std::runtime_error when another instance holds the lock or the directory cannot be created.
  StateDirectory(std::string state_dir, std::string application_id, bool persistent);
  ~StateDirectory();
  StateDirectory(const StateDirectory&) = delete;
  StateDirectory& operator=(const StateDirectory&) = delete;

  const std::string& app_dir() const { return app_dir_; }
  // This instance's process id, a UUID: the one kProcessFile holds, else a new one, written there
  // (durably) when the topology has persistent stores. Throws std::runtime_error when it cannot
  // be written.
  std::string process_id();
  std::string task_dir(const TaskId& id) const;
  // Kafka's lock(TaskId): true when `owner` holds the task's lock now (it had it, or took it);
  // false when another owner holds it.
  bool lock(const TaskId& id, const std::string& owner);
  // Releases `owner`'s lock and marks the task directory as modified now, so the cleanup delay
  // counts from when the task was given up. Another owner's lock is left alone.
  void unlock(const TaskId& id, const std::string& owner);
  std::optional<std::string> owner(const TaskId& id) const;
  // Kafka's cleanRemovedTasks: deletes each task directory (named "<sub-topology>_<partition>")
  // that no one has locked and that was last modified more than `cleanup_delay_ms` before
  // `now_ms` (wall-clock milliseconds). Returns the tasks whose directories were deleted.
  std::vector<TaskId> clean_removed_tasks(int64_t cleanup_delay_ms, int64_t now_ms);
  // KafkaStreams::cleanUp: deletes every task directory and the global stores' directory. Throws
  // std::logic_error while a task is locked.
  void clean();

  // "<sub-topology>_<partition>" as a task id; nullopt for any other name.
  static std::optional<TaskId> parse_task_dir(const std::string& name);

 private:
  std::string app_dir_;
  int lock_fd_ = -1;
  mutable std::mutex mu_;
  std::map<TaskId, std::string> owners_;
};

}  // namespace eddy::streams::internal
