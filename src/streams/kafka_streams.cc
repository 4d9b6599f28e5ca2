#include "eddy/streams/kafka_streams.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "common/clock.h"
#include "streams/stream_thread.h"

namespace eddy::streams {

using internal::StreamTask;

namespace {

using Tp = std::pair<std::string, int32_t>;

}  // namespace

// The instance: its stream threads, what they share, the global stores (restored at start,
// updated by thread 0 between records: Kafka runs a GlobalStreamThread) and the instance state,
// which aggregates the threads' (ERROR when one failed, REBALANCING while one rebalances).
struct KafkaStreams::Impl {
  Topology topology;
  StreamsConfig config;
  std::vector<internal::SubtopologyDef> subs;
  internal::ThreadShared shared;
  std::unique_ptr<internal::StateDirectory> state_directory;
  // Internal topics, partition counts and the global tasks' (never used) collector.
  internal::ProducerCollector admin;
  std::vector<std::unique_ptr<internal::StreamThread>> threads;

  // Global stores: one task over every partition of their topics, fed by a consumer that only
  // assigns.
  std::vector<const internal::SubtopologyDef*> global_subs;
  std::vector<std::unique_ptr<StreamTask>> global_tasks;
  std::map<std::string, StreamTask*> global_by_topic;
  std::map<std::string, std::string> store_of_topic;  // global topic -> its store
  std::unique_ptr<RdKafka::KafkaConsumer> global_consumer;

  mutable std::mutex state_mu;
  State state = State::kCreated;
  std::vector<State> thread_states;
  std::string error;
  StateListener state_listener;
  RestoreListener restore_listener;

  void set_state(State s) {
    State old;
    {
      std::lock_guard g(state_mu);
      old = state;
      state = s;
    }
    if (state_listener && old != s) state_listener(s, old);
  }

  // A thread's state moved: the instance is ERROR once one failed, REBALANCING while one
  // rebalances, RUNNING when all run. A failed thread stops the others (Kafka Streams'
  // SHUTDOWN_CLIENT): they would go on processing while the failed one, still a group member
  // holding its task locks, kept its partitions stalled until max.poll.interval.ms.
  void thread_state(int index, State s, const std::string& why) {
    State next, old;
    {
      std::lock_guard g(state_mu);
      if (state == State::kError || state == State::kPendingShutdown ||
          state == State::kNotRunning) {
        if (s != State::kError || state == State::kError) return;
      }
      thread_states[size_t(index)] = s;
      if (s == State::kError && error.empty()) error = why;
      if (s == State::kError) shared.stop = true;
      next = State::kRunning;
      for (State t : thread_states) {
        if (t == State::kError) next = State::kError;
        if (t == State::kRebalancing && next != State::kError) next = State::kRebalancing;
      }
      old = state;
      if (old == next) return;
      state = next;
    }
    if (state_listener) state_listener(next, old);
  }

  void create_internal_topics() {
    const auto& def = topology.def();
    int32_t max_source = 1;
    for (const auto& t : shared.source_topics) {
      bool internal = false;
      for (const auto& r : def.repartition_topics)
        internal |= def.resolve(config.application_id, r) == t;
      if (!internal) max_source = std::max(max_source, admin.num_partitions(t));
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
        partitions = std::max(
            partitions, def.repartition_topics.count(t) ? max_source : admin.num_partitions(rt));
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
    rd_kafka_t* rk = admin.producer()->c_ptr();
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
    for (const auto& s : specs) admin.set_num_partitions(s.name, s.partitions);
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
    internal::TaskEnv env{config.application_id,
                          config.state_dir,
                          &admin,
                          [] { return SystemClock::instance().wall_ms(); },
                          nullptr,
                          true};
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
      for (int32_t p = 0; p < admin.num_partitions(topic); ++p) {
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
    while (behind() && !shared.stop) {
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
    // The stream threads' processors read the stores: taken only once a record is there to
    // apply, so that a turn with none (most turns) does not block them.
    std::unique_lock g(shared.global_mu, std::defer_lock);
    for (int i = 0; i < 1000; ++i) {
      std::unique_ptr<RdKafka::Message> m(global_consumer->consume(0));
      if (m->err() == RdKafka::ERR_NO_ERROR && !g.owns_lock()) g.lock();
      if (!process_global(*m)) return;
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
  if (config.num_stream_threads < 1) throw std::invalid_argument("num.stream.threads must be >= 1");
  if (config.state_cleanup_delay_ms < 0)
    throw std::invalid_argument("state.cleanup.delay.ms must be >= 0");
  Impl& d = *impl_;
  d.topology = topology;
  d.config = std::move(config);
  d.subs = d.topology.def().subtopologies();
  bool persistent = false;
  for (const auto& [name, spec] : d.topology.def().stores) persistent |= spec.persistent;
  // Throws when another instance holds the directory, as Kafka's StateDirectory does.
  d.state_directory = std::make_unique<internal::StateDirectory>(
      d.config.state_dir, d.config.application_id, persistent);
  internal::ThreadShared& sh = d.shared;
  for (const auto& sub : d.subs) {
    if (sub.global) {
      d.global_subs.push_back(&sub);
      continue;
    }
    for (const auto& s : sub.stores) {
      if (!d.topology.def().stores.at(s).logging) continue;
      sh.changelog_owner[internal::TopologyDef::changelog_topic(d.config.application_id, s)] = {
          sub.id, s};
      sh.stateful_subs.insert(sub.id);
    }
    for (const auto& t : sub.source_topics) {
      std::string r = d.topology.def().resolve(d.config.application_id, t);
      sh.sub_of_topic[r] = sub.id;
      sh.source_topics.push_back(r);
    }
  }
  sh.topology = &d.topology;
  sh.config = &d.config;
  sh.subs = &d.subs;
  sh.state_directory = d.state_directory.get();
  sh.process_id = d.state_directory->process_id();
  sh.has_global = !d.global_subs.empty();
  sh.global_store = [&d](const std::string& s) { return d.global_store(s); };
  sh.poll_global = [&d] { d.poll_global(); };
  sh.commit_global = [&d] {
    for (auto& t : d.global_tasks) {
      t->flush();
      t->write_checkpoint();
    }
  };
  sh.on_restore = [&d](const std::string& store, int32_t p, int64_t n, int64_t ms) {
    if (d.restore_listener) d.restore_listener(store, p, n, ms);
  };
  sh.on_state = [&d](int i, State s, const std::string& why) { d.thread_state(i, s, why); };
  sh.running = [&d] { return d.current_state() == State::kRunning; };
}

KafkaStreams::~KafkaStreams() { close(); }

void KafkaStreams::setStateListener(StateListener l) { impl_->state_listener = std::move(l); }
void KafkaStreams::setRestoreListener(RestoreListener l) { impl_->restore_listener = std::move(l); }

void KafkaStreams::start() {
  Impl& d = *impl_;
  if (d.current_state() != State::kCreated) throw std::logic_error("start: already started");
  std::string err;
  auto pc = internal::producer_conf(d.config);
  d.admin.set_producer(
      std::unique_ptr<RdKafka::Producer>(RdKafka::Producer::create(pc.get(), err)));
  if (!d.admin.producer()) throw std::runtime_error("producer: " + err);
  d.create_internal_topics();
  if (!d.global_subs.empty()) {
    auto gc = internal::consumer_conf(d.config, d.config.application_id + "-global");
    d.global_consumer.reset(RdKafka::KafkaConsumer::create(gc.get(), err));
    if (!d.global_consumer) throw std::runtime_error("global consumer: " + err);
    d.bootstrap_global();
  }
  for (int i = 0; i < d.config.num_stream_threads; ++i) {
    d.threads.push_back(std::make_unique<internal::StreamThread>(i, d.shared));
    d.thread_states.push_back(State::kRebalancing);
    d.threads.back()->create_clients();
  }
  d.set_state(State::kRebalancing);
  for (auto& t : d.threads) t->start();
}

void KafkaStreams::close() {
  Impl& d = *impl_;
  State s = d.current_state();
  if (s == State::kCreated || s == State::kNotRunning) {
    d.set_state(State::kNotRunning);
    return;
  }
  if (s != State::kError) d.set_state(State::kPendingShutdown);
  d.shared.stop = true;
  for (auto& t : d.threads) t->join();
  for (auto& t : d.threads) t->close();
  if (d.global_consumer) d.global_consumer->close();
  for (auto& t : d.global_tasks) t->close();
  if (d.admin.producer()) d.admin.producer()->flush(10000);
  if (d.current_state() != State::kError) d.set_state(State::kNotRunning);
}

KafkaStreams::State KafkaStreams::state() const { return impl_->current_state(); }

std::string KafkaStreams::lastError() const {
  std::lock_guard g(impl_->state_mu);
  return impl_->error;
}

uint64_t KafkaStreams::processedRecords() const {
  uint64_t n = 0;
  for (const auto& t : impl_->threads) n += t->processed();
  return n;
}

std::vector<ThreadMetadata> KafkaStreams::metadataForLocalThreads() const {
  std::vector<ThreadMetadata> out;
  for (const auto& t : impl_->threads) {
    std::lock_guard g(*t->lock());
    out.push_back({t->name(), t->active_tasks(), t->standby_tasks()});
  }
  return out;
}

std::vector<TaskId> KafkaStreams::activeTasks() const {
  std::vector<TaskId> out;
  for (const auto& m : metadataForLocalThreads()) {
    out.insert(out.end(), m.active_tasks.begin(), m.active_tasks.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<TaskId> KafkaStreams::standbyTasks() const {
  std::vector<TaskId> out;
  for (const auto& m : metadataForLocalThreads()) {
    out.insert(out.end(), m.standby_tasks.begin(), m.standby_tasks.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void KafkaStreams::cleanUp() {
  State s = impl_->current_state();
  if (s != State::kCreated && s != State::kNotRunning && s != State::kError) {
    throw std::logic_error("Cannot clean up while running.");
  }
  impl_->state_directory->clean();
}

std::vector<const StateStore*> KafkaStreams::localStores(const StoreQueryParameters& q) {
  std::vector<const StateStore*> out;
  auto wanted = [&q](const TaskId& id) { return !q.partition || id.partition == *q.partition; };
  // The caller (a view's read) holds every thread's lock.
  for (const auto& t : impl_->threads) {
    for (const auto& id : t->active_tasks()) {
      if (!wanted(id)) continue;
      if (auto* s = t->store(id, q.storeName)) out.push_back(s);
    }
    // A standby never runs on the instance of its active task, so no key is read twice.
    if (!q.staleStores) continue;
    for (const auto& id : t->standby_tasks()) {
      if (!wanted(id)) continue;
      if (auto* s = t->standby_store(id, q.storeName)) out.push_back(s);
    }
  }
  if (!q.partition) {
    if (auto* s = impl_->global_store(q.storeName)) out.push_back(s);
  }
  return out;
}

std::vector<std::shared_ptr<std::mutex>> KafkaStreams::locks() {
  std::vector<std::shared_ptr<std::mutex>> out;
  for (const auto& t : impl_->threads) out.push_back(t->lock());
  return out;
}

}  // namespace eddy::streams
