// KafkaStreams: runs a Topology against a Kafka cluster (Eddy or any other).
//
// The instance owns <state_dir>/<application_id>/ (a lock file refuses a second instance there,
// and each task directory is locked by its owner); task directories not owned for
// state_cleanup_delay_ms are deleted. With num_standby_replicas > 0 it also keeps standby copies
// of other instances' stateful tasks (see src/streams/standby.h), so a task that moves here
// restores little.
//
// num_stream_threads stream threads per instance (src/streams/stream_thread.h). Each joins the
// consumer group "<application.id>" over every source topic, repartition topics included, with
// cooperative rebalancing (cooperative-sticky), or with the range assignor when a sub-topology
// reads several topics (a join), so partition p of each lands on one thread; each assigned
// partition p of a sub-topology's source topics is served by task <sub-topology>_<p>. A new task
// first restores its stores from their changelog topics (reading each from the beginning to its end
// offset, reported to the restore listener), then processes.
//
// At-least-once: every commit interval (and before partitions are given up) the thread flushes the
// stores, waits until the producer has every output and changelog record acknowledged, and only
// then commits the consumed offsets. A crash therefore loses nothing; records processed after the
// last commit are processed again by whichever instance takes the task (counts may then include
// them twice). exactly_once_v2 needs broker transactions; the commit step is the seam for it.
//
// Internal topics are created at start with the admin API: repartition topics (cleanup.policy
// delete, as many partitions as the largest source topic) and changelog topics (cleanup.policy
// compact; compact,delete with retention.ms for window and session stores; as many partitions as
// the sub-topology's source topics).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "eddy/streams/store_views.h"
#include "eddy/streams/topology.h"

namespace eddy::streams {

struct StreamsConfig {
  std::string application_id;
  std::string bootstrap_servers;
  std::string state_dir = "/tmp/eddy-streams";
  int64_t commit_interval_ms = 30000;  // Kafka Streams' at-least-once default
  int32_t replication_factor = -1;     // internal topics; -1: the broker's default
  std::string processing_guarantee = "at_least_once";
  // Standby replicas of each stateful task, kept on other instances (Kafka's
  // num.standby.replicas).
  int32_t num_standby_replicas = 0;
  // Stream threads of this instance, each a member of the group with its own tasks (Kafka's
  // num.stream.threads).
  int32_t num_stream_threads = 1;
  // Task directories this instance has not owned for this long are deleted, checked as often
  // (Kafka's state.cleanup.delay.ms).
  int64_t state_cleanup_delay_ms = 600000;
  // Extra librdkafka properties for the main consumer and the producer.
  std::map<std::string, std::string> consumer;
  std::map<std::string, std::string> producer;
};

// What one stream thread runs (Kafka's ThreadMetadata).
struct ThreadMetadata {
  std::string thread_name;  // "StreamThread-<n>"
  std::vector<TaskId> active_tasks;
  std::vector<TaskId> standby_tasks;
};

// Kafka's StoreQueryParameters: which of this instance's copies of a store an interactive query
// reads. By default the active tasks' (up to date); enableStaleStores() adds the standby tasks'
// copies (num.standby.replicas), which trail their active task by the changelog's lag but answer
// while the active task is elsewhere or restoring; withPartition() narrows to one input partition.
// Global stores are read only when no partition is named.
struct StoreQueryParameters {
  std::string storeName;
  bool staleStores = false;
  std::optional<int32_t> partition;

  static StoreQueryParameters fromName(std::string name) {
    StoreQueryParameters q;
    q.storeName = std::move(name);
    return q;
  }
  StoreQueryParameters& enableStaleStores() {
    staleStores = true;
    return *this;
  }
  StoreQueryParameters& withPartition(int32_t p) {
    partition = p;
    return *this;
  }
};

class KafkaStreams {
 public:
  enum class State { kCreated, kRebalancing, kRunning, kPendingShutdown, kNotRunning, kError };
  using StateListener = std::function<void(State new_state, State old_state)>;
  // Called after each store partition is restored: store, partition, records restored and the
  // time the restore took.
  using RestoreListener = std::function<void(const std::string& store, int32_t partition,
                                             int64_t records, int64_t duration_ms)>;

  // Throws std::invalid_argument for a bad config (no application.id, exactly_once_v2, ...).
  KafkaStreams(const Topology& topology, StreamsConfig config);
  ~KafkaStreams();
  KafkaStreams(const KafkaStreams&) = delete;
  KafkaStreams& operator=(const KafkaStreams&) = delete;

  void setStateListener(StateListener l);
  void setRestoreListener(RestoreListener l);
  // Creates the internal topics and starts the stream thread.
  void start();
  // Commits what was processed and stops; idempotent.
  void close();
  State state() const;
  std::string lastError() const;
  uint64_t processedRecords() const;
  // The tasks this instance runs now ("<sub-topology>_<partition>").
  std::vector<TaskId> activeTasks() const;
  // The standby tasks this instance keeps now.
  std::vector<TaskId> standbyTasks() const;
  // Each stream thread's tasks (Kafka's metadataForLocalThreads).
  std::vector<ThreadMetadata> metadataForLocalThreads() const;
  // Deletes this application's local state (every task directory and the global stores'),
  // Kafka's cleanUp(). Only before start() or after close(): throws std::logic_error otherwise.
  void cleanUp();

  // Interactive query of a key-value store over the tasks this instance runs (found again at each
  // read, so the view follows rebalances; wait for State::kRunning for a complete answer).
  template <class K, class V>
  ReadOnlyKeyValueStore<K, V> store(const std::string& name, const Serde<K>& k = {},
                                    const Serde<V>& v = {}) {
    return store<K, V>(StoreQueryParameters::fromName(name), k, v);
  }
  // The same, over the stores `q` selects: with enableStaleStores() the standby tasks' copies too.
  template <class K, class V>
  ReadOnlyKeyValueStore<K, V> store(const StoreQueryParameters& q, const Serde<K>& k = {},
                                    const Serde<V>& v = {}) {
    return ReadOnlyKeyValueStore<K, V>(
        StoreResolver<KeyValueStore>([this, q] { return localStoresOf<KeyValueStore>(q); }), k, v,
        locks());
  }
  template <class K, class V>
  ReadOnlyWindowStore<K, V> windowStore(const std::string& name, const Serde<K>& k = {},
                                        const Serde<V>& v = {}) {
    return windowStore<K, V>(StoreQueryParameters::fromName(name), k, v);
  }
  template <class K, class V>
  ReadOnlyWindowStore<K, V> windowStore(const StoreQueryParameters& q, const Serde<K>& k = {},
                                        const Serde<V>& v = {}) {
    return ReadOnlyWindowStore<K, V>(
        StoreResolver<WindowStore>([this, q] { return localStoresOf<WindowStore>(q); }), k, v,
        locks());
  }

 private:
  // The stores `q` selects, of type Store. The caller holds every stream thread's lock (a view
  // calls it from each read, under locks()).
  template <class Store>
  std::vector<const Store*> localStoresOf(const StoreQueryParameters& q) {
    std::vector<const Store*> out;
    for (auto* s : localStores(q)) {
      if (auto* typed = dynamic_cast<const Store*>(s)) out.push_back(typed);
    }
    return out;
  }
  std::vector<const StateStore*> localStores(const StoreQueryParameters& q);
  // The stream threads' locks, which a view holds (all, in this order) while it reads.
  std::vector<std::shared_ptr<std::mutex>> locks();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::streams
