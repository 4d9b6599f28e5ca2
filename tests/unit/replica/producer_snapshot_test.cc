// Idempotent-producer state across restarts: the producer-state snapshots a partition writes at
// each segment roll and at clean shutdown, loaded at start and followed by a replay of the log
// from the snapshot's offset (see docs/storage.md, "Producer-state snapshots").
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "broker/replica/partition.h"
#include "broker/replica/producer_state.h"
#include "protocol/errors.h"
#include "tests/unit/replica/replica_test_util.h"

namespace eddy::broker {
namespace {

namespace fs = std::filesystem;
using testing::make_batch;

constexpr int64_t kPid = 77;
// Small segments: a few batches fill one.
constexpr int64_t kSegmentBytes = 1024;
// Without a snapshot the load replays about this much of the log's tail: the newest segment.
constexpr uint64_t kScanBytes = kSegmentBytes;

class ProducerSnapshotTest : public ::testing::Test {
 protected:
  std::string log_dir() const { return dir_.path() + "/t-0"; }

  // Opens the log, builds the partition and loads its producer state as ReplicaManager does.
  // `leader` false: the partition follows (the replica fetcher appends).
  std::shared_ptr<Partition> open(bool leader = true, uint64_t scan_bytes = kScanBytes) {
    log::PartitionLogOptions o;
    o.dir = log_dir();
    o.config.flush_policy = log::FlushPolicy::kInterval;
    o.config.segment_bytes = kSegmentBytes;
    auto log = log::PartitionLog::open(o);
    EXPECT_TRUE(log.is_ok()) << log.status().to_string();
    log_ = *log;
    auto p = std::make_shared<Partition>(TopicPartition{"t", 0}, log_, NodeId(0));
    EXPECT_TRUE(p->rebuild_producer_state(scan_bytes).is_ok());
    PartitionSettings s;
    s.log_config = o.config;
    if (leader) {
      EXPECT_TRUE(p->become_leader(LeaderEpoch(1), {NodeId(0)}, s).is_ok());
    } else {
      ReplicaAssignment a;
      a.leader = 1;
      a.leader_epoch = 1;
      a.replicas = {0, 1};
      a.isr = {0, 1};
      p->become_follower(a, s);
    }
    return p;
  }

  LeaderAppendInfo append(Partition& p, Bytes batch) {
    batches_.push_back(std::move(batch));
    return p.append_as_leader(MutableByteSpan(batches_.back()), 1);
  }

  // Producer kPid writes sequences 0..4 (one record each), then batches without a producer id
  // roll the log over several segments: its last batch lies segments before the log end.
  void write_producer_then_roll(Partition& p) {
    for (int32_t seq = 0; seq < 5; ++seq) {
      ASSERT_EQ(append(p, make_batch(1, kPid, 0, seq)).error, 0);
    }
    while (log_->segment_count() < 5) ASSERT_EQ(append(p, make_batch(4)).error, 0);
  }

  std::vector<std::string> snapshot_files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(log_dir())) {
      std::string name = e.path().filename().string();
      if (name.ends_with(".snapshot")) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // A process stop without a clean shutdown: the log is dropped, not closed.
  void crash() { log_.reset(); }

  testing::TempDir dir_;
  std::shared_ptr<log::PartitionLog> log_;
  std::deque<Bytes> batches_;
};

TEST_F(ProducerSnapshotTest, RetryOfABatchInAnOlderSegmentIsADuplicateAfterARestart) {
  {
    auto p = open();
    write_producer_then_roll(*p);
    crash();
  }
  auto p = open();
  const Offset end = p->log_end_offset();
  // The producer's retry of its last batch (sequence 4, written at offset 4).
  LeaderAppendInfo retry = append(*p, make_batch(1, kPid, 0, 4));
  EXPECT_EQ(retry.error, 0);
  EXPECT_TRUE(retry.duplicate) << "the retry was appended again at " << retry.base_offset.value();
  EXPECT_EQ(retry.base_offset, Offset(4));
  EXPECT_EQ(p->log_end_offset(), end);
  // And its next batch continues the sequence.
  EXPECT_EQ(append(*p, make_batch(1, kPid, 0, 6)).error,
            protocol::to_int(protocol::ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(append(*p, make_batch(1, kPid, 0, 5)).error, 0);
}

TEST_F(ProducerSnapshotTest, CleanShutdownWritesASnapshotAtTheLogEnd) {
  {
    auto p = open();
    write_producer_then_roll(*p);
    ASSERT_TRUE(p->take_producer_snapshot().is_ok());
    ASSERT_TRUE(log_->close().is_ok());
    const std::string at_end = fmt::format("{:020d}.snapshot", p->log_end_offset().value());
    std::vector<std::string> names = snapshot_files();
    ASSERT_FALSE(names.empty());
    EXPECT_EQ(names.back(), at_end);
    log_.reset();
  }
  // Replaying nothing at all (scan_bytes 0) still knows the producer: the snapshot holds it.
  auto p = open(true, 0);
  EXPECT_EQ(p->producer_count(), 1u);
  EXPECT_TRUE(append(*p, make_batch(1, kPid, 0, 4)).duplicate);
}

TEST_F(ProducerSnapshotTest, AStopThatWouldAddNothingWritesNoSnapshot) {
  {
    // No idempotent producer: no state, so no snapshot, at a roll or at the stop.
    auto p = open();
    while (log_->segment_count() < 3) ASSERT_EQ(append(*p, make_batch(4)).error, 0);
    ASSERT_TRUE(p->take_producer_snapshot().is_ok());
    EXPECT_TRUE(snapshot_files().empty());
    ASSERT_EQ(append(*p, make_batch(1, kPid, 0, 0)).error, 0);
    ASSERT_TRUE(p->take_producer_snapshot().is_ok());
    ASSERT_EQ(snapshot_files().size(), 1u);
    crash();
  }
  // Restarted with no append since: the snapshot at the log end is the state; not rewritten.
  const std::string path = log_dir() + "/" + snapshot_files().back();
  const auto written = fs::last_write_time(path);
  auto p = open();
  fs::last_write_time(path, written - std::chrono::hours(1));
  ASSERT_TRUE(p->take_producer_snapshot().is_ok());
  EXPECT_EQ(fs::last_write_time(path), written - std::chrono::hours(1));
  EXPECT_EQ(snapshot_files().size(), 1u);
}

TEST_F(ProducerSnapshotTest, ACorruptSnapshotIsIgnoredAndAnOlderOneIsReplayedFrom) {
  {
    auto p = open();
    write_producer_then_roll(*p);
    crash();
  }
  std::vector<std::string> names = snapshot_files();
  ASSERT_GE(names.size(), 2u);
  {
    // Flip a byte in the middle of the newest snapshot.
    std::fstream f(log_dir() + "/" + names.back(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x5a');
  }
  auto p = open();
  EXPECT_TRUE(append(*p, make_batch(1, kPid, 0, 4)).duplicate);
  // The unreadable file is gone: a later snapshot at its offset is written anew.
  for (const std::string& n : snapshot_files()) EXPECT_NE(n, names.back());
}

TEST_F(ProducerSnapshotTest, SnapshotsPastTheLogEndAreDeletedAtLoad) {
  {
    auto p = open();
    write_producer_then_roll(*p);
    crash();
  }
  // A snapshot of offsets the log lost (written before a crash took back unflushed data).
  std::vector<std::string> names = snapshot_files();
  ASSERT_FALSE(names.empty());
  const std::string future = fmt::format("{:020d}.snapshot", 1'000'000);
  fs::copy_file(log_dir() + "/" + names.back(), log_dir() + "/" + future);
  auto p = open();
  for (const std::string& n : snapshot_files()) EXPECT_NE(n, future);
  EXPECT_TRUE(append(*p, make_batch(1, kPid, 0, 4)).duplicate);
}

TEST_F(ProducerSnapshotTest, FollowerAppendsKeepTheSameStateAcrossARestart) {
  // The leader's log, copied batch by batch into a follower as its replica fetcher does.
  std::vector<Bytes> copied;
  {
    auto p = open();
    write_producer_then_roll(*p);
    for (Bytes& b : batches_) copied.push_back(b);  // assigned offsets in place
    crash();
  }
  fs::remove_all(log_dir());
  batches_.clear();
  {
    auto f = open(/*leader=*/false);
    for (const Bytes& b : copied) ASSERT_TRUE(f->append_as_follower(ByteSpan(b)).is_ok());
    crash();
  }
  // The follower restarts and becomes the leader: the retry is still a duplicate.
  auto p = open();
  LeaderAppendInfo retry = append(*p, make_batch(1, kPid, 0, 4));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, Offset(4));
}

TEST_F(ProducerSnapshotTest, TruncationDeletesTheSnapshotsPastTheNewLogEnd) {
  std::vector<Bytes> copied;
  {
    auto p = open();
    write_producer_then_roll(*p);
    for (Bytes& b : batches_) copied.push_back(b);
    crash();
  }
  fs::remove_all(log_dir());
  batches_.clear();
  auto f = open(/*leader=*/false);
  for (const Bytes& b : copied) ASSERT_TRUE(f->append_as_follower(ByteSpan(b)).is_ok());
  ASSERT_FALSE(snapshot_files().empty());
  ASSERT_TRUE(f->truncate_to(Offset(3)).is_ok());
  EXPECT_TRUE(snapshot_files().empty());
  // The truncated producer state forgets sequences 3 and 4.
  ASSERT_TRUE(f->take_producer_snapshot().is_ok());
  crash();
  auto p = open();
  EXPECT_EQ(append(*p, make_batch(1, kPid, 0, 3)).error, 0);
}

records::BatchHeader header(int64_t pid, int16_t epoch, int32_t seq) {
  records::BatchHeader h;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.last_offset_delta = 0;
  h.records_count = 1;
  return h;
}

TEST(ProducerStateSerialization, RoundTripKeepsBatchesEpochsAndEvictionOrder) {
  ProducerStateTable t;
  for (int32_t seq = 0; seq < 7; ++seq) t.record(header(1, 3, seq), Offset(seq), Offset(seq));
  t.record(header(2, 0, 0), Offset(7), Offset(7));
  ProducerStateTable back;
  ASSERT_TRUE(ProducerStateTable::parse(t.serialize(), &back).is_ok());
  ASSERT_EQ(back.producer_count(), 2u);
  const ProducerEntry* e = back.find(1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->epoch, 3);
  ASSERT_EQ(e->batches.size(), kBatchesPerProducer);
  EXPECT_EQ(e->batches.front().first_sequence, 2);
  EXPECT_EQ(e->batches.back().last_offset, Offset(6));
  // Producer 1 was written least recently: it is still the older of the two.
  EXPECT_LT(back.find(1)->last_write_seq, back.find(2)->last_write_seq);
  EXPECT_TRUE(back.check(header(1, 3, 6)).duplicate);
}

TEST(ProducerStateSerialization, MalformedBodiesAreCorruptionAndLeaveTheTableAlone) {
  ProducerStateTable t;
  t.record(header(1, 0, 0), Offset(0), Offset(0));
  const Bytes good = t.serialize();
  ProducerStateTable out;
  out.record(header(9, 0, 0), Offset(0), Offset(0));
  auto expect_corrupt = [&](Bytes bytes) {
    Status s = ProducerStateTable::parse(bytes, &out);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.to_string();
  };
  expect_corrupt(Bytes(good.begin(), good.end() - 1));  // cut short
  Bytes extra = good;
  extra.push_back(0);
  expect_corrupt(extra);  // trailing bytes
  Bytes count = good;
  store_be32(count.data(), 2);
  expect_corrupt(count);  // more producers than present
  Bytes huge = good;
  store_be32(huge.data(), 0xFFFFFFFF);
  expect_corrupt(huge);  // a count no partition keeps
  Bytes no_batches = good;
  store_be32(no_batches.data() + 4 + 10, 0);
  expect_corrupt(no_batches);  // a producer without batches
  Bytes twice(4 + 2 * (good.size() - 4));
  store_be32(twice.data(), 2);
  std::copy(good.begin() + 4, good.end(), twice.begin() + 4);
  std::copy(good.begin() + 4, good.end(), twice.begin() + good.size());
  expect_corrupt(twice);  // one producer id twice
  EXPECT_EQ(out.producer_count(), 1u);
  EXPECT_NE(out.find(9), nullptr);
}

}  // namespace
}  // namespace eddy::broker
