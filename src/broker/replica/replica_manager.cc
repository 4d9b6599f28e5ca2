#include "broker/replica/replica_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "broker/replica/partition_metadata_file.h"
#include "metadata/topic_name.h"
#include "protocol/errors.h"
#include "protocol/records/batch_reader.h"

namespace eddy::broker {

using protocol::ErrorCode;
using protocol::to_int;

// ---- Delayed produce (acks=all) ----

class DelayedProduce final : public DelayedOperation {
 public:
  struct Waiting {
    std::shared_ptr<Partition> partition;
    Offset required_offset;  // the HW that covers the appended batches
    size_t index;            // into results
  };

  DelayedProduce(int64_t deadline_ms, std::vector<ProducePartitionResult> results,
                 std::vector<Waiting> waiting, ProduceCallback callback)
      : DelayedOperation(deadline_ms),
        results_(std::move(results)),
        waiting_(std::move(waiting)),
        callback_(std::move(callback)) {}

 protected:
  bool ready() override {
    return std::all_of(waiting_.begin(), waiting_.end(), [](const Waiting& w) { return done(w); });
  }

  void on_complete(bool /*expired*/) override {
    for (const Waiting& w : waiting_) {
      ProducePartitionResult& r = results_[w.index];
      if (w.partition->high_watermark() >= w.required_offset) {
        r.log_start_offset = w.partition->log_start_offset();
      } else if (w.partition->has_failed()) {
        r.error = to_int(ErrorCode::kKafkaStorageError);
      } else if (!w.partition->is_leader()) {
        r.error = to_int(ErrorCode::kNotLeaderOrFollower);
      } else if (static_cast<int32_t>(w.partition->isr().size()) <
                 w.partition->settings().min_insync_replicas) {
        // Appended, but the ISR shrank below min.insync.replicas since: the HW stays below it.
        r.error = to_int(ErrorCode::kNotEnoughReplicasAfterAppend);
      } else {
        r.error = to_int(ErrorCode::kRequestTimedOut);
      }
      if (r.error != to_int(ErrorCode::kNone)) r.base_offset = Offset(-1);
    }
    ProduceCallback cb = std::move(callback_);
    cb(std::move(results_));
  }

 private:
  static bool done(const Waiting& w) {
    return w.partition->high_watermark() >= w.required_offset || w.partition->has_failed() ||
           !w.partition->is_leader();
  }

  std::vector<ProducePartitionResult> results_;
  std::vector<Waiting> waiting_;
  ProduceCallback callback_;
};

// ---- Delayed fetch (long poll) ----

class DelayedFetch final : public DelayedOperation {
 public:
  DelayedFetch(int64_t deadline_ms, const ReplicaManager* rm, FetchParams params,
               std::vector<FetchPartitionInput> inputs, FetchCallback callback)
      : DelayedOperation(deadline_ms),
        rm_(rm),
        params_(params),
        inputs_(std::move(inputs)),
        callback_(std::move(callback)) {
    if (params_.replica_id < 0) return;
    for (const FetchPartitionInput& in : inputs_) {
      std::shared_ptr<Partition> p = rm_->get_partition(in.tp);
      log_starts_.push_back(p ? p->log_start_offset().value() : -1);
    }
  }

  // Reads every partition under the request's byte limits. Sets *bytes to the total and
  // *has_error when a partition answers with an error (which completes a fetch at once).
  std::vector<FetchPartitionResult> read_all(uint64_t* bytes, bool* has_error) const;

  // Completes at once with results already read (the common case: data was there), so the
  // partitions are not read a second time.
  void complete_with(std::vector<FetchPartitionResult> results) {
    prepared_ = std::move(results);
    force_complete(false);
  }

 protected:
  bool ready() override {
    if (log_start_moved()) return true;
    uint64_t bytes = 0;
    bool has_error = false;
    read_all(&bytes, &has_error);
    return has_error || bytes >= static_cast<uint64_t>(std::max(params_.min_bytes, 1));
  }

  void on_complete(bool /*expired*/) override {
    std::vector<FetchPartitionResult> results;
    if (prepared_) {
      results = std::move(*prepared_);
    } else {
      uint64_t bytes = 0;
      bool has_error = false;
      results = read_all(&bytes, &has_error);
    }
    FetchCallback cb = std::move(callback_);
    cb(std::move(results));
  }

 private:
  // A follower's fetch answers as soon as the leader's log start moves (DeleteRecords): the
  // follower follows it from the answer, and the DeleteRecords waits for that, not for
  // replica.fetch.wait.max.ms.
  bool log_start_moved() const {
    for (size_t i = 0; i < log_starts_.size(); ++i) {
      std::shared_ptr<Partition> p = rm_->get_partition(inputs_[i].tp);
      if (p && p->log_start_offset().value() > log_starts_[i]) return true;
    }
    return false;
  }

  std::optional<std::vector<FetchPartitionResult>> prepared_;  // set only before completing
  std::vector<int64_t> log_starts_;  // a follower's fetch: each partition's log start when parked
  const ReplicaManager* rm_;
  FetchParams params_;
  std::vector<FetchPartitionInput> inputs_;
  FetchCallback callback_;
};

std::vector<FetchPartitionResult> DelayedFetch::read_all(uint64_t* bytes, bool* has_error) const {
  std::vector<FetchPartitionResult> results;
  results.reserve(inputs_.size());
  // Kafka's KIP-74 rule: the first partition with data may exceed the limits by one batch, so a
  // large batch still makes progress; after that, fetch.max.bytes bounds the response.
  uint64_t budget = static_cast<uint64_t>(std::max(params_.max_bytes, 0));
  bool first_with_data = true;
  for (const FetchPartitionInput& in : inputs_) {
    const uint64_t limit =
        std::min<uint64_t>(budget, static_cast<uint64_t>(std::max(in.partition_max_bytes, 0)));
    FetchPartitionResult r = rm_->read_partition(params_, in, limit);
    // A preferred read replica also answers at once (Kafka's): the consumer moves there.
    if (r.error != to_int(ErrorCode::kNone) || r.preferred_read_replica >= 0) *has_error = true;
    if (!r.records.empty()) {
      if (!first_with_data && r.records.length > limit) {
        r.records = log::FileSlice{};
      } else {
        first_with_data = false;
        budget -= std::min<uint64_t>(budget, r.records.length);
        *bytes += r.records.length;
      }
    }
    results.push_back(std::move(r));
  }
  return results;
}

// ---- ReplicaManager ----

ReplicaManager::ReplicaManager(ReplicaManagerOptions options)
    : options_(std::move(options)),
      purgatory_(options_.clock, options_.max_delayed_operations),
      fetch_sessions_(options_.fetch_sessions, options_.clock) {
  if (options_.logs == nullptr) return;
  for (const std::string& dir : options_.logs->options().log_dirs) {
    auto hws = read_high_watermarks(dir);
    if (!hws.is_ok()) {
      // Kafka fails the log dir here; its HWs then start low and follow the ISR, as before.
      spdlog::warn("log dir {}: ignoring the high-watermark checkpoint: {}", dir,
                   hws.status().to_string());
      continue;
    }
    restored_hws_[dir] = std::move(hws).value();
  }
}

ReplicaManager::~ReplicaManager() { shutdown(); }

void ReplicaManager::start() {
  purgatory_.start();
  if (options_.logs != nullptr && options_.high_watermark_checkpoint_interval_ms > 0 &&
      !checkpoint_thread_.joinable()) {
    checkpoint_thread_ = std::thread([this] { checkpoint_loop(); });
  }
}

void ReplicaManager::checkpoint_loop() {
  const auto period = std::chrono::milliseconds(options_.high_watermark_checkpoint_interval_ms);
  std::unique_lock lock(checkpoint_thread_mu_);
  while (!checkpoint_cv_.wait_for(lock, period, [this] { return checkpoint_stop_; })) {
    lock.unlock();
    Status s = checkpoint_high_watermarks();
    if (!s) spdlog::error("high-watermark checkpoint: {}", s.to_string());
    lock.lock();
  }
}

std::string ReplicaManager::log_dir_of(const TopicPartition& tp, const log::PartitionLog& log) {
  // LogManager places a partition at <log dir>/<topic>-<partition>.
  const std::string& path = log.dir();
  return path.substr(0, path.size() - tp.dir_name().size() - 1);
}

Status ReplicaManager::checkpoint_high_watermarks() {
  if (options_.logs == nullptr) return Status::ok();
  std::map<std::string, HighWatermarks> now;
  for (const std::string& dir : options_.logs->options().log_dirs) now[dir];
  {
    std::shared_lock lock(mu_);
    for (const auto& [tp, p] : partitions_) {
      now[log_dir_of(tp, *p->log())][tp] = p->high_watermark().value();
    }
  }
  std::lock_guard lock(checkpoint_mu_);
  // Entries read at start-up that no partition took yet: kept while their log is still here.
  for (auto& [dir, hws] : restored_hws_) {
    for (auto it = hws.begin(); it != hws.end();) {
      auto log = options_.logs->get(it->first);
      if (log == nullptr || log_dir_of(it->first, *log) != dir) {
        it = hws.erase(it);
        continue;
      }
      now[dir].emplace(it->first, it->second);
      ++it;
    }
  }
  Status first;
  for (auto& [dir, hws] : now) {
    auto written = written_hws_.find(dir);
    if (written != written_hws_.end() && written->second == hws) continue;
    Status s = write_high_watermarks(dir, hws);
    if (!s) {
      if (first) first = s;
      continue;
    }
    written_hws_[dir] = std::move(hws);
  }
  return first;
}

void ReplicaManager::shutdown() {
  if (shut_down_.exchange(true)) return;
  {
    std::lock_guard lock(checkpoint_thread_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  purgatory_.stop();
  // Clean shutdown: each partition's producer state is written at its log end, so the next start
  // replays nothing to know every idempotent producer.
  for (const TopicPartition& tp : partitions()) {
    std::shared_ptr<Partition> partition = get_partition(tp);
    Status s = partition ? partition->take_producer_snapshot() : Status::ok();
    if (!s)
      spdlog::warn("{}-{}: producer-state snapshot at shutdown: {}", tp.topic, tp.partition,
                   s.to_string());
  }
  Status s = checkpoint_high_watermarks();
  if (!s) spdlog::error("high-watermark checkpoint at shutdown: {}", s.to_string());
}

Result<std::shared_ptr<Partition>> ReplicaManager::get_or_create_partition(
    const TopicPartition& tp, const PartitionSettings& settings) {
  if (std::shared_ptr<Partition> partition = get_partition(tp)) return partition;
  auto offline = [&](const Status& s) {
    std::unique_lock lock(mu_);
    offline_[tp] = s.to_string();
    return s;
  };
  auto log = options_.logs->get_or_create(tp, settings.log_config);
  if (!log.is_ok()) return offline(log.status());
  if (!settings.topic_id.is_zero()) {
    Status s = record_topic_id(tp, *log.value(), settings.topic_id);
    if (!s) return offline(s);
  }
  auto created = std::make_shared<Partition>(tp, std::move(log).value(), options_.node_id);
  Status rebuilt = created->rebuild_producer_state(options_.producer_state_scan_bytes);
  if (!rebuilt) return offline(rebuilt);
  {
    std::lock_guard lock(checkpoint_mu_);
    auto dir = restored_hws_.find(log_dir_of(tp, *created->log()));
    if (dir != restored_hws_.end()) {
      if (auto hw = dir->second.find(tp); hw != dir->second.end()) {
        created->restore_high_watermark(Offset(hw->second));
        dir->second.erase(hw);
      }
    }
  }
  std::unique_lock lock(mu_);
  offline_.erase(tp);
  auto [it, inserted] = partitions_.emplace(tp, created);
  return it->second;
}

Status ReplicaManager::record_topic_id(const TopicPartition& tp, const log::PartitionLog& log,
                                       const Uuid& topic_id) {
  EDDY_ASSIGN_OR_RETURN(std::optional<Uuid> recorded, read_partition_topic_id(log.dir()));
  if (!recorded) return write_partition_topic_id(log.dir(), topic_id);
  if (*recorded == topic_id) return Status::ok();
  // Kafka's InconsistentTopicIdException: the log is another topic's of the same name (start-up
  // deletes such stray logs; this guards whatever escaped it).
  return failed_precondition(fmt::format("the log of {}-{} belongs to topic id {}, not {}",
                                         tp.topic, tp.partition, recorded->to_base64(),
                                         topic_id.to_base64()));
}

Status ReplicaManager::become_leader(const TopicPartition& tp, LeaderEpoch epoch,
                                     std::vector<NodeId> isr, const PartitionSettings& settings) {
  ReplicaAssignment a;
  a.leader = options_.node_id.value();
  a.leader_epoch = epoch.value();
  for (NodeId r : isr) a.isr.push_back(r.value());
  a.replicas = a.isr;
  return apply_assignment(tp, a, settings).status();
}

Result<std::shared_ptr<Partition>> ReplicaManager::apply_assignment(
    const TopicPartition& tp, const ReplicaAssignment& a, const PartitionSettings& settings) {
  EDDY_ASSIGN_OR_RETURN(std::shared_ptr<Partition> partition,
                        get_or_create_partition(tp, settings));
  const ReplicaAssignment now = partition->assignment();
  const bool leads_here = a.leader == options_.node_id.value();
  if (leads_here) {
    if (partition->is_leader() && partition->leader_epoch().value() == a.leader_epoch) {
      partition->update_settings(settings);
      if (a.partition_epoch > now.partition_epoch) partition->update_assignment(a);
      return partition;
    }
    EDDY_RETURN_IF_ERROR(partition->become_leader(a, settings, options_.clock->monotonic_ms()));
    return partition;
  }
  if (!partition->is_leader() && now.leader == a.leader && now.leader_epoch == a.leader_epoch) {
    partition->update_settings(settings);
    if (a.partition_epoch > now.partition_epoch) partition->update_assignment(a);
    return partition;
  }
  partition->become_follower(a, settings);
  return partition;
}

void ReplicaManager::maybe_shrink_isrs() {
  std::vector<std::shared_ptr<Partition>> led;
  {
    std::shared_lock lock(mu_);
    for (const auto& [tp, p] : partitions_) {
      if (p->is_leader()) led.push_back(p);
    }
  }
  const int64_t now = options_.clock->monotonic_ms();
  for (const auto& p : led) {
    if (auto isr = p->maybe_shrink_isr(now, options_.replica_lag_time_max_ms)) {
      propose(*p, std::move(*isr));
    }
  }
}

void ReplicaManager::propose(const Partition& p, std::vector<int32_t> isr) {
  if (!options_.propose_isr) return;
  const ReplicaAssignment a = p.assignment();
  options_.propose_isr(p.tp(), a.leader_epoch, a.partition_epoch, std::move(isr));
}

void ReplicaManager::update_settings(const TopicPartition& tp, const PartitionSettings& settings) {
  if (auto p = get_partition(tp)) p->update_settings(settings);
}

Status ReplicaManager::remove_partition(const TopicPartition& tp, bool delete_log) {
  std::shared_ptr<Partition> partition;
  {
    std::unique_lock lock(mu_);
    offline_.erase(tp);
    auto it = partitions_.find(tp);
    if (it != partitions_.end()) {
      partition = std::move(it->second);
      partitions_.erase(it);
    }
  }
  if (partition) partition->stop_leading();
  if (delete_log) {
    // A checkpointed HW belongs to the log it was taken of, never to a later one of the name.
    std::lock_guard lock(checkpoint_mu_);
    for (auto& [dir, hws] : restored_hws_) hws.erase(tp);
  }
  if (delete_log && options_.logs->get(tp)) return options_.logs->remove(tp);
  return Status::ok();
}

int16_t ReplicaManager::missing_partition_error(const TopicPartition& tp) const {
  {
    std::shared_lock lock(mu_);
    if (offline_.count(tp) != 0) return to_int(ErrorCode::kKafkaStorageError);
  }
  if (options_.partition_exists && options_.partition_exists(tp)) {
    return to_int(ErrorCode::kNotLeaderOrFollower);
  }
  return to_int(ErrorCode::kUnknownTopicOrPartition);
}

std::shared_ptr<Partition> ReplicaManager::get_partition(const TopicPartition& tp) const {
  std::shared_lock lock(mu_);
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : it->second;
}

std::map<TopicPartition, OfflineReplica> ReplicaManager::offline_partitions() const {
  std::map<TopicPartition, OfflineReplica> out;
  {
    std::shared_lock lock(mu_);
    for (const auto& [tp, why] : offline_) {
      out[tp] = OfflineReplica{OfflineReplica::Cause::kLogUnavailable, why};
    }
  }
  if (options_.logs == nullptr) return out;
  for (const auto& tp : options_.logs->damaged_partitions()) {
    auto log = options_.logs->get(tp);
    if (!log || out.count(tp) != 0) continue;
    std::string reason;
    for (const auto& d : log->damaged_ranges()) {
      reason += fmt::format("{}damaged offsets [{}, {}) ({})", reason.empty() ? "" : "; ",
                            d.from.value(), d.to.value(), d.why);
    }
    out[tp] = OfflineReplica{OfflineReplica::Cause::kDamagedOffsets, std::move(reason)};
  }
  return out;
}

std::vector<TopicPartition> ReplicaManager::partitions() const {
  std::shared_lock lock(mu_);
  std::vector<TopicPartition> out;
  out.reserve(partitions_.size());
  for (const auto& [tp, p] : partitions_) out.push_back(tp);
  return out;
}

void ReplicaManager::append_records(std::vector<ProducePartitionInput> inputs, int16_t acks,
                                    int32_t timeout_ms, ProduceCallback callback,
                                    AppendOrigin origin) {
  std::vector<ProducePartitionResult> results;
  results.reserve(inputs.size());
  std::vector<DelayedProduce::Waiting> waiting;
  for (ProducePartitionInput& in : inputs) {
    ProducePartitionResult r;
    r.tp = in.tp;
    if (origin == AppendOrigin::kClient && metadata::is_internal_topic(in.tp.topic)) {
      r.error = to_int(ErrorCode::kInvalidTopicException);
      r.error_message = "Cannot append to internal topic " + in.tp.topic;
      results.push_back(std::move(r));
      continue;
    }
    std::shared_ptr<Partition> partition = get_partition(in.tp);
    if (!partition) {
      r.error = missing_partition_error(in.tp);
      results.push_back(std::move(r));
      continue;
    }
    LeaderAppendInfo info = partition->append_as_leader(in.records, acks);
    r.error = info.error;
    r.error_message = std::move(info.error_message);
    r.record_errors = std::move(info.record_errors);
    r.log_start_offset = partition->log_start_offset();
    if (info.error == to_int(ErrorCode::kNone)) {
      r.base_offset = info.base_offset;
      r.log_append_time_ms = info.log_append_time_ms;
      if (acks == -1) {
        waiting.push_back({partition, info.last_offset + 1, results.size()});
      }
    }
    results.push_back(std::move(r));
  }
  if (waiting.empty()) {
    callback(std::move(results));
    return;
  }
  auto op = std::make_shared<DelayedProduce>(options_.clock->monotonic_ms() + timeout_ms,
                                             std::move(results), waiting, std::move(callback));
  if (op->try_complete()) return;
  if (!purgatory_.watch(op)) {
    op->force_complete(true);
    return;
  }
  for (const DelayedProduce::Waiting& w : waiting) {
    w.partition->add_produce_waiter(w.required_offset, op);
  }
}

FetchPartitionResult ReplicaManager::read_partition(const FetchParams& params,
                                                    const FetchPartitionInput& in,
                                                    uint64_t max_bytes) const {
  FetchPartitionResult r;
  r.tp = in.tp;
  std::shared_ptr<Partition> partition;
  if (params.replica_id >= 0) {
    // A follower: validated before anything moves (replica set, leader epoch, divergence).
    partition = get_partition(in.tp);
    if (!partition) {
      r.error = missing_partition_error(in.tp);
      return r;
    }
    r.error =
        partition->check_follower_fetch(NodeId(params.replica_id), in.current_leader_epoch,
                                        in.fetch_offset, in.last_fetched_epoch, &r.diverging_epoch);
    if (r.error != to_int(ErrorCode::kNone)) return r;
  } else {
    partition = consumer_partition(params, in.tp, in.current_leader_epoch, &r.error);
    if (!partition) return r;
  }
  const Offset hw = partition->high_watermark();
  const Offset leo = partition->log_end_offset();
  const Offset start = partition->log_start_offset();
  r.high_watermark = hw;
  r.last_stable_offset = hw;  // no transactions: LSO = HW
  r.log_start_offset = start;
  if (r.diverging_epoch) return r;  // the follower truncates first; nothing to read
  if (params.client_metadata && partition->is_leader()) {
    r.preferred_read_replica =
        preferred_read_replica(*partition, *params.client_metadata, in.fetch_offset);
    if (r.preferred_read_replica >= 0) return r;  // no records: the consumer reads there
  }
  // Damaged offsets answer CORRUPT_MESSAGE, as Kafka's fetch does for a corrupt log, whether
  // or not they are still below the log end (recovery may have kept them aside): clients report
  // it to the application, where KAFKA_STORAGE_ERROR would make them retry silently for ever.
  if (in.fetch_offset >= start && partition->log()->damaged_at(in.fetch_offset)) {
    r.error = to_int(ErrorCode::kCorruptMessage);
    return r;
  }
  if (in.fetch_offset < start || in.fetch_offset > leo) {
    r.error = to_int(ErrorCode::kOffsetOutOfRange);
    return r;
  }
  // A follower replicates up to the LEO; a consumer reads only what the HW has made safe (on a
  // follower, its own HW: min(leader's HW, own LEO)).
  const Offset upper = params.replica_id >= 0 ? leo : hw;
  if (in.fetch_offset >= upper) return r;
  if (params.replica_id >= 0 && options_.leader_quota != nullptr &&
      options_.leader_quota->should_throttle(in.tp, [&] {
        const std::vector<NodeId> isr = partition->isr();
        return std::find(isr.begin(), isr.end(), NodeId(params.replica_id)) != isr.end();
      })) {
    return r;
  }
  Result<log::ReadResult> read = partition->log()->read(
      in.fetch_offset, max_bytes, upper,
      params.replica_id >= 0 ? log::ReadFor::kReplica : log::ReadFor::kConsumer);
  if (!read.is_ok()) {
    switch (read.status().code()) {
      case StatusCode::kOutOfRange:
        r.error = to_int(ErrorCode::kOffsetOutOfRange);
        break;
      case StatusCode::kCorruption:  // damage the read found (and the log recorded)
        r.error = to_int(ErrorCode::kCorruptMessage);
        break;
      default:
        r.error = to_int(ErrorCode::kKafkaStorageError);
    }
    return r;
  }
  r.records = std::move(read->records);
  return r;
}

void ReplicaManager::fetch(const FetchParams& params, std::vector<FetchPartitionInput> inputs,
                           FetchCallback callback) {
  if (params.replica_id >= 0) {
    for (const FetchPartitionInput& in : inputs) record_follower_fetch(params, in);
    if (ReplicationQuota* quota = options_.leader_quota) {
      // What the answer carries for throttled partitions counts against the leader quota.
      callback = [quota, cb = std::move(callback)](std::vector<FetchPartitionResult> results) {
        for (const FetchPartitionResult& r : results) {
          quota->record_if_throttled(r.tp, static_cast<int64_t>(r.records.length));
        }
        cb(std::move(results));
      };
    }
  }
  const int64_t deadline = options_.clock->monotonic_ms() + std::max(params.max_wait_ms, 0);
  auto op = std::make_shared<DelayedFetch>(deadline, this, params, inputs, std::move(callback));
  uint64_t bytes = 0;
  bool has_error = false;
  std::vector<FetchPartitionResult> first = op->read_all(&bytes, &has_error);
  if (params.max_wait_ms <= 0 || inputs.empty() || has_error ||
      bytes >= static_cast<uint64_t>(std::max(params.min_bytes, 1))) {
    op->complete_with(std::move(first));
    return;
  }
  if (!purgatory_.watch(op)) {
    op->force_complete(true);
    return;
  }
  for (const FetchPartitionInput& in : inputs) {
    if (auto p = get_partition(in.tp)) p->add_fetch_waiter(op);
  }
  // Data that arrived between the first read and the registration woke nobody.
  op->try_complete();
}

void ReplicaManager::record_follower_fetch(const FetchParams& params,
                                           const FetchPartitionInput& in) {
  std::shared_ptr<Partition> p = get_partition(in.tp);
  if (!p) return;
  std::optional<EpochAndOffset> diverging;
  const NodeId follower(params.replica_id);
  if (p->check_follower_fetch(follower, in.current_leader_epoch, in.fetch_offset,
                              in.last_fetched_epoch, &diverging) != to_int(ErrorCode::kNone) ||
      diverging) {
    return;  // refused or diverging: its fetch offset says nothing about what it holds
  }
  if (auto isr = p->update_follower_fetch_state(follower, in.fetch_offset, in.log_start_offset,
                                                options_.clock->monotonic_ms())) {
    propose(*p, std::move(*isr));
  }
}

std::shared_ptr<Partition> ReplicaManager::leader_partition(const TopicPartition& tp,
                                                            std::optional<LeaderEpoch> epoch,
                                                            int16_t* error) const {
  std::shared_ptr<Partition> partition = get_partition(tp);
  if (!partition) {
    *error = missing_partition_error(tp);
    return nullptr;
  }
  if (!partition->is_leader()) {
    *error = to_int(ErrorCode::kNotLeaderOrFollower);
    return nullptr;
  }
  if (epoch) {
    *error = partition->check_leader_epoch(*epoch);
    if (*error != to_int(ErrorCode::kNone)) return nullptr;
  }
  return partition;
}

std::shared_ptr<Partition> ReplicaManager::consumer_partition(const FetchParams& params,
                                                              const TopicPartition& tp,
                                                              LeaderEpoch epoch,
                                                              int16_t* error) const {
  if (!params.client_metadata) return leader_partition(tp, epoch, error);
  // Kafka's fetchOnlyFromLeader = false: any replica hosted here, leader epoch checked alike.
  std::shared_ptr<Partition> partition = get_partition(tp);
  if (!partition) {
    *error = missing_partition_error(tp);
    return nullptr;
  }
  *error = partition->check_leader_epoch(epoch);
  return *error == to_int(ErrorCode::kNone) ? partition : nullptr;
}

int32_t ReplicaManager::preferred_read_replica(const Partition& p, const ClientMetadata& client,
                                               Offset offset) const {
  // Only the rack-aware selector, for a client that names its rack, ever picks a follower: the
  // other answers skip the replica and rack lookups (asked for every consumer fetch).
  if (options_.replica_selector != ReplicaSelector::kRackAware || client.rack_id.empty() ||
      !options_.replica_rack) {
    return -1;
  }
  return broker::preferred_read_replica(
      options_.replica_selector, client, options_.node_id.value(), p.log_end_offset().value(),
      p.remote_replicas(), offset.value(), options_.clock->monotonic_ms(), options_.replica_rack);
}

ListOffsetResult ReplicaManager::list_offset(const TopicPartition& tp, int64_t timestamp,
                                             IsolationLevel /*isolation*/,
                                             LeaderEpoch current_leader_epoch) const {
  ListOffsetResult r;
  std::shared_ptr<Partition> partition = leader_partition(tp, current_leader_epoch, &r.error);
  if (!partition) return r;
  r.leader_epoch = partition->leader_epoch();
  // Without transactions the last stable offset equals the HW, so both isolation levels see the
  // same bound.
  const Offset hw = partition->high_watermark();
  if (timestamp == kEarliestTimestamp || timestamp == kEarliestLocalTimestamp) {
    r.offset = partition->log_start_offset();
    return r;
  }
  if (timestamp == kLatestTimestamp) {
    r.offset = hw;
    return r;
  }
  const log::PartitionLog& log = *partition->log();
  std::optional<log::TimestampOffset> found;
  if (timestamp == kLatestTieredTimestamp) {
    // found stays empty: offset -1, timestamp -1, leader epoch -1.
  } else if (timestamp == kMaxTimestamp) {
    found = partition->max_timestamp_offset();
  } else if (timestamp >= 0) {
    Result<std::optional<log::TimestampOffset>> lookup = log.offset_for_timestamp(timestamp);
    if (!lookup.is_ok()) {
      r.error = to_int(ErrorCode::kKafkaStorageError);
      return r;
    }
    found = *lookup;
    if (found) found = partition->first_record_at_or_after(found->offset, timestamp);
  } else {
    r.error = to_int(ErrorCode::kInvalidTimestamp);
    return r;
  }
  if (found && found->offset < hw) {
    r.timestamp_ms = found->timestamp_ms;
    r.offset = found->offset;
  } else {
    r.leader_epoch = LeaderEpoch(-1);
  }
  return r;
}

OffsetForLeaderEpochResult ReplicaManager::offset_for_leader_epoch(const TopicPartition& tp,
                                                                   LeaderEpoch current_leader_epoch,
                                                                   LeaderEpoch leader_epoch) const {
  OffsetForLeaderEpochResult r;
  std::shared_ptr<Partition> partition = leader_partition(tp, current_leader_epoch, &r.error);
  if (!partition) return r;
  log::EpochEndOffset e = partition->log()->end_offset_for_epoch(leader_epoch);
  r.leader_epoch = e.leader_epoch;
  r.end_offset = e.end_offset;
  return r;
}

}  // namespace eddy::broker
