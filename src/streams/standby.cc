#include "streams/standby.h"

#include <algorithm>
#include <stdexcept>

namespace eddy::streams::internal {

std::map<std::string, std::set<TaskId>> assign_standby_tasks(
    const std::map<TaskId, std::string>& active, const std::set<std::string>& clients,
    int32_t replicas) {
  std::map<std::string, std::set<TaskId>> standbys;
  std::map<std::string, size_t> load;
  for (const auto& c : clients) load[c] = 0;
  for (const auto& [id, client] : active) {
    if (load.count(client)) ++load[client];
  }
  for (const auto& [id, client] : active) {
    std::set<std::string> holding{client};
    for (int32_t r = 0; r < replicas; ++r) {
      const std::string* best = nullptr;
      for (const auto& [c, n] : load) {
        if (holding.count(c)) continue;
        if (!best || n < load[*best]) best = &c;  // map order: ties go to the smallest name
      }
      if (!best) break;  // every client already holds this task
      standbys[*best].insert(id);
      holding.insert(*best);
      ++load[*best];
    }
  }
  return standbys;
}

int64_t changelog_start_offset(RdKafka::KafkaConsumer& consumer, StreamTask& task,
                               const ChangelogInfo& cl, int64_t& high) {
  int64_t low = 0;
  auto err = consumer.query_watermark_offsets(cl.topic, task.id().partition, &low, &high, 10000);
  if (err != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("changelog " + cl.topic + " offsets: " + RdKafka::err2str(err));
  }
  if (cl.checkpointed && *cl.checkpointed >= low && *cl.checkpointed <= high) {
    return *cl.checkpointed;
  }
  if (cl.checkpointed) task.reset_store(cl.store);
  return low;
}

std::optional<std::vector<GroupMember>> describe_stable_group(rd_kafka_t* rk,
                                                              const std::string& group,
                                                              int timeout_ms) {
  char err[256];
  rd_kafka_AdminOptions_t* opts =
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
  rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk, groups, 1, opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
  std::optional<std::vector<GroupMember>> out;
  const rd_kafka_DescribeConsumerGroups_result_t* res =
      ev && !rd_kafka_event_error(ev) ? rd_kafka_event_DescribeConsumerGroups_result(ev) : nullptr;
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** descs =
      res ? rd_kafka_DescribeConsumerGroups_result_groups(res, &n) : nullptr;
  if (n == 1 && !rd_kafka_ConsumerGroupDescription_error(descs[0]) &&
      rd_kafka_ConsumerGroupDescription_state(descs[0]) == RD_KAFKA_CONSUMER_GROUP_STATE_STABLE) {
    out.emplace();
    for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(descs[0]); ++i) {
      const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(descs[0], i);
      GroupMember gm{
          rd_kafka_MemberDescription_consumer_id(m), rd_kafka_MemberDescription_client_id(m), {}};
      const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m);
      const rd_kafka_topic_partition_list_t* tps =
          a ? rd_kafka_MemberAssignment_partitions(a) : nullptr;
      for (int j = 0; tps && j < tps->cnt; ++j) {
        gm.partitions.emplace_back(tps->elems[j].topic, tps->elems[j].partition);
      }
      out->push_back(std::move(gm));
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(opts);
  return out;
}

void StandbyTasks::update(const std::set<TaskId>& wanted, const Factory& make,
                          const Release& release) {
  bool changed = false;
  for (const auto& id : ids()) {
    if (wanted.count(id)) continue;
    drop(id, release);
    changed = true;
  }
  for (const auto& id : wanted) {
    if (standbys_.count(id)) continue;
    Standby s;
    s.task = make(id);
    if (!s.task) continue;  // another thread of this instance holds its directory still
    for (const auto& cl : s.task->changelogs()) {
      int64_t high = 0;
      int64_t start = changelog_start_offset(*consumer_, *s.task, cl, high);
      s.task->set_changelog_offset(cl.store, start);
      s.next[cl.topic] = start;
      s.store_of[cl.topic] = cl.store;
      by_partition_[{cl.topic, id.partition}] = id;
    }
    standbys_[id] = std::move(s);
    changed = true;
  }
  if (changed) reassign();
}

void StandbyTasks::reassign() {
  std::vector<RdKafka::TopicPartition*> tps;
  for (const auto& [id, s] : standbys_) {
    for (const auto& [topic, next] : s.next) {
      tps.push_back(RdKafka::TopicPartition::create(topic, id.partition, next));
    }
  }
  if (tps.empty()) {
    consumer_->unassign();
  } else {
    consumer_->assign(tps);
  }
  RdKafka::TopicPartition::destroy(tps);
}

int StandbyTasks::poll(int max_records) {
  if (standbys_.empty()) return 0;
  int applied = 0;
  while (applied < max_records) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(0));
    if (m->err() == RdKafka::ERR__TIMED_OUT) break;
    // Other errors (a broker gone, end of partition) are the consumer's to retry; a standby
    // only lags meanwhile.
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    auto it = by_partition_.find({m->topic_name(), m->partition()});
    if (it == by_partition_.end()) continue;  // of a standby just dropped
    Standby& s = standbys_.at(it->second);
    int64_t& next = s.next.at(m->topic_name());
    if (m->offset() < next) continue;  // already applied before a reassignment
    std::optional<std::string_view> v;
    if (m->payload()) v = std::string_view(static_cast<const char*>(m->payload()), m->len());
    std::string_view k = m->key() ? std::string_view(*m->key()) : std::string_view();
    const std::string& store = s.store_of.at(m->topic_name());
    s.task->store(store)->restore(k, v);
    next = m->offset() + 1;
    s.task->set_changelog_offset(store, next);
    ++applied;
  }
  return applied;
}

void StandbyTasks::commit() {
  for (auto& [id, s] : standbys_) {
    s.task->flush();
    s.task->write_checkpoint();
  }
}

StateStore* StandbyTasks::store(TaskId id, const std::string& name) const {
  auto it = standbys_.find(id);
  return it == standbys_.end() ? nullptr : it->second.task->store(name);
}

std::unique_ptr<StreamTask> StandbyTasks::take(TaskId id) {
  auto it = standbys_.find(id);
  if (it == standbys_.end()) return nullptr;
  // The active task's restore reads on from here; the standby's checkpoint stays as it was, true
  // of the stores since they only move forward.
  it->second.task->flush();
  std::unique_ptr<StreamTask> task = std::move(it->second.task);
  std::erase_if(by_partition_, [&](const auto& e) { return e.second == id; });
  standbys_.erase(it);
  reassign();
  return task;
}

std::vector<TaskId> StandbyTasks::ids() const {
  std::vector<TaskId> out;
  for (const auto& [id, s] : standbys_) out.push_back(id);
  return out;
}

void StandbyTasks::drop(TaskId id, const Release& release) {
  auto it = standbys_.find(id);
  it->second.task->flush();
  it->second.task->write_checkpoint();
  it->second.task->close();
  std::erase_if(by_partition_, [&](const auto& e) { return e.second == id; });
  standbys_.erase(it);  // closes its stores
  release(id);
}

void StandbyTasks::close(const Release& release) {
  for (const auto& id : ids()) drop(id, release);
  if (consumer_) consumer_->unassign();
}

}  // namespace eddy::streams::internal
