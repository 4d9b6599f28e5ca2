#pragma once
// A PartitionLog in a temp directory on a ManualClock, reopened at will.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "log/partition_log.h"
#include "tests/unit/log/log_test_util.h"

namespace eddy::log::testing {

class LogFixture : public ::testing::Test {
 protected:
  // Preallocation off: these tests inspect and damage segment files at their logical end; the
  // preallocation tests turn it on (partition_log_preallocate_test.cc).
  LogFixture() {
    config_.segment_bytes = 1 << 20;
    config_.preallocate = false;
  }

  PartitionLogOptions options() {
    PartitionLogOptions o;
    o.dir = tmp_.path() + "/topic-0";
    o.config = config_;
    o.clock = &clock_;
    o.faults = &faults_;
    return o;
  }

  std::shared_ptr<PartitionLog> open(RecoveryReport* report = nullptr) {
    auto r = PartitionLog::open(options(), report);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
  }

  // Appends one batch of `records` records; returns its base offset.
  int64_t append(PartitionLog& log, int32_t records = 1, size_t payload = 100,
                 int64_t max_ts = 1'700'000'000'000, int32_t epoch = 0) {
    Bytes b = make_batch(records, payload, max_ts);
    auto r = log.append(b, LeaderEpoch(epoch));
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? r->base_offset.value() : -1;
  }

  // Reads everything readable from `offset` and returns the batch headers.
  std::vector<records::BatchHeader> read_all_from(const PartitionLog& log, int64_t offset,
                                                  uint64_t max_bytes = 1 << 30) {
    std::vector<records::BatchHeader> out;
    int64_t cur = offset;
    // Bounded: each read returns at least one batch or ends the loop.
    for (int i = 0; i < 100000 && cur < log.log_end_offset().value(); ++i) {
      auto r = log.read(Offset(cur), max_bytes, log.log_end_offset());
      EXPECT_TRUE(r.is_ok()) << r.status().to_string();
      if (!r.is_ok() || r->records.empty()) break;
      auto bytes = r->records.read_all();
      EXPECT_TRUE(bytes.is_ok());
      for (const auto& h : parse_batches(*bytes)) out.push_back(h);
      cur = r->next_offset.value();
    }
    return out;
  }

  std::string dir() const { return tmp_.path() + "/topic-0"; }

  TempDir tmp_;
  ManualClock clock_;
  FaultInjector faults_;
  LogConfig config_;
};

}  // namespace eddy::log::testing
