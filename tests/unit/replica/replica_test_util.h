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
#include "broker/replica/replica_types.h"
#include "common/bytes.h"
#include "protocol/records/batch_builder.h"

namespace eddy::broker::testing {

using eddy::testing::TempDir;

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
