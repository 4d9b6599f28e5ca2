// ReplicaManager's DeleteRecords (Kafka's ReplicaManager.deleteRecords and DelayedDeleteRecords):
// the leader moves its own log start at once; the answer waits in the purgatory, like an acks=all
// produce, until the low watermark has reached the requested offset, i.e. until every live
// replica has moved its log start too (followers follow the leader's log start from their fetch
// answers and report theirs in their next fetch). Until then a consumer reading a follower
// (KIP-392), or a follower that becomes leader, could still serve the deleted records.
#include <algorithm>

#include "broker/replica/replica_manager.h"
#include "metadata/topic_name.h"
#include "protocol/errors.h"

namespace eddy::broker {

using protocol::ErrorCode;
using protocol::to_int;

namespace {

class DelayedDeleteRecords final : public DelayedOperation {
 public:
  struct Waiting {
    std::shared_ptr<Partition> partition;
    Offset required_offset;  // the low watermark that completes it
    size_t index;            // into results
  };

  DelayedDeleteRecords(int64_t deadline_ms, std::function<bool(int32_t)> alive,
                       std::vector<DeleteRecordsResult> results, std::vector<Waiting> waiting,
                       DeleteRecordsCallback callback)
      : DelayedOperation(deadline_ms),
        alive_(std::move(alive)),
        results_(std::move(results)),
        waiting_(std::move(waiting)),
        callback_(std::move(callback)) {}

  const std::vector<Waiting>& waiting() const { return waiting_; }

 protected:
  bool ready() override {
    return std::all_of(waiting_.begin(), waiting_.end(),
                       [this](const Waiting& w) { return done(w); });
  }

  void on_complete(bool /*expired*/) override {
    for (const Waiting& w : waiting_) {
      DeleteRecordsResult& r = results_[w.index];
      if (w.partition->has_failed()) {
        r.error = to_int(ErrorCode::kKafkaStorageError);
        r.low_watermark = Offset(-1);
      } else if (!w.partition->is_leader()) {
        r.error = to_int(ErrorCode::kNotLeaderOrFollower);
        r.low_watermark = Offset(-1);
      } else {
        r.low_watermark = w.partition->low_watermark(alive_);
        if (r.low_watermark < w.required_offset) r.error = to_int(ErrorCode::kRequestTimedOut);
      }
    }
    DeleteRecordsCallback cb = std::move(callback_);
    cb(std::move(results_));
  }

 private:
  bool done(const Waiting& w) const {
    return w.partition->has_failed() || !w.partition->is_leader() ||
           w.partition->low_watermark(alive_) >= w.required_offset;
  }

  const std::function<bool(int32_t)> alive_;
  std::vector<DeleteRecordsResult> results_;
  std::vector<Waiting> waiting_;
  DeleteRecordsCallback callback_;
};

}  // namespace

DeleteRecordsResult ReplicaManager::delete_records_on_leader(const TopicPartition& tp,
                                                             int64_t offset,
                                                             std::shared_ptr<Partition>* partition,
                                                             Offset* required) {
  DeleteRecordsResult r;
  r.tp = tp;
  if (metadata::is_internal_topic(tp.topic)) {
    r.error = to_int(ErrorCode::kInvalidTopicException);
    return r;
  }
  *partition = leader_partition(tp, std::nullopt, &r.error);
  if (!*partition) return r;
  const Offset hw = (*partition)->high_watermark();
  const Offset target = offset == -1 ? hw : Offset(offset);
  if (target.value() < 0 || target > hw) {
    r.error = to_int(ErrorCode::kOffsetOutOfRange);
    return r;
  }
  Status s = (*partition)->delete_records_before(target);
  if (!s.is_ok()) {
    r.error = s.code() == StatusCode::kOutOfRange ? to_int(ErrorCode::kOffsetOutOfRange)
                                                  : to_int(ErrorCode::kKafkaStorageError);
    return r;
  }
  *required = target;
  return r;
}

void ReplicaManager::delete_records(std::vector<DeleteRecordsInput> inputs, int32_t timeout_ms,
                                    DeleteRecordsCallback callback) {
  std::vector<DeleteRecordsResult> results;
  std::vector<DelayedDeleteRecords::Waiting> waiting;
  for (const DeleteRecordsInput& in : inputs) {
    std::shared_ptr<Partition> partition;
    Offset required{-1};
    results.push_back(delete_records_on_leader(in.tp, in.offset, &partition, &required));
    if (results.back().error == to_int(ErrorCode::kNone)) {
      waiting.push_back({std::move(partition), required, results.size() - 1});
    }
  }
  auto op = std::make_shared<DelayedDeleteRecords>(
      options_.clock->monotonic_ms() + std::max(timeout_ms, 0), options_.broker_alive,
      std::move(results), waiting, std::move(callback));
  // Kafka's tryCompleteElseWatch: a single replica, or followers that already follow, answer
  // now; so do requests whose every partition failed.
  if (op->try_complete()) return;
  if (!purgatory_.watch(op)) {
    op->force_complete(true);
    return;
  }
  for (const DelayedDeleteRecords::Waiting& w : op->waiting()) {
    w.partition->add_delete_records_waiter(op);
  }
  // A follower fetch between the first try and the registration woke nobody.
  op->try_complete();
}

void ReplicaManager::broker_liveness_changed() {
  for (const TopicPartition& tp : partitions()) {
    if (std::shared_ptr<Partition> p = get_partition(tp)) p->try_delete_records_waiters();
  }
}

}  // namespace eddy::broker
