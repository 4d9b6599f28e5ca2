#include "eddy/streams/kafka_streams.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <thread>

#include "streams/standby.h"
#include "streams/state_directory.h"
#include "streams/stream_task.h"

namespace eddy::streams {

using internal::StreamTask;

namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void set(RdKafka::Conf* conf, const std::string& k, const std::string& v) {
  std::string err;
  if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
    throw std::invalid_argument("librdkafka config " + k + "=" + v + ": " + err);
  }
}

using Tp = std::pair<std::string, int32_t>;

// The owner of every task lock this instance takes (one stream thread).
const std::string kStreamThread = "StreamThread-1";
// How often an instance re-reads the group's assignment for its standby tasks besides after its
// own rebalances (another member's assignment may change without one here), and how soon it
// tries again while the group is rebalancing.
constexpr int64_t kStandbyRefreshMs = 5000;
constexpr int64_t kStandbyRetryMs = 500;

}  // namespace

struct KafkaStreams::Impl : internal::RecordCollector,
                            RdKafka::RebalanceCb,
                            RdKafka::DeliveryReportCb {
  Topology topology;
  StreamsConfig config;
  std::vector<internal::SubtopologyDef> subs;
  std::map<std::string, int> sub_of_topic;  // resolved source topic -> sub-topology
  std::vector<std::string> source_topics;   // resolved

  std::unique_ptr<RdKafka::KafkaConsumer> consumer;
  std::unique_ptr<RdKafka::KafkaConsumer> restorer;
  // Global stores: one task over every partition of their topics, fed by a consumer that only
  // assigns (Kafka's GlobalStreamThread, run here on the stream thread between records).
  std::vector<const internal::SubtopologyDef*> global_subs;
  std::vector<std::unique_ptr<StreamTask>> global_tasks;
  std::map<std::string, StreamTask*> global_by_topic;
  std::map<std::string, std::string> store_of_topic;  // global topic -> its store
  std::unique_ptr<RdKafka::KafkaConsumer> global_consumer;
  std::unique_ptr<RdKafka::Producer> producer;
  std::map<TaskId, std::unique_ptr<StreamTask>> tasks;
  std::unique_ptr<internal::StateDirectory> state_directory;
  // Standby tasks (num_standby_replicas > 0) and the consumer that reads their changelogs.
  std::unique_ptr<RdKafka::KafkaConsumer> standby_consumer;
  std::unique_ptr<internal::StandbyTasks> standbys;
  std::set<int> stateful_subs;     // sub-topologies with a logged store: they get standbys
  int64_t standby_due_ms = 0;      // when to read the group's assignment again
  std::map<Tp, int64_t> consumed;  // next offset to commit per assigned partition
  std::map<std::string, int32_t> partition_counts;
  // Changelog topic (resolved) -> the sub-topology and store it logs.
  std::map<std::string, std::pair<int, std::string>> changelog_owner;
  std::shared_ptr<std::mutex> lock = std::make_shared<std::mutex>();

  std::thread thread;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> processed{0};
  mutable std::mutex state_mu;
  State state = State::kCreated;
  std::string error;
  StateListener state_listener;
  RestoreListener restore_listener;
  std::string delivery_error;  // first failed delivery; set on the stream thread (poll/flush)

  void set_state(State s) {
    State old;
    {
      std::lock_guard g(state_mu);
      old = state;
      state = s;
    }
    if (state_listener && old != s) state_listener(s, old);
  }

  // RecordCollector.
  void send(const std::string& topic, std::optional<int32_t> partition,
            const std::optional<std::string>& key, const std::optional<std::string>& value,
            int64_t timestamp_ms) override {
    for (;;) {
      auto err = producer->produce(topic, partition ? *partition : RdKafka::Topic::PARTITION_UA,
                                   RdKafka::Producer::RK_MSG_COPY,
                                   value ? const_cast<char*>(value->data()) : nullptr,
                                   value ? value->size() : 0, key ? key->data() : nullptr,
                                   key ? key->size() : 0, timestamp_ms, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) return;
      if (err != RdKafka::ERR__QUEUE_FULL) {
        throw std::runtime_error("produce to " + topic + ": " + RdKafka::err2str(err));
      }
      producer->poll(10);  // the queue drains as the broker acknowledges
    }
  }
  int32_t num_partitions(const std::string& topic) override {
    auto it = partition_counts.find(topic);
    if (it != partition_counts.end()) return it->second;
    int32_t n = fetch_partition_count(topic);
    partition_counts[topic] = n;
    return n;
  }
  int32_t fetch_partition_count(const std::string& topic) {
    std::string err;
    std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(producer.get(), topic, nullptr, err));
    for (int attempt = 0; attempt < 50; ++attempt) {
      RdKafka::Metadata* md = nullptr;
      if (producer->metadata(false, t.get(), &md, 5000) == RdKafka::ERR_NO_ERROR) {
        std::unique_ptr<RdKafka::Metadata> hold(md);
        for (const auto* tm : *md->topics()) {
          if (tm->topic() == topic && tm->err() == RdKafka::ERR_NO_ERROR &&
              !tm->partitions()->empty()) {
            return int32_t(tm->partitions()->size());
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("topic " + topic + " has no metadata");
  }

  void dr_cb(RdKafka::Message& m) override {
    if (m.err() != RdKafka::ERR_NO_ERROR) {
      if (delivery_error.empty()) delivery_error = m.topic_name() + ": " + m.errstr();
      return;
    }
    // An acknowledged changelog record: its store's checkpoint may now cover it.
    auto owner = changelog_owner.find(m.topic_name());
    if (owner == changelog_owner.end()) return;
    auto task = tasks.find(TaskId{owner->second.first, m.partition()});
    if (task != tasks.end())
      task->second->set_changelog_offset(owner->second.second, m.offset() + 1);
  }

  void create_internal_topics() {
    const auto& def = topology.def();
    int32_t max_source = 1;
    for (const auto& t : source_topics) {
      bool internal = false;
      for (const auto& r : def.repartition_topics)
        internal |= def.resolve(config.application_id, r) == t;
      if (!internal) max_source = std::max(max_source, num_partitions(t));
    }
    struct Spec {
      std::string name;
      int32_t partitions;
      std::vector<std::pair<std::string, std::string>> configs;
    };
    std::vector<Spec> specs;
    for (const auto& r : def.repartition_topics) {
      specs.push_back({def.resolve(config.application_id, r),
                       max_source,
                       {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}}});
    }
    for (const auto& sub : subs) {
      if (sub.global) continue;  // its topic is its changelog
      int32_t partitions = 1;
      for (const auto& t : sub.source_topics) {
        std::string rt = def.resolve(config.application_id, t);
        partitions =
            std::max(partitions, def.repartition_topics.count(t) ? max_source : num_partitions(rt));
      }
      for (const auto& s : sub.stores) {
        const StoreSpec& spec = def.stores.at(s);
        if (!spec.logging) continue;
        Spec c{internal::TopologyDef::changelog_topic(config.application_id, s), partitions, {}};
        if (spec.kind == StoreKind::kKeyValue) {
          c.configs = {{"cleanup.policy", "compact"}};
        } else {
          // Windows expire: the changelog keeps them a day past the store's retention (Kafka's
          // windowstore.changelog.additional.retention.ms).
          c.configs = {{"cleanup.policy", "compact,delete"},
                       {"retention.ms", std::to_string(spec.retention_ms + 86400000)}};
        }
        specs.push_back(std::move(c));
      }
    }
    if (specs.empty()) return;
    rd_kafka_t* rk = producer->c_ptr();
    std::vector<rd_kafka_NewTopic_t*> topics;
    char err[512];
    for (const auto& s : specs) {
      rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(s.name.c_str(), s.partitions,
                                                      config.replication_factor, err, sizeof err);
      if (!nt) throw std::runtime_error("topic " + s.name + ": " + err);
      for (const auto& [k, v] : s.configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
      topics.push_back(nt);
    }
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, topics.data(), topics.size(), nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
    std::string failure;
    if (!ev) {
      failure = "CreateTopics timed out";
    } else if (rd_kafka_event_error(ev)) {
      failure = rd_kafka_event_error_string(ev);
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** res =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      for (size_t i = 0; i < n; ++i) {
        auto e = rd_kafka_topic_result_error(res[i]);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          failure += std::string(rd_kafka_topic_result_name(res[i])) + ": " +
                     (rd_kafka_topic_result_error_string(res[i]) ?: rd_kafka_err2str(e)) + "; ";
        }
      }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    for (auto* nt : topics) rd_kafka_NewTopic_destroy(nt);
    if (!failure.empty()) throw std::runtime_error("creating internal topics: " + failure);
    for (const auto& s : specs) partition_counts[s.name] = s.partitions;
  }

  // At-least-once: stores flushed and every produced record acknowledged before the offsets of
  // the records that caused them are committed. (exactly_once_v2 would commit the offsets inside
  // the producer's transaction here instead.)
  void commit() {
    if (tasks.empty() && consumed.empty() && global_tasks.empty() &&
        (!standbys || standbys->ids().empty())) {
      return;
    }
    for (auto& [id, t] : tasks) t->flush();
    while (producer->outq_len() > 0) {
      if (producer->flush(1000) == RdKafka::ERR_NO_ERROR) break;
      if (stop && producer->outq_len() > 0 && !delivery_error.empty()) break;
    }
    if (!delivery_error.empty()) throw std::runtime_error("produce failed: " + delivery_error);
    std::vector<RdKafka::TopicPartition*> offsets;
    for (const auto& [tp, off] : consumed) {
      offsets.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, off));
    }
    if (!offsets.empty()) {
      auto err = consumer->commitSync(offsets);
      RdKafka::TopicPartition::destroy(offsets);
      if (err != RdKafka::ERR_NO_ERROR) {
        throw std::runtime_error("offset commit failed: " + RdKafka::err2str(err));
      }
    }
    // Kafka's postCommit: the stores are flushed and their changelog records acknowledged, so
    // the offsets those records reached are what the local stores reflect. Global stores reflect
    // the global records applied so far.
    for (auto& [id, t] : tasks) t->write_checkpoint();
    if (standbys) standbys->commit();
    for (auto& t : global_tasks) {
      t->flush();
      t->write_checkpoint();
    }
  }

  // Replays each changelog partition into its store, from the task's checkpointed offset (a
  // store kept from an earlier run) or from the beginning, to the end offset it has now.
  void restore(StreamTask& task) {
    for (const auto& cl : task.changelogs()) {
      auto started = std::chrono::steady_clock::now();
      int64_t high = 0;
      int32_t p = task.id().partition;
      int64_t start = internal::changelog_start_offset(*restorer, task, cl, high);
      int64_t restored = 0;
      int64_t next = start;
      if (high > start) {
        std::vector<RdKafka::TopicPartition*> tps{
            RdKafka::TopicPartition::create(cl.topic, p, start)};
        restorer->assign(tps);
        RdKafka::TopicPartition::destroy(tps);
        StateStore* store = task.store(cl.store);
        while (next < high && !stop) {
          std::unique_ptr<RdKafka::Message> m(restorer->consume(500));
          if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF)
            continue;
          if (m->err() != RdKafka::ERR_NO_ERROR) {
            throw std::runtime_error("restoring " + cl.topic + ": " + m->errstr());
          }
          std::optional<std::string_view> v;
          if (m->payload()) v = std::string_view(static_cast<const char*>(m->payload()), m->len());
          std::string_view k = m->key() ? std::string_view(*m->key()) : std::string_view();
          store->restore(k, v);
          next = m->offset() + 1;
          ++restored;
        }
        restorer->unassign();
      }
      task.set_changelog_offset(cl.store, next);
      if (restore_listener) {
        restore_listener(cl.store, p, restored,
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count());
      }
    }
  }

  // A task of this instance, active or standby, on its locked task directory.
  std::unique_ptr<StreamTask> make_task(TaskId id) {
    if (!state_directory->lock(id, kStreamThread)) {
      throw std::runtime_error("task directory of " + id.to_string() + " is locked by " +
                               state_directory->owner(id).value_or("?"));
    }
    internal::TaskEnv env{config.application_id,
                          config.state_dir,
                          this,
                          wall_ms,
                          [this](const std::string& s) { return global_store(s); },
                          false};
    return std::make_unique<StreamTask>(id, topology.def(), subs[size_t(id.subtopology)], env);
  }

  // This instance's part of the standby assignment that every member computes alike from the
  // group's stable assignment: each stateful task's standbys on other members than its active
  // one. Tasks active here are never standbys here.
  void update_standbys(const std::vector<internal::GroupMember>& members) {
    std::map<TaskId, std::string> active;
    std::set<std::string> clients;
    for (const auto& m : members) {
      clients.insert(m.member_id);
      for (const auto& [topic, p] : m.partitions) {
        auto sub = sub_of_topic.find(topic);
        if (sub != sub_of_topic.end() && stateful_subs.count(sub->second))
          active.emplace(TaskId{sub->second, p}, m.member_id);
      }
    }
    auto all = internal::assign_standby_tasks(active, clients, config.num_standby_replicas);
    std::set<TaskId> mine = all[consumer->memberid()];
    for (const auto& [id, t] : tasks) mine.erase(id);
    standbys->update(
        mine, [this](TaskId id) { return make_task(id); },
        [this](TaskId id) { state_directory->unlock(id, kStreamThread); });
  }

  // Between records: the standbys' changelog records, and the group's assignment when due.
  void maintain_standbys(int64_t now) {
    if (!standbys) return;
    standbys->poll(1000);
    if (now < standby_due_ms) return;
    auto members = internal::describe_stable_group(producer->c_ptr(), config.application_id, 5000);
    if (members) update_standbys(*members);
    standby_due_ms = now + (members ? kStandbyRefreshMs : kStandbyRetryMs);
  }

  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    std::lock_guard g(*lock);
    set_state(State::kRebalancing);
    standby_due_ms = 0;  // the standbys follow the new assignment
    bool cooperative = c->rebalance_protocol() == "COOPERATIVE";
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      // Changelog records still in flight (of tasks just lost) land before a restore reads to
      // the end offset, or the restored store would miss them.
      producer->flush(10000);
      if (cooperative) {
        delete c->incremental_assign(partitions);
      } else {
        c->assign(partitions);
      }
      for (auto* tp : partitions) {
        TaskId id{sub_of_topic.at(tp->topic()), tp->partition()};
        consumed.erase({tp->topic(), tp->partition()});
        if (tasks.count(id)) continue;
        // A standby of the task becomes the active one: its stores are as far as it read, and
        // the restore reads only the rest.
        std::unique_ptr<StreamTask> task = standbys ? standbys->take(id) : nullptr;
        if (!task) task = make_task(id);
        restore(*task);
        task->init_processors();
        tasks[id] = std::move(task);
      }
    } else {
      // Given up partitions: commit what was processed (unless they were lost to another member
      // already), then close their tasks.
      if (!c->assignment_lost()) commit();
      for (auto* tp : partitions) {
        consumed.erase({tp->topic(), tp->partition()});
        TaskId id{sub_of_topic.at(tp->topic()), tp->partition()};
        auto it = tasks.find(id);
        if (it != tasks.end()) {
          it->second->close();
          tasks.erase(it);
          state_directory->unlock(id, kStreamThread);
        }
      }
      if (cooperative) {
        delete c->incremental_unassign(partitions);
      } else {
        c->unassign();
      }
    }
  }

  StateStore* global_store(const std::string& name) {
    for (auto& t : global_tasks) {
      if (auto* s = t->store(name)) return s;
    }
    return nullptr;
  }

  // Kafka's GlobalStateManager restore: every partition of the global topics read to the end
  // offset it has now, through the store's updater, before any task runs: from the store's
  // checkpointed offset when a persistent store was kept, from the beginning otherwise.
  void bootstrap_global() {
    internal::TaskEnv env{config.application_id, config.state_dir, this, wall_ms, nullptr, true};
    for (const auto* sub : global_subs) {
      auto task = std::make_unique<StreamTask>(TaskId{sub->id, 0}, topology.def(), *sub, env);
      task->init_processors();
      for (const auto& t : task->source_topics()) {
        global_by_topic[t] = task.get();
        store_of_topic[t] = sub->stores.at(0);  // subtopologies(): one store per global one
      }
      global_tasks.push_back(std::move(task));
    }
    std::map<Tp, int64_t> low, end, next, restored;
    for (const auto& [topic, task] : global_by_topic) {
      const std::string& store = store_of_topic.at(topic);
      bool in_range = true;
      for (int32_t p = 0; p < num_partitions(topic); ++p) {
        auto err = global_consumer->query_watermark_offsets(topic, p, &low[{topic, p}],
                                                            &end[{topic, p}], 10000);
        if (err != RdKafka::ERR_NO_ERROR) {
          throw std::runtime_error("global topic " + topic + " offsets: " + RdKafka::err2str(err));
        }
        auto c = task->checkpointed_offset(store, p);
        next[{topic, p}] = c.value_or(low[{topic, p}]);
        in_range &= !c || (*c >= low[{topic, p}] && *c <= end[{topic, p}]);
        restored[{topic, p}] = 0;
      }
      if (in_range) continue;
      // A checkpoint the topic does not have (recreated, or past retention): start over.
      task->reset_store(store);
      for (auto& [tp, n] : next) {
        if (tp.first == topic) n = low[tp];
      }
    }
    std::vector<RdKafka::TopicPartition*> tps;
    for (const auto& [tp, n] : next) {
      tps.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, n));
    }
    auto started = std::chrono::steady_clock::now();
    global_consumer->assign(tps);
    RdKafka::TopicPartition::destroy(tps);
    auto behind = [&] {
      for (const auto& [tp, e] : end) {
        if (next[tp] < e) return true;
      }
      return false;
    };
    while (behind() && !stop) {
      std::unique_ptr<RdKafka::Message> m(global_consumer->consume(500));
      if (process_global(*m)) {
        next[{m->topic_name(), m->partition()}] = m->offset() + 1;
        ++restored[{m->topic_name(), m->partition()}];
      }
    }
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();
    for (const auto& [tp, n] : next) {
      global_by_topic.at(tp.first)->set_changelog_offset(store_of_topic.at(tp.first), tp.second, n);
    }
    if (restore_listener) {
      for (const auto& [tp, n] : restored) {
        restore_listener(store_of_topic.at(tp.first), tp.second, n, ms);
      }
    }
  }

  // Applies one message of the global consumer; false when it carried no record.
  bool process_global(RdKafka::Message& m) {
    if (m.err() == RdKafka::ERR__TIMED_OUT || m.err() == RdKafka::ERR__PARTITION_EOF) return false;
    if (m.err() != RdKafka::ERR_NO_ERROR) throw std::runtime_error("global: " + m.errstr());
    std::optional<std::string_view> k, v;
    if (m.key()) k = *m.key();
    if (m.payload()) v = std::string_view(static_cast<const char*>(m.payload()), m.len());
    StreamTask* task = global_by_topic.at(m.topic_name());
    task->process(m.topic_name(), m.partition(), m.offset(), k, v, m.timestamp().timestamp);
    // The global store now reflects the topic partition up to this record.
    task->set_changelog_offset(store_of_topic.at(m.topic_name()), m.partition(), m.offset() + 1);
    return true;
  }

  // The global topics' new records, a bounded batch per turn of the stream thread.
  void poll_global() {
    if (global_tasks.empty()) return;
    for (int i = 0; i < 1000; ++i) {
      std::unique_ptr<RdKafka::Message> m(global_consumer->consume(0));
      if (!process_global(*m)) return;
    }
  }

  void run() {
    int64_t last_commit = wall_ms();
    int64_t last_cleanup = last_commit;
    try {
      while (!stop) {
        std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
        {
          std::lock_guard g(*lock);
          if (m->err() == RdKafka::ERR_NO_ERROR) {
            TaskId id{sub_of_topic.at(m->topic_name()), m->partition()};
            auto it = tasks.find(id);
            if (it != tasks.end()) {
              std::optional<std::string_view> k, v;
              if (m->key()) k = *m->key();
              if (m->payload())
                v = std::string_view(static_cast<const char*>(m->payload()), m->len());
              it->second->process(m->topic_name(), m->partition(), m->offset(), k, v,
                                  m->timestamp().timestamp);
              consumed[{m->topic_name(), m->partition()}] = m->offset() + 1;
              ++processed;
            }
          } else if (m->err() != RdKafka::ERR__TIMED_OUT &&
                     m->err() != RdKafka::ERR__PARTITION_EOF) {
            throw std::runtime_error("consume: " + m->errstr());
          }
          poll_global();
          producer->poll(0);
          int64_t now = wall_ms();
          maintain_standbys(now);
          bool requested = false;
          for (auto& [id, t] : tasks) {
            t->punctuate_wall_clock(now);
            requested |= t->take_commit_request();
          }
          if (requested || now - last_commit >= config.commit_interval_ms) {
            commit();
            last_commit = now;
          }
          if (current_state() == State::kRebalancing && consumer->assignment_lost() == false) {
            set_state(State::kRunning);
          }
          // Kafka's state directory cleaner: every state.cleanup.delay.ms, while running.
          if (now - last_cleanup >= config.state_cleanup_delay_ms) {
            if (current_state() == State::kRunning) {
              state_directory->clean_removed_tasks(config.state_cleanup_delay_ms, now);
            }
            last_cleanup = now;
          }
        }
      }
      std::lock_guard g(*lock);
      commit();
    } catch (const std::exception& e) {
      {
        std::lock_guard g(state_mu);
        error = e.what();
      }
      set_state(State::kError);
    }
  }

  State current_state() const {
    std::lock_guard g(state_mu);
    return state;
  }
};

KafkaStreams::KafkaStreams(const Topology& topology, StreamsConfig config)
    : impl_(std::make_unique<Impl>()) {
  if (config.application_id.empty()) throw std::invalid_argument("application.id is required");
  if (config.bootstrap_servers.empty())
    throw std::invalid_argument("bootstrap.servers is required");
  if (config.processing_guarantee != "at_least_once") {
    throw std::invalid_argument("processing.guarantee " + config.processing_guarantee +
                                " is not supported: exactly_once_v2 needs broker transactions");
  }
  if (config.num_standby_replicas < 0)
    throw std::invalid_argument("num.standby.replicas must be >= 0");
  if (config.state_cleanup_delay_ms < 0)
    throw std::invalid_argument("state.cleanup.delay.ms must be >= 0");
  impl_->topology = topology;
  impl_->config = std::move(config);
  impl_->subs = impl_->topology.def().subtopologies();
  bool persistent = false;
  for (const auto& [name, spec] : impl_->topology.def().stores) persistent |= spec.persistent;
  // Throws when another instance holds the directory, as Kafka's StateDirectory does.
  impl_->state_directory = std::make_unique<internal::StateDirectory>(
      impl_->config.state_dir, impl_->config.application_id, persistent);
  for (const auto& sub : impl_->subs) {
    if (sub.global) {
      impl_->global_subs.push_back(&sub);
      continue;
    }
    for (const auto& s : sub.stores) {
      if (!impl_->topology.def().stores.at(s).logging) continue;
      impl_->changelog_owner[internal::TopologyDef::changelog_topic(impl_->config.application_id,
                                                                    s)] = {sub.id, s};
      impl_->stateful_subs.insert(sub.id);
    }
    for (const auto& t : sub.source_topics) {
      std::string r = impl_->topology.def().resolve(impl_->config.application_id, t);
      impl_->sub_of_topic[r] = sub.id;
      impl_->source_topics.push_back(r);
    }
  }
}

KafkaStreams::~KafkaStreams() { close(); }

void KafkaStreams::setStateListener(StateListener l) { impl_->state_listener = std::move(l); }
void KafkaStreams::setRestoreListener(RestoreListener l) { impl_->restore_listener = std::move(l); }

void KafkaStreams::start() {
  Impl& d = *impl_;
  if (d.current_state() != State::kCreated) throw std::logic_error("start: already started");
  std::string err;
  std::unique_ptr<RdKafka::Conf> pc(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  set(pc.get(), "bootstrap.servers", d.config.bootstrap_servers);
  set(pc.get(), "acks", "all");
  set(pc.get(), "enable.idempotence", "false");
  set(pc.get(), "linger.ms", "5");
  // Java's default partitioner, so Kafka Streams and Eddy Streams agree on repartitioning.
  set(pc.get(), "partitioner", "murmur2_random");
  for (const auto& [k, v] : d.config.producer) set(pc.get(), k, v);
  if (pc->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(&d), err) !=
      RdKafka::Conf::CONF_OK) {
    throw std::runtime_error(err);
  }
  d.producer.reset(RdKafka::Producer::create(pc.get(), err));
  if (!d.producer) throw std::runtime_error("producer: " + err);

  auto consumer_conf = [&](const std::string& group) {
    std::unique_ptr<RdKafka::Conf> cc(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    set(cc.get(), "bootstrap.servers", d.config.bootstrap_servers);
    set(cc.get(), "group.id", group);
    set(cc.get(), "enable.auto.commit", "false");
    set(cc.get(), "auto.offset.reset", "earliest");
    return cc;
  };
  auto cc = consumer_conf(d.config.application_id);
  // A task reading several topics (a join) needs partition p of each on the same instance.
  // librdkafka takes no custom assignor (Kafka Streams has its own), but its range assignor gives
  // every member the same partition numbers of equally partitioned topics; it is eager, so such
  // topologies rebalance stop-the-world. Single-topic tasks rebalance cooperatively.
  bool copartitioned = false;
  for (const auto& sub : d.subs) copartitioned |= sub.source_topics.size() > 1;
  set(cc.get(), "partition.assignment.strategy", copartitioned ? "range" : "cooperative-sticky");
  for (const auto& [k, v] : d.config.consumer) set(cc.get(), k, v);
  if (cc->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(&d), err) !=
      RdKafka::Conf::CONF_OK) {
    throw std::runtime_error(err);
  }
  // The restore consumer only assigns partitions; it never joins the group or commits.
  auto rc = consumer_conf(d.config.application_id + "-restore");
  d.restorer.reset(RdKafka::KafkaConsumer::create(rc.get(), err));
  if (!d.restorer) throw std::runtime_error("restore consumer: " + err);

  if (d.config.num_standby_replicas > 0 && !d.stateful_subs.empty()) {
    auto sc = consumer_conf(d.config.application_id + "-standby");
    d.standby_consumer.reset(RdKafka::KafkaConsumer::create(sc.get(), err));
    if (!d.standby_consumer) throw std::runtime_error("standby consumer: " + err);
    d.standbys = std::make_unique<internal::StandbyTasks>(d.standby_consumer.get());
  }
  d.create_internal_topics();
  if (!d.global_subs.empty()) {
    auto gc = consumer_conf(d.config.application_id + "-global");
    d.global_consumer.reset(RdKafka::KafkaConsumer::create(gc.get(), err));
    if (!d.global_consumer) throw std::runtime_error("global consumer: " + err);
    d.bootstrap_global();
  }
  d.consumer.reset(RdKafka::KafkaConsumer::create(cc.get(), err));
  if (!d.consumer) throw std::runtime_error("consumer: " + err);
  auto serr = d.consumer->subscribe(d.source_topics);
  if (serr != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("subscribe: " + RdKafka::err2str(serr));
  d.set_state(State::kRebalancing);
  d.thread = std::thread([&d] { d.run(); });
}

void KafkaStreams::close() {
  Impl& d = *impl_;
  State s = d.current_state();
  if (s == State::kCreated || s == State::kNotRunning) {
    d.set_state(State::kNotRunning);
    return;
  }
  if (s != State::kError) d.set_state(State::kPendingShutdown);
  d.stop = true;
  if (d.thread.joinable()) d.thread.join();
  if (d.consumer) d.consumer->close();
  {
    std::lock_guard g(*d.lock);
    for (auto& [id, t] : d.tasks) t->close();
    for (auto& [id, t] : d.tasks) {
      t.reset();
      d.state_directory->unlock(id, kStreamThread);
    }
    d.tasks.clear();
    if (d.standbys) {
      d.standbys->close([&d](TaskId id) { d.state_directory->unlock(id, kStreamThread); });
    }
  }
  if (d.standby_consumer) d.standby_consumer->close();
  if (d.restorer) d.restorer->close();
  if (d.global_consumer) d.global_consumer->close();
  for (auto& t : d.global_tasks) t->close();
  if (d.producer) d.producer->flush(10000);
  if (d.current_state() != State::kError) d.set_state(State::kNotRunning);
}

KafkaStreams::State KafkaStreams::state() const { return impl_->current_state(); }

std::string KafkaStreams::lastError() const {
  std::lock_guard g(impl_->state_mu);
  return impl_->error;
}

uint64_t KafkaStreams::processedRecords() const { return impl_->processed; }

std::vector<TaskId> KafkaStreams::activeTasks() const {
  std::lock_guard g(*impl_->lock);
  std::vector<TaskId> out;
  for (const auto& [id, t] : impl_->tasks) out.push_back(id);
  return out;
}

std::vector<TaskId> KafkaStreams::standbyTasks() const {
  std::lock_guard g(*impl_->lock);
  return impl_->standbys ? impl_->standbys->ids() : std::vector<TaskId>{};
}

void KafkaStreams::cleanUp() {
  State s = impl_->current_state();
  if (s != State::kCreated && s != State::kNotRunning && s != State::kError) {
    throw std::logic_error("Cannot clean up while running.");
  }
  impl_->state_directory->clean();
}

std::vector<const StateStore*> KafkaStreams::localStores(const std::string& name) {
  std::lock_guard g(*impl_->lock);
  std::vector<const StateStore*> out;
  for (auto& [id, t] : impl_->tasks) {
    if (auto* s = t->store(name)) out.push_back(s);
  }
  if (auto* s = impl_->global_store(name)) out.push_back(s);
  return out;
}

std::shared_ptr<std::mutex> KafkaStreams::lock() { return impl_->lock; }

}  // namespace eddy::streams
