#include "streams/stream_thread.h"

#include <chrono>
#include <stdexcept>

#include "common/clock.h"

namespace eddy::streams::internal {

namespace {

// How often a thread re-reads the group's assignment for its standby tasks besides after its own
// rebalances (another member's assignment may change without one here), and how soon it tries
// again while the group is rebalancing.
constexpr int64_t kStandbyRefreshMs = 5000;
constexpr int64_t kStandbyRetryMs = 500;

// The member's process in its client.id "<application_id>-<process id>-StreamThread-<n>-consumer".
std::string process_of(const std::string& client_id) {
  auto at = client_id.rfind("-StreamThread-");
  return at == std::string::npos ? client_id : client_id.substr(0, at);
}

}  // namespace

void set_conf(RdKafka::Conf* conf, const std::string& k, const std::string& v) {
  std::string err;
  if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
    throw std::invalid_argument("librdkafka config " + k + "=" + v + ": " + err);
  }
}

std::unique_ptr<RdKafka::Conf> consumer_conf(const StreamsConfig& config,
                                             const std::string& group) {
  std::unique_ptr<RdKafka::Conf> cc(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  set_conf(cc.get(), "bootstrap.servers", config.bootstrap_servers);
  set_conf(cc.get(), "group.id", group);
  set_conf(cc.get(), "enable.auto.commit", "false");
  set_conf(cc.get(), "auto.offset.reset", "earliest");
  return cc;
}

std::unique_ptr<RdKafka::Conf> producer_conf(const StreamsConfig& config) {
  std::unique_ptr<RdKafka::Conf> pc(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  set_conf(pc.get(), "bootstrap.servers", config.bootstrap_servers);
  set_conf(pc.get(), "acks", "all");
  set_conf(pc.get(), "enable.idempotence", "false");
  set_conf(pc.get(), "linger.ms", "5");
  // Java's default partitioner, so Kafka Streams and Eddy Streams agree on repartitioning.
  set_conf(pc.get(), "partitioner", "murmur2_random");
  for (const auto& [k, v] : config.producer) set_conf(pc.get(), k, v);
  return pc;
}

void ProducerCollector::send(const std::string& topic, std::optional<int32_t> partition,
                             const std::optional<std::string>& key,
                             const std::optional<std::string>& value, int64_t timestamp_ms) {
  for (;;) {
    auto err = producer_->produce(topic, partition ? *partition : RdKafka::Topic::PARTITION_UA,
                                  RdKafka::Producer::RK_MSG_COPY,
                                  value ? const_cast<char*>(value->data()) : nullptr,
                                  value ? value->size() : 0, key ? key->data() : nullptr,
                                  key ? key->size() : 0, timestamp_ms, nullptr);
    if (err == RdKafka::ERR_NO_ERROR) return;
    if (err != RdKafka::ERR__QUEUE_FULL) {
      throw std::runtime_error("produce to " + topic + ": " + RdKafka::err2str(err));
    }
    producer_->poll(10);  // the queue drains as the broker acknowledges
  }
}

int32_t ProducerCollector::num_partitions(const std::string& topic) {
  auto it = partition_counts_.find(topic);
  if (it != partition_counts_.end()) return it->second;
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(producer_.get(), topic, nullptr, err));
  for (int attempt = 0; attempt < 50; ++attempt) {
    RdKafka::Metadata* md = nullptr;
    if (producer_->metadata(false, t.get(), &md, 5000) == RdKafka::ERR_NO_ERROR) {
      std::unique_ptr<RdKafka::Metadata> hold(md);
      for (const auto* tm : *md->topics()) {
        if (tm->topic() == topic && tm->err() == RdKafka::ERR_NO_ERROR &&
            !tm->partitions()->empty()) {
          return partition_counts_[topic] = int32_t(tm->partitions()->size());
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("topic " + topic + " has no metadata");
}

StreamThread::StreamThread(int index, ThreadShared& shared)
    : index_(index), name_("StreamThread-" + std::to_string(index + 1)), shared_(shared) {}

StreamThread::~StreamThread() {
  if (thread_.joinable()) thread_.join();
}

void StreamThread::create_clients() {
  const StreamsConfig& config = *shared_.config;
  std::string err;
  auto pc = producer_conf(config);
  if (pc->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(this), err) !=
      RdKafka::Conf::CONF_OK) {
    throw std::runtime_error(err);
  }
  set_producer(std::unique_ptr<RdKafka::Producer>(RdKafka::Producer::create(pc.get(), err)));
  if (!producer()) throw std::runtime_error("producer: " + err);

  auto cc = consumer_conf(config, config.application_id);
  // A task reading several topics (a join) needs partition p of each on the same member.
  // librdkafka takes no custom assignor (Kafka Streams has its own), but its range assignor gives
  // every member the same partition numbers of equally partitioned topics; it is eager, so such
  // topologies rebalance stop-the-world. Single-topic tasks rebalance cooperatively.
  bool copartitioned = false;
  for (const auto& sub : *shared_.subs) copartitioned |= sub.source_topics.size() > 1;
  set_conf(cc.get(), "partition.assignment.strategy",
           copartitioned ? "range" : "cooperative-sticky");
  for (const auto& [k, v] : config.consumer) set_conf(cc.get(), k, v);
  // After the user's entries, as Kafka Streams sets it: the standby assignment finds each
  // member's process in its client id (process_of).
  set_conf(cc.get(), "client.id",
           config.application_id + "-" + shared_.process_id + "-" + name_ + "-consumer");
  if (cc->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), err) !=
      RdKafka::Conf::CONF_OK) {
    throw std::runtime_error(err);
  }
  // The restore consumer only assigns partitions; it never joins the group or commits.
  auto rc = consumer_conf(config, config.application_id + "-restore");
  restorer_.reset(RdKafka::KafkaConsumer::create(rc.get(), err));
  if (!restorer_) throw std::runtime_error("restore consumer: " + err);
  if (config.num_standby_replicas > 0 && !shared_.stateful_subs.empty()) {
    auto sc = consumer_conf(config, config.application_id + "-standby");
    standby_consumer_.reset(RdKafka::KafkaConsumer::create(sc.get(), err));
    if (!standby_consumer_) throw std::runtime_error("standby consumer: " + err);
    standbys_ = std::make_unique<StandbyTasks>(standby_consumer_.get());
  }
  consumer_.reset(RdKafka::KafkaConsumer::create(cc.get(), err));
  if (!consumer_) throw std::runtime_error("consumer: " + err);
  auto serr = consumer_->subscribe(shared_.source_topics);
  if (serr != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("subscribe: " + RdKafka::err2str(serr));
}

void StreamThread::start() {
  thread_ = std::thread([this] { run(); });
}

void StreamThread::join() {
  if (thread_.joinable()) thread_.join();
}

void StreamThread::close() {
  if (consumer_) consumer_->close();
  std::lock_guard g(*lock_);
  for (auto& [id, t] : tasks_) t->close();
  for (auto& [id, t] : tasks_) {
    t.reset();
    shared_.state_directory->unlock(id, name_);
  }
  tasks_.clear();
  if (standbys_) {
    standbys_->close([this](TaskId id) { shared_.state_directory->unlock(id, name_); });
  }
  if (standby_consumer_) standby_consumer_->close();
  if (restorer_) restorer_->close();
  if (producer()) producer()->flush(10000);
}

std::vector<TaskId> StreamThread::active_tasks() const {
  std::vector<TaskId> out;
  for (const auto& [id, t] : tasks_) out.push_back(id);
  return out;
}

std::vector<TaskId> StreamThread::standby_tasks() const {
  return standbys_ ? standbys_->ids() : std::vector<TaskId>{};
}

StateStore* StreamThread::store(const TaskId& id, const std::string& name) {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : it->second->store(name);
}

StateStore* StreamThread::standby_store(const TaskId& id, const std::string& name) {
  return standbys_ ? standbys_->store(id, name) : nullptr;
}

void StreamThread::dr_cb(RdKafka::Message& m) {
  if (m.err() != RdKafka::ERR_NO_ERROR) {
    if (delivery_error_.empty()) delivery_error_ = m.topic_name() + ": " + m.errstr();
    return;
  }
  // An acknowledged changelog record: its store's checkpoint may now cover it.
  auto owner = shared_.changelog_owner.find(m.topic_name());
  if (owner == shared_.changelog_owner.end()) return;
  auto task = tasks_.find(TaskId{owner->second.first, m.partition()});
  if (task != tasks_.end())
    task->second->set_changelog_offset(owner->second.second, m.offset() + 1);
}

// At-least-once: stores flushed and every produced record acknowledged before the offsets of
// the records that caused them are committed. (exactly_once_v2 would commit the offsets inside
// the producer's transaction here instead.)
void StreamThread::commit() {
  for (auto& [id, t] : tasks_) t->flush();
  while (producer()->outq_len() > 0) {
    if (producer()->flush(1000) == RdKafka::ERR_NO_ERROR) break;
    if (shared_.stop && producer()->outq_len() > 0 && !delivery_error_.empty()) break;
  }
  if (!delivery_error_.empty()) throw std::runtime_error("produce failed: " + delivery_error_);
  std::vector<RdKafka::TopicPartition*> offsets;
  for (const auto& [tp, off] : consumed_) {
    offsets.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, off));
  }
  if (!offsets.empty()) {
    auto err = consumer_->commitSync(offsets);
    RdKafka::TopicPartition::destroy(offsets);
    // A rebalance under way (another member joined or left) or this member's generation gone:
    // not fatal, as in Kafka Streams (RebalanceInProgressException, CommitFailedException). The
    // offsets stay to be committed by the next commit or on revocation; a partition lost
    // meanwhile is reprocessed from its last commit by its new owner (at-least-once).
    bool rebalancing = err == RdKafka::ERR_REBALANCE_IN_PROGRESS ||
                       err == RdKafka::ERR_ILLEGAL_GENERATION ||
                       err == RdKafka::ERR_UNKNOWN_MEMBER_ID;
    if (err != RdKafka::ERR_NO_ERROR && !rebalancing) {
      throw std::runtime_error("offset commit failed: " + RdKafka::err2str(err));
    }
  }
  // Kafka's postCommit: the stores are flushed and their changelog records acknowledged, so
  // the offsets those records reached are what the local stores reflect.
  for (auto& [id, t] : tasks_) t->write_checkpoint();
  if (standbys_) standbys_->commit();
  if (index_ == 0 && shared_.commit_global) shared_.commit_global();
}

// Replays each changelog partition into its store, from the task's checkpointed offset (a
// store kept from an earlier run, or a standby's position) or from the beginning, to the end
// offset it has now.
void StreamThread::restore(StreamTask& task) {
  for (const auto& cl : task.changelogs()) {
    auto started = std::chrono::steady_clock::now();
    int64_t high = 0;
    int32_t p = task.id().partition;
    int64_t start = changelog_start_offset(*restorer_, task, cl, high);
    int64_t restored = 0;
    int64_t next = start;
    if (high > start) {
      std::vector<RdKafka::TopicPartition*> tps{
          RdKafka::TopicPartition::create(cl.topic, p, start)};
      restorer_->assign(tps);
      RdKafka::TopicPartition::destroy(tps);
      StateStore* store = task.store(cl.store);
      while (next < high && !shared_.stop) {
        std::unique_ptr<RdKafka::Message> m(restorer_->consume(500));
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
      restorer_->unassign();
    }
    task.set_changelog_offset(cl.store, next);
    if (shared_.on_restore) {
      shared_.on_restore(cl.store, p, restored,
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count());
    }
  }
}

// A task of this thread, active or standby, on its task directory, which this thread has locked
// (nullptr while another thread holds it).
std::unique_ptr<StreamTask> StreamThread::make_task(TaskId id) {
  if (!shared_.state_directory->lock(id, name_)) return nullptr;
  TaskEnv env{shared_.config->application_id,
              shared_.config->state_dir,
              this,
              [] { return SystemClock::instance().wall_ms(); },
              shared_.global_store,
              false};
  try {
    return std::make_unique<StreamTask>(id, shared_.topology->def(),
                                        (*shared_.subs)[size_t(id.subtopology)], env);
  } catch (...) {
    shared_.state_directory->unlock(id, name_);  // the task never existed: nor does its lock
    throw;
  }
}

void StreamThread::create_pending_tasks() {
  for (auto it = pending_.begin(); it != pending_.end();) {
    TaskId id = it->first;
    // A standby of the task becomes the active one: its stores are as far as it read, and the
    // restore reads only the rest.
    std::unique_ptr<StreamTask> task = standbys_ ? standbys_->take(id) : nullptr;
    if (!task) task = make_task(id);
    if (!task) {
      shared_.want_task(id);  // whoever holds it (a standby) lets go
      ++it;
      continue;
    }
    shared_.unwant_task(id);
    restore(*task);
    task->init_processors();
    tasks_[id] = std::move(task);
    if (paused_.erase(id)) {
      std::vector<RdKafka::TopicPartition*> tps;
      for (const auto& [topic, p] : it->second)
        tps.push_back(RdKafka::TopicPartition::create(topic, p));
      consumer_->resume(tps);
      RdKafka::TopicPartition::destroy(tps);
    }
    it = pending_.erase(it);
  }
}

// This thread's part of the standby assignment that every member computes alike from the
// group's stable assignment: each stateful task's standbys on other processes than its active
// one; within the process, a task's standby goes to thread (sub-topology + partition) modulo the
// thread count. Tasks active or wanted here are never standbys here.
void StreamThread::update_standbys(const std::vector<GroupMember>& members) {
  std::map<TaskId, std::string> active;
  std::set<std::string> clients;
  for (const auto& m : members) {
    std::string process = process_of(m.client_id);
    clients.insert(process);
    for (const auto& [topic, p] : m.partitions) {
      auto sub = shared_.sub_of_topic.find(topic);
      if (sub != shared_.sub_of_topic.end() && shared_.stateful_subs.count(sub->second))
        active.emplace(TaskId{sub->second, p}, process);
    }
  }
  auto all = assign_standby_tasks(active, clients, shared_.config->num_standby_replicas);
  std::set<TaskId> mine;
  int32_t threads = shared_.config->num_stream_threads;
  for (const auto& id : all[shared_.config->application_id + "-" + shared_.process_id]) {
    if ((id.subtopology + id.partition) % threads == index_ && !tasks_.count(id) &&
        !pending_.count(id) && !shared_.is_wanted(id)) {
      mine.insert(id);
    }
  }
  standbys_->update(
      mine, [this](TaskId id) { return make_task(id); },
      [this](TaskId id) { shared_.state_directory->unlock(id, name_); });
}

// The group's stable assignment when the standbys are due to follow it, else nullopt. Asked
// outside lock_: a blocking admin round trip (up to 5 s) must not hold up interactive queries of
// this thread's stores. standby_due_ms_ is this thread's alone (rebalance_cb runs in its
// consume()).
std::optional<std::vector<GroupMember>> StreamThread::group_if_due(int64_t now) {
  if (!standbys_ || now < standby_due_ms_) return std::nullopt;
  auto members = describe_stable_group(producer()->c_ptr(), shared_.config->application_id, 5000);
  standby_due_ms_ = now + (members ? kStandbyRefreshMs : kStandbyRetryMs);
  return members;
}

// Between records: the standbys' changelog records, the standbys another thread of this
// process now runs let go, and the group's assignment when it was due.
void StreamThread::maintain_standbys(const std::optional<std::vector<GroupMember>>& members) {
  if (!standbys_) return;
  standbys_->poll(1000);
  std::set<TaskId> keep;
  bool wanted = false;
  for (const auto& id : standbys_->ids()) {
    if (shared_.is_wanted(id)) {
      wanted = true;
    } else {
      keep.insert(id);
    }
  }
  auto release = [this](TaskId id) { shared_.state_directory->unlock(id, name_); };
  if (wanted)
    standbys_->update(
        keep, [this](TaskId id) { return make_task(id); }, release);
  if (members) update_standbys(*members);
}

void StreamThread::rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                                std::vector<RdKafka::TopicPartition*>& partitions) {
  std::lock_guard g(*lock_);
  shared_.on_state(index_, KafkaStreams::State::kRebalancing, "");
  rebalancing_ = true;
  standby_due_ms_ = 0;  // the standbys follow the new assignment
  bool cooperative = c->rebalance_protocol() == "COOPERATIVE";
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    // Changelog records still in flight (of tasks just lost) land before a restore reads to
    // the end offset, or the restored store would miss them.
    producer()->flush(10000);
    if (cooperative) {
      delete c->incremental_assign(partitions);
    } else {
      c->assign(partitions);
    }
    for (auto* tp : partitions) {
      TaskId id{shared_.sub_of_topic.at(tp->topic()), tp->partition()};
      consumed_.erase({tp->topic(), tp->partition()});
      if (!tasks_.count(id)) pending_[id].emplace_back(tp->topic(), tp->partition());
    }
    create_pending_tasks();
    // A task whose directory another thread still holds: its partitions wait, paused, until
    // that thread lets go (only then, so no partition is paused needlessly).
    std::vector<RdKafka::TopicPartition*> paused;
    for (auto* tp : partitions) {
      TaskId id{shared_.sub_of_topic.at(tp->topic()), tp->partition()};
      if (!pending_.count(id)) continue;
      paused_.insert(id);
      paused.push_back(tp);
    }
    if (!paused.empty()) c->pause(paused);
  } else {
    // Given up partitions: commit what was processed (unless they were lost to another member
    // already, or the thread has stopped: its last turn committed everything, and the group may
    // be rebalancing as the instance's other threads leave), then close their tasks.
    if (!c->assignment_lost() && !shared_.stop) commit();
    for (auto* tp : partitions) {
      consumed_.erase({tp->topic(), tp->partition()});
      TaskId id{shared_.sub_of_topic.at(tp->topic()), tp->partition()};
      if (pending_.erase(id)) shared_.unwant_task(id);
      paused_.erase(id);
      auto it = tasks_.find(id);
      if (it != tasks_.end()) {
        it->second->close();
        tasks_.erase(it);
        shared_.state_directory->unlock(id, name_);
      }
    }
    if (cooperative) {
      delete c->incremental_unassign(partitions);
    } else {
      c->unassign();
    }
  }
}

void StreamThread::process(RdKafka::Message& m) {
  TaskId id{shared_.sub_of_topic.at(m.topic_name()), m.partition()};
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;
  std::optional<std::string_view> k, v;
  if (m.key()) k = *m.key();
  if (m.payload()) v = std::string_view(static_cast<const char*>(m.payload()), m.len());
  // Processors read the global stores, which thread 0 writes between records.
  std::shared_lock global(shared_.global_mu, std::defer_lock);
  if (shared_.has_global) global.lock();
  it->second->process(m.topic_name(), m.partition(), m.offset(), k, v, m.timestamp().timestamp);
  consumed_[{m.topic_name(), m.partition()}] = m.offset() + 1;
  ++processed_;
}

void StreamThread::run() {
  const StreamsConfig& config = *shared_.config;
  int64_t last_commit = SystemClock::instance().wall_ms();
  int64_t last_cleanup = last_commit;
  try {
    while (!shared_.stop) {
      std::unique_ptr<RdKafka::Message> m(consumer_->consume(100));
      const std::optional<std::vector<GroupMember>> members =
          group_if_due(SystemClock::instance().wall_ms());
      std::lock_guard g(*lock_);
      if (m->err() == RdKafka::ERR_NO_ERROR) {
        process(*m);
      } else if (m->err() != RdKafka::ERR__TIMED_OUT && m->err() != RdKafka::ERR__PARTITION_EOF) {
        throw std::runtime_error("consume: " + m->errstr());
      }
      if (index_ == 0 && shared_.poll_global) shared_.poll_global();
      producer()->poll(0);
      int64_t now = SystemClock::instance().wall_ms();
      if (!pending_.empty()) create_pending_tasks();
      maintain_standbys(members);
      bool requested = false;
      for (auto& [id, t] : tasks_) {
        t->punctuate_wall_clock(now);
        requested |= t->take_commit_request();
      }
      if (requested || now - last_commit >= config.commit_interval_ms) {
        commit();
        last_commit = now;
      }
      if (rebalancing_ && !consumer_->assignment_lost() && pending_.empty()) {
        shared_.on_state(index_, KafkaStreams::State::kRunning, "");
        rebalancing_ = false;
      }
      // Kafka's state directory cleaner: every state.cleanup.delay.ms, while running.
      if (index_ == 0 && now - last_cleanup >= config.state_cleanup_delay_ms) {
        if (shared_.running()) {
          shared_.state_directory->clean_removed_tasks(config.state_cleanup_delay_ms, now);
        }
        last_cleanup = now;
      }
    }
    std::lock_guard g(*lock_);
    commit();
  } catch (const std::exception& e) {
    shared_.on_state(index_, KafkaStreams::State::kError, e.what());
  }
}

}  // namespace eddy::streams::internal
