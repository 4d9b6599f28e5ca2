// StreamThread: one of an instance's num_stream_threads (Kafka's StreamThread). Each thread is a
// member of the consumer group "<application_id>" with its own consumer, producer, restore
// consumer and standby consumer, and runs the tasks of the partitions assigned to it, with its own
// lock (held while it processes; interactive queries take it to read its tasks' stores). What
// the threads share (the topology, the state directory, the global stores) is the instance's
// (ThreadShared).
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "eddy/streams/kafka_streams.h"
#include "streams/standby.h"
#include "streams/state_directory.h"
#include "streams/stream_task.h"

namespace eddy::streams::internal {

// Sends through a librdkafka producer and caches topics' partition counts.
class ProducerCollector : public RecordCollector {
 public:
  RdKafka::Producer* producer() const { return producer_.get(); }
  void set_producer(std::unique_ptr<RdKafka::Producer> p) { producer_ = std::move(p); }
  void send(const std::string& topic, std::optional<int32_t> partition,
            const std::optional<std::string>& key, const std::optional<std::string>& value,
            int64_t timestamp_ms) override;
  int32_t num_partitions(const std::string& topic) override;
  void set_num_partitions(const std::string& topic, int32_t n) { partition_counts_[topic] = n; }

 private:
  std::unique_ptr<RdKafka::Producer> producer_;
  std::map<std::string, int32_t> partition_counts_;
};

// Sets a librdkafka property; throws std::invalid_argument when it is refused.
void set_conf(RdKafka::Conf* conf, const std::string& k, const std::string& v);
// A consumer config of group `group` (no auto commit, earliest) over the instance's brokers.
std::unique_ptr<RdKafka::Conf> consumer_conf(const StreamsConfig& config, const std::string& group);
// The producer config every producer of the instance uses (acks=all, Java's partitioner).
std::unique_ptr<RdKafka::Conf> producer_conf(const StreamsConfig& config);

// What the instance shares with its threads; read-only once the threads run, except through
// the functions and locks named here.
struct ThreadShared {
  const Topology* topology = nullptr;
  const StreamsConfig* config = nullptr;
  const std::vector<SubtopologyDef>* subs = nullptr;
  std::map<std::string, int> sub_of_topic;  // resolved source topic -> sub-topology
  std::vector<std::string> source_topics;   // resolved
  // Changelog topic (resolved) -> the sub-topology and store it logs.
  std::map<std::string, std::pair<int, std::string>> changelog_owner;
  std::set<int> stateful_subs;  // sub-topologies with a logged store: they get standbys
  StateDirectory* state_directory = nullptr;
  std::string process_id;  // this instance among the group's members (in their client.id)
  // Global stores: written by thread 0 under `global_mu` exclusively, read by processors under
  // it shared.
  std::function<StateStore*(const std::string&)> global_store;
  std::function<void()> poll_global;  // thread 0, between records
  bool has_global = false;
  std::shared_mutex global_mu;
  std::function<void(const std::string& store, int32_t partition, int64_t records,
                     int64_t duration_ms)>
      on_restore;
  // A thread's state moved (kRebalancing, kRunning) or it failed (kError, with the reason).
  std::function<void(int thread, KafkaStreams::State s, const std::string& error)> on_state;
  std::function<bool()> running;        // the instance is RUNNING (the cleaner runs only then)
  std::function<void()> commit_global;  // thread 0, after its commit: the global checkpoints
  std::atomic<bool> stop{false};

  // Tasks a thread was assigned but could not lock yet: the thread holding one (a standby)
  // lets it go.
  void want_task(TaskId id) {
    std::lock_guard g(wanted_mu);
    wanted.insert(id);
  }
  void unwant_task(TaskId id) {
    std::lock_guard g(wanted_mu);
    wanted.erase(id);
  }
  bool is_wanted(TaskId id) {
    std::lock_guard g(wanted_mu);
    return wanted.count(id) > 0;
  }

 private:
  std::mutex wanted_mu;
  std::set<TaskId> wanted;
};

class StreamThread : public ProducerCollector,
                     public RdKafka::RebalanceCb,
                     public RdKafka::DeliveryReportCb {
 public:
  StreamThread(int index, ThreadShared& shared);
  ~StreamThread() override;
  // Creates the clients and subscribes; then start() runs the thread.
  void create_clients();
  void start();
  void join();
  // Closes the consumers and the tasks (after join()).
  void close();

  std::string name() const { return name_; }
  std::shared_ptr<std::mutex> lock() const { return lock_; }
  uint64_t processed() const { return processed_; }
  // Under lock().
  std::vector<TaskId> active_tasks() const;
  std::vector<TaskId> standby_tasks() const;
  StateStore* store(const TaskId& id, const std::string& name);
  // Standby task `id`'s copy of store `name`, nullptr without one.
  StateStore* standby_store(const TaskId& id, const std::string& name);

  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;
  void dr_cb(RdKafka::Message& m) override;

 private:
  void run();
  void commit();
  void restore(StreamTask& task);
  std::unique_ptr<StreamTask> make_task(TaskId id);
  // Creates the tasks of assigned partitions whose directory another thread still holds, once
  // it has let go (their partitions are paused meanwhile).
  void create_pending_tasks();
  void update_standbys(const std::vector<GroupMember>& members);
  std::optional<std::vector<GroupMember>> group_if_due(int64_t now);
  void maintain_standbys(const std::optional<std::vector<GroupMember>>& members);
  void process(RdKafka::Message& m);

  int index_;
  std::string name_;
  ThreadShared& shared_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::unique_ptr<RdKafka::KafkaConsumer> restorer_;
  std::unique_ptr<RdKafka::KafkaConsumer> standby_consumer_;
  std::unique_ptr<StandbyTasks> standbys_;
  std::map<TaskId, std::unique_ptr<StreamTask>> tasks_;
  // Assigned partitions whose task is not created yet, and those of them paused.
  std::map<TaskId, std::vector<std::pair<std::string, int32_t>>> pending_;
  std::set<TaskId> paused_;
  std::map<std::pair<std::string, int32_t>, int64_t> consumed_;  // next offset to commit
  int64_t standby_due_ms_ = 0;
  bool rebalancing_ = true;
  std::string delivery_error_;  // first failed delivery (poll/flush run on this thread)
  std::shared_ptr<std::mutex> lock_ = std::make_shared<std::mutex>();
  std::atomic<uint64_t> processed_{0};
  std::thread thread_;
};

}  // namespace eddy::streams::internal
