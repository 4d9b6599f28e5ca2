#include "streams/stream_task.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "log/checkpoint_file.h"
#include "log/file.h"
#include "streams/stores.h"

namespace eddy::streams::internal {

struct StreamTask::Node {
  const NodeDef* def = nullptr;
  std::unique_ptr<Processor> processor;
  std::vector<Node*> children;
  std::vector<std::string> stores;
};

struct StreamTask::Schedule : Cancellable {
  Node* node = nullptr;
  int64_t interval_ms = 0;
  PunctuationType type = PunctuationType::kStreamTime;
  std::function<void(int64_t)> fn;
  int64_t next_ms = 0;
  bool cancelled = false;
  void cancel() override { cancelled = true; }
  // Kafka's PunctuationSchedule.next: after a gap of several intervals, fire once, not per
  // interval.
  void advance(int64_t now) {
    int64_t next = next_ms + interval_ms;
    if (now >= next) next = next_ms + ((now - next_ms) / interval_ms + 1) * interval_ms;
    next_ms = next;
  }
};

class StreamTask::Context final : public ProcessorContext {
 public:
  explicit Context(StreamTask& task) : task_(task) {}
  const std::string& application_id() const override { return task_.env_.application_id; }
  TaskId task_id() const override { return task_.id_; }
  void forward(const Record& r) override {
    Node* self = current;
    for (Node* child : self->children) {
      current = child;
      task_.dispatch(child, r);
    }
    current = self;
  }
  void forward(const Record& r, const std::string& child) override {
    Node* self = current;
    for (Node* c : self->children) {
      if (c->def->name != child) continue;
      current = c;
      task_.dispatch(c, r);
    }
    current = self;
  }
  std::shared_ptr<Cancellable> schedule(std::chrono::milliseconds interval, PunctuationType type,
                                        std::function<void(int64_t)> fn) override {
    if (interval.count() <= 0) throw std::invalid_argument("punctuation interval must be > 0");
    auto s = std::make_shared<Schedule>();
    s->node = current;
    s->interval_ms = interval.count();
    s->type = type;
    s->fn = std::move(fn);
    // Stream time: aligned to 0, so the first record fires it (Kafka's StreamTask.schedule).
    s->next_ms =
        type == PunctuationType::kStreamTime ? 0 : task_.env_.wall_clock_ms() + s->interval_ms;
    task_.schedules_.push_back(s);
    return s;
  }
  StateStore* state_store(const std::string& name) override {
    if (task_.def_.global_stores.count(name) && task_.env_.global_store) {
      return task_.env_.global_store(name);
    }
    if (!current ||
        std::find(current->stores.begin(), current->stores.end(), name) == current->stores.end()) {
      return nullptr;
    }
    return task_.store(name);
  }
  std::optional<RecordMetadata> record_metadata() const override { return metadata; }
  int64_t current_stream_time_ms() const override { return task_.stream_time_ms_; }
  int64_t current_system_time_ms() const override { return task_.env_.wall_clock_ms(); }
  void commit() override { task_.commit_requested_ = true; }

  Node* current = nullptr;
  std::optional<RecordMetadata> metadata;
  int64_t record_timestamp_ms = 0;

 private:
  StreamTask& task_;
};

StreamTask::StreamTask(TaskId id, const TopologyDef& def, const SubtopologyDef& sub, TaskEnv env)
    : id_(id), def_(def), env_(std::move(env)), context_(std::make_unique<Context>(*this)) {
  for (const auto& name : sub.nodes) {
    auto n = std::make_unique<Node>();
    n->def = &def.nodes.at(name);
    n->stores = n->def->stores;
    nodes_[name] = std::move(n);
  }
  for (auto& [name, n] : nodes_) {
    for (const auto& c : n->def->children) n->children.push_back(nodes_.at(c).get());
    for (const auto& t : n->def->topics) {
      std::string resolved = def.resolve(env_.application_id, t);
      source_topics_.push_back(resolved);
      source_by_topic_[resolved] = n.get();
    }
  }
  task_dir_ = env_.state_dir + "/" + env_.application_id + "/" +
              (env_.global ? std::string("global") : id.to_string());
  // Global stores share the global directory; each has its own file (one store per global task).
  checkpoint_file_ = env_.global && !sub.stores.empty()
                         ? std::string(kTaskCheckpointFile) + "-" + sub.stores.front()
                         : kTaskCheckpointFile;
  load_checkpoint(sub);
}

StreamTask::~StreamTask() = default;

std::string StreamTask::offset_topic(const std::string& store) const {
  // A global store's changelog is its source topic (subtopologies(): one per global store).
  return env_.global ? source_topics_.at(0)
                     : TopologyDef::changelog_topic(env_.application_id, store);
}

bool StreamTask::checkpointable(const std::string& store) const {
  const StoreSpec& spec = def_.stores.at(store);
  return spec.persistent && (spec.logging || env_.global);
}

// Kafka's ProcessorStateManager (GlobalStateManager for a global task): a persistent, logged
// store whose directory and checkpoint entries both survive keeps its contents; every other
// store starts empty. In-memory stores are never checkpointed (nothing of them survives the
// process). A task's store has one changelog partition, the task's; a global store one entry per
// partition of its topic.
void StreamTask::load_checkpoint(const SubtopologyDef& sub) {
  std::map<std::string, int64_t> file;
  // A missing or unreadable checkpoint means full restore of every store.
  auto read = log::read_checkpoint_file(task_dir_, checkpoint_file_);
  if (read.is_ok()) {
    for (const auto& [key, offset] : read.value()) file[key] = offset;
  }
  for (const auto& s : sub.stores) {
    if (!checkpointable(s) || !persistent_store_exists(task_dir_ + "/" + s)) continue;
    std::string prefix = offset_topic(s) + "-";
    for (const auto& [key, offset] : file) {
      if (key.rfind(prefix, 0) != 0 || offset < 0) continue;
      std::string p = key.substr(prefix.size());
      if (p.empty() || p.size() > 9 || p.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      int32_t partition = std::stoi(p);
      if (env_.global || partition == id_.partition) offsets_[{s, partition}] = offset;
    }
  }
  // The file must never vouch for a store about to be wiped: a crash during its restore would
  // resume it from the old offset with the records before it missing. So it is rewritten with
  // the surviving entries before any store is opened.
  // Unlike a commit's, this write must survive a power loss too (the new name synced).
  checkpointed_ = offsets_;
  if (file.size() != offsets_.size()) write_checkpoint(log::Durability::kContentAndName, true);
  for (const auto& s : sub.stores) {
    auto it = offsets_.lower_bound({s, INT32_MIN});
    open_store(s, it != offsets_.end() && it->first.first == s);
  }
}

void StreamTask::open_store(const std::string& name, bool keep_existing) {
  std::string topic = TopologyDef::changelog_topic(env_.application_id, name);
  ChangelogSink log = [this, topic](std::string_view k, std::optional<std::string_view> v) {
    std::optional<std::string> value;
    if (v) value.emplace(*v);
    env_.collector->send(topic, id_.partition, std::string(k), value,
                         context_->record_timestamp_ms);
  };
  stores_.erase(name);  // a RocksDB directory is opened by one handle at a time
  stores_[name] =
      make_store(def_.stores.at(name), task_dir_ + "/" + name, std::move(log), keep_existing);
}

std::vector<ChangelogInfo> StreamTask::changelogs() const {
  std::vector<ChangelogInfo> out;
  for (const auto& [name, store] : stores_) {
    if (!def_.stores.at(name).logging) continue;
    ChangelogInfo c{name, TopologyDef::changelog_topic(env_.application_id, name), std::nullopt};
    c.checkpointed = checkpointed_offset(name, id_.partition);
    if (auto live = live_offsets_.find({name, id_.partition}); live != live_offsets_.end()) {
      c.checkpointed = live->second;
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::optional<int64_t> StreamTask::checkpointed_offset(const std::string& store,
                                                       int32_t partition) const {
  auto it = offsets_.find({store, partition});
  if (it == offsets_.end()) return std::nullopt;
  return it->second;
}

void StreamTask::set_changelog_offset(const std::string& store, int64_t next) {
  set_changelog_offset(store, id_.partition, next);
}

void StreamTask::set_changelog_offset(const std::string& store, int32_t partition, int64_t next) {
  // An in-memory store's offset is never checkpointed, but while the task lives it says where a
  // restore goes on from (a standby promoted to active).
  auto& offsets = checkpointable(store) ? offsets_ : live_offsets_;
  auto [it, fresh] = offsets.try_emplace({store, partition}, next);
  if (!fresh) it->second = std::max(it->second, next);
}

void StreamTask::reset_store(const std::string& store) {
  bool listed = std::erase_if(checkpointed_, [&](const auto& e) { return e.first.first == store; });
  std::erase_if(offsets_, [&](const auto& e) { return e.first.first == store; });
  std::erase_if(live_offsets_, [&](const auto& e) { return e.first.first == store; });
  if (listed) write_checkpoint(log::Durability::kContentAndName, true);
  open_store(store, false);
}

void StreamTask::write_checkpoint(log::Durability durability, bool force) {
  if (!force && offsets_ == checkpointed_) return;
  Status s;
  if (offsets_.empty()) {
    s = log::remove_file(task_dir_ + "/" + checkpoint_file_);
    if (s.is_ok() && durability == log::Durability::kContentAndName) s = log::sync_dir(task_dir_);
  } else {
    log::CheckpointEntries entries;
    for (const auto& [sp, offset] : offsets_) {
      entries.emplace_back(offset_topic(sp.first) + "-" + std::to_string(sp.second), offset);
    }
    s = log::write_checkpoint_file(task_dir_, checkpoint_file_, entries, durability);
  }
  if (!s.is_ok()) throw std::runtime_error("task checkpoint: " + s.to_string());
  checkpointed_ = offsets_;
}

StateStore* StreamTask::store(const std::string& name) {
  auto it = stores_.find(name);
  return it == stores_.end() ? nullptr : it->second.get();
}

void StreamTask::init_processors() {
  for (const auto& name : def_.order) {
    auto it = nodes_.find(name);
    if (it == nodes_.end() || it->second->def->kind != NodeKind::kProcessor) continue;
    Node* n = it->second.get();
    n->processor = n->def->supplier();
    context_->current = n;
    n->processor->init(*context_);
  }
  context_->current = nullptr;
}

void StreamTask::process(const std::string& topic, int32_t partition, int64_t offset,
                         std::optional<std::string_view> key, std::optional<std::string_view> value,
                         int64_t timestamp_ms) {
  auto it = source_by_topic_.find(topic);
  if (it == source_by_topic_.end())
    throw std::logic_error("task " + id_.to_string() + " does not read " + topic);
  Node* source = it->second;
  Record r;
  r.key = source->def->key_serde.deserialize(key);
  r.value = source->def->value_serde.deserialize(value);
  r.timestamp_ms = timestamp_ms;
  if (source->def->extractor) r.timestamp_ms = source->def->extractor(r, stream_time_ms_);
  if (r.timestamp_ms < 0) {
    // Kafka's LogAndSkipOnInvalidTimestamp: a record without event time cannot be windowed.
    ++dropped_records_;
    return;
  }
  stream_time_ms_ = std::max(stream_time_ms_, r.timestamp_ms);
  context_->metadata = RecordMetadata{topic, partition, offset};
  context_->record_timestamp_ms = r.timestamp_ms;
  context_->current = source;
  context_->forward(r);
  context_->current = nullptr;
  punctuate(PunctuationType::kStreamTime, stream_time_ms_);
}

void StreamTask::dispatch(Node* node, const Record& r) {
  switch (node->def->kind) {
    case NodeKind::kSource:
      context_->forward(r);
      break;
    case NodeKind::kProcessor:
      node->processor->process(r);
      break;
    case NodeKind::kSink: {
      const NodeDef& d = *node->def;
      std::optional<std::string> k = d.key_serde.serialize(r.key);
      std::optional<std::string> v = d.value_serde.serialize(r.value);
      std::string topic = def_.resolve(env_.application_id, d.topic);
      std::optional<int32_t> partition;
      if (d.partitioner) partition = d.partitioner(k, env_.collector->num_partitions(topic));
      env_.collector->send(topic, partition, k, v, r.timestamp_ms);
      break;
    }
  }
}

void StreamTask::fire(Schedule& s, int64_t now) {
  Node* saved = context_->current;
  auto saved_meta = context_->metadata;
  int64_t saved_ts = context_->record_timestamp_ms;
  context_->current = s.node;
  context_->metadata.reset();
  context_->record_timestamp_ms = now;
  s.fn(now);
  context_->current = saved;
  context_->metadata = saved_meta;
  context_->record_timestamp_ms = saved_ts;
}

void StreamTask::punctuate(PunctuationType type, int64_t now_ms) {
  // Index loop: a punctuator may schedule another.
  for (size_t i = 0; i < schedules_.size(); ++i) {
    auto s = schedules_[i];
    if (s->cancelled || s->type != type || now_ms < s->next_ms) continue;
    fire(*s, now_ms);
    s->advance(now_ms);
  }
  std::erase_if(schedules_, [](const auto& s) { return s->cancelled; });
}

void StreamTask::punctuate_wall_clock(int64_t now_ms) {
  punctuate(PunctuationType::kWallClockTime, now_ms);
}

void StreamTask::flush() {
  for (auto& [name, s] : stores_) s->flush();
}

void StreamTask::close() {
  for (auto& [name, n] : nodes_) {
    if (n->processor) n->processor->close();
  }
}

bool StreamTask::take_commit_request() { return std::exchange(commit_requested_, false); }

}  // namespace eddy::streams::internal
