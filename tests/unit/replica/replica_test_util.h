#pragma once
// Shared fixtures for the replica tests: temporary log directories, record batches and the
// outcome of the replica manager's callbacks.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "../../testing/temp_dir.h"
#include "broker/replica/replica_manager.h"
#include "broker/replica/replica_types.h"
#include "common/bytes.h"
#include "log/log_manager.h"
#include "protocol/records/batch_builder.h"

namespace eddy::broker::testing {

using eddy::testing::TempDir;

// A LogManager over the log dir `dir`, as the replica manager tests open one (nullptr, with the
// test failed, when it does not open).
inline std::unique_ptr<log::LogManager> open_log_manager(const std::string& dir) {
  log::LogManagerOptions lo;
  lo.log_dirs = {dir};
  auto logs = log::LogManager::open(lo);
  EXPECT_TRUE(logs.is_ok()) << logs.status().to_string();
  return logs.is_ok() ? std::move(*logs) : nullptr;
}

// The options of a replica manager on node 0 over `logs`; each test adds its own hooks.
inline ReplicaManagerOptions node0_options(log::LogManager* logs) {
  ReplicaManagerOptions ro;
  ro.node_id = NodeId(0);
  ro.logs = logs;
  return ro;
}

// Partition settings that flush on an interval: the tests' logs need no fsync per append.
inline PartitionSettings interval_flush_settings() {
  PartitionSettings s;
  s.log_config.flush_policy = log::FlushPolicy::kInterval;
  return s;
}

// One uncompressed batch of `count` records "v0".."v<count-1>".
inline Bytes make_batch(int count, int64_t producer_id = records::kNoProducerId,
                        int16_t producer_epoch = records::kNoProducerEpoch,
                        int32_t base_sequence = records::kNoSequence, int64_t timestamp_ms = 1000) {
  records::BatchOptions o;
  o.producer_id = producer_id;
  o.producer_epoch = producer_epoch;
  o.base_sequence = base_sequence;
  records::BatchBuilder b(o);
  for (int i = 0; i < count; ++i) {
    std::string value = std::to_string(i);
    value.insert(value.begin(), 'v');
    b.append(timestamp_ms + i, "k", value);
  }
  return b.build().value();
}

// Collects a callback's result; wait() is bounded so a lost completion fails the test.
template <typename T>
class Outcome {
 public:
  std::function<void(T)> callback() {
    return [this](T v) {
      std::lock_guard lock(mu_);
      value_ = std::move(v);
      ++calls_;
      cv_.notify_all();
    };
  }
  bool done() {
    std::lock_guard lock(mu_);
    return value_.has_value();
  }
  T wait() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [&] { return value_.has_value(); });
    EXPECT_TRUE(value_.has_value());
    return value_.value_or(T{});
  }
  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<T> value_;
  int calls_ = 0;
};

using ProduceOutcome = Outcome<std::vector<ProducePartitionResult>>;
using FetchOutcome = Outcome<std::vector<FetchPartitionResult>>;
using DeleteOutcome = Outcome<std::vector<DeleteRecordsResult>>;

}  // namespace eddy::broker::testing
