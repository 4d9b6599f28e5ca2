#include "eddy/streams/topology_test_driver.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "streams/stream_task.h"

namespace eddy::streams {

using internal::StreamTask;

struct TopologyTestDriver::Impl : internal::RecordCollector {
  Topology topology;
  std::string application_id;
  std::string state_dir;
  bool own_state_dir = false;
  int64_t wall_clock_ms = 0;
  std::vector<std::unique_ptr<StreamTask>> tasks;
  std::map<std::string, StreamTask*> task_by_topic;
  std::map<std::string, std::deque<RawRecord>> outputs;
  std::map<std::string, int64_t> next_offset;
  std::deque<std::pair<std::string, RawRecord>> pending;  // records for internal inputs
  std::vector<StreamTask*> global_tasks;

  StateStore* global(const std::string& name) {
    for (auto* t : global_tasks) {
      if (auto* s = t->store(name)) return s;
    }
    return nullptr;
  }

  void send(const std::string& topic, std::optional<int32_t>, const std::optional<std::string>& key,
            const std::optional<std::string>& value, int64_t timestamp_ms) override {
    RawRecord r{key, value, timestamp_ms};
    if (task_by_topic.count(topic)) pending.emplace_back(topic, r);
    outputs[topic].push_back(std::move(r));
  }
  int32_t num_partitions(const std::string&) override { return 1; }

  void process(const std::string& topic, const RawRecord& r) {
    auto it = task_by_topic.find(topic);
    if (it == task_by_topic.end()) return;
    std::optional<std::string_view> k, v;
    if (r.key) k = *r.key;
    if (r.value) v = *r.value;
    it->second->process(topic, 0, next_offset[topic]++, k, v, r.timestamp_ms);
  }
};

TopologyTestDriver::TopologyTestDriver(const Topology& topology,
                                       std::map<std::string, std::string> config,
                                       int64_t initial_wall_clock_ms)
    : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.topology = topology;
  d.application_id = config.count("application.id") ? config["application.id"] : "test-app";
  d.wall_clock_ms = initial_wall_clock_ms;
  if (config.count("state.dir")) {
    d.state_dir = config["state.dir"];
  } else {
    std::string tmpl = (std::filesystem::temp_directory_path() / "eddy-streams-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a state directory");
    d.state_dir = tmpl;
    d.own_state_dir = true;
  }
  const auto& def = d.topology.def();
  // Global sub-topologies first: the other tasks read their stores. A record piped to a global
  // topic updates the global store at once (Kafka's driver does the same).
  auto subs = def.subtopologies();
  std::stable_partition(subs.begin(), subs.end(), [](const auto& s) { return s.global; });
  for (const auto& sub : subs) {
    internal::TaskEnv env{d.application_id, d.state_dir, &d, [&d] { return d.wall_clock_ms; },
                          nullptr,          sub.global};
    if (!sub.global) env.global_store = [&d](const std::string& name) { return d.global(name); };
    auto task = std::make_unique<StreamTask>(TaskId{sub.id, 0}, def, sub, env);
    for (const auto& t : task->source_topics()) d.task_by_topic[t] = task.get();
    if (sub.global) d.global_tasks.push_back(task.get());
    d.tasks.push_back(std::move(task));
  }
  for (auto& t : d.tasks) t->init_processors();
}

TopologyTestDriver::~TopologyTestDriver() {
  for (auto& t : impl_->tasks) t->close();
  impl_->tasks.clear();
  if (impl_->own_state_dir) {
    std::error_code ec;
    std::filesystem::remove_all(impl_->state_dir, ec);
  }
}

void TopologyTestDriver::pipe(const std::string& topic, std::optional<std::string> key,
                              std::optional<std::string> value, int64_t timestamp_ms) {
  Impl& d = *impl_;
  std::string resolved = d.topology.def().resolve(d.application_id, topic);
  if (!d.task_by_topic.count(resolved)) {
    throw std::invalid_argument("no source reads topic " + topic);
  }
  d.process(resolved, RawRecord{std::move(key), std::move(value), timestamp_ms});
  // Internal topics are bounded by the records each input causes; Kafka's driver loops the same
  // way.
  while (!d.pending.empty()) {
    auto [topic_name, r] = std::move(d.pending.front());
    d.pending.pop_front();
    d.process(topic_name, r);
  }
}

void TopologyTestDriver::advanceWallClockTime(std::chrono::milliseconds dt) {
  Impl& d = *impl_;
  d.wall_clock_ms += dt.count();
  for (auto& t : d.tasks) t->punctuate_wall_clock(d.wall_clock_ms);
  while (!d.pending.empty()) {
    auto [topic_name, r] = std::move(d.pending.front());
    d.pending.pop_front();
    d.process(topic_name, r);
  }
}

StateStore* TopologyTestDriver::getStateStore(const std::string& name) {
  for (auto& t : impl_->tasks) {
    if (auto* s = t->store(name)) return s;
  }
  return nullptr;
}

std::deque<RawRecord>& TopologyTestDriver::output(const std::string& topic) {
  return impl_->outputs[impl_->topology.def().resolve(impl_->application_id, topic)];
}

const std::string& TopologyTestDriver::applicationId() const { return impl_->application_id; }

}  // namespace eddy::streams
