#include "broker/replica/replica_manager.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include "protocol/errors.h"
#include "tests/unit/replica/replica_test_util.h"

namespace eddy::broker {
namespace {

using protocol::ErrorCode;
using protocol::to_int;
using testing::DeleteOutcome;
using testing::FetchOutcome;
using testing::make_batch;
using testing::ProduceOutcome;

// A fetch from follower broker `id`.
FetchParams follower_params(int32_t id) {
  FetchParams fp;
  fp.replica_id = id;
  return fp;
}

class ReplicaManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logs_ = testing::open_log_manager(dir_.path());
    ASSERT_NE(logs_, nullptr);
    ReplicaManagerOptions ro = testing::node0_options(logs_.get());
    ro.clock = &clock_;
    ro.propose_isr = [this](const TopicPartition&, int32_t, int32_t, std::vector<int32_t> isr) {
      proposals_.push_back(std::move(isr));
    };
    ro.broker_alive = [this](int32_t broker) { return !dead_.contains(broker); };
    rm_ = std::make_unique<ReplicaManager>(ro);
  }
  void TearDown() override {
    rm_->shutdown();
    (void)logs_->shutdown();
  }

  void lead(const std::string& topic, log::FlushPolicy policy,
            std::vector<NodeId> isr = {NodeId(0)}) {
    PartitionSettings s;
    s.log_config.flush_policy = policy;
    ASSERT_TRUE(rm_->become_leader({topic, 0}, LeaderEpoch(3), std::move(isr), s).is_ok());
  }

  std::vector<ProducePartitionResult> produce(const std::string& topic, Bytes batch,
                                              int16_t acks = 1) {
    ProduceOutcome out;
    batches_.push_back(std::move(batch));
    rm_->append_records({{TopicPartition{topic, 0}, MutableByteSpan(batches_.back())}}, acks,
                        30'000, out.callback());
    return out.wait();
  }

  // Follower 1's fetch at `offset`, in `current` epoch, its log last written in `last_fetched`.
  std::vector<FetchPartitionResult> follower_fetch(const std::string& topic, int64_t offset,
                                                   LeaderEpoch current, LeaderEpoch last_fetched) {
    FetchPartitionInput in = at(topic, offset);
    in.current_leader_epoch = current;
    in.last_fetched_epoch = last_fetched;
    FetchOutcome out;
    rm_->fetch(follower_params(1), {in}, out.callback());
    return out.wait();
  }

  // DeleteRecords on partition 0 of `topic`, started (its answer comes later).
  void delete_records(const std::string& topic, int64_t offset, DeleteOutcome* out,
                      int32_t timeout_ms = 1000) {
    rm_->delete_records({{TopicPartition{topic, 0}, offset}}, timeout_ms, out->callback());
  }
  DeleteRecordsResult delete_records(const std::string& topic, int64_t offset) {
    DeleteOutcome out;
    delete_records(topic, offset, &out);
    return out.wait()[0];
  }

  // Follower `id`'s fetch at `offset` reporting that its log starts at `log_start`.
  void report(int32_t id, const std::string& topic, int64_t offset, int64_t log_start) {
    FetchPartitionInput in = at(topic, offset);
    in.log_start_offset = Offset(log_start);
    FetchOutcome out;
    rm_->fetch(follower_params(id), {in}, out.callback());
    out.wait();
  }

  // Leads partition 0 of `topic` with followers 1 and 2 in the ISR, holding `records` records
  // the followers have fetched (so the HW covers them), their log starts at 0.
  void lead_three(const std::string& topic, int records) {
    ASSERT_TRUE(
        rm_->apply_assignment({topic, 0}, led_here({0, 1, 2}, {0, 1, 2}), interval_settings())
            .is_ok());
    ASSERT_EQ(produce(topic, make_batch(records))[0].error, 0);
    report(1, topic, records, 0);
    report(2, topic, records, 0);
    ASSERT_EQ(rm_->get_partition({topic, 0})->high_watermark(), Offset(records));
  }

  static PartitionSettings interval_settings() {
    PartitionSettings s;
    s.log_config.flush_policy = log::FlushPolicy::kInterval;
    return s;
  }
  // Led by this node (0) at leader epoch 1, partition epoch 1.
  static ReplicaAssignment led_here(std::vector<int32_t> replicas, std::vector<int32_t> isr) {
    ReplicaAssignment a;
    a.leader = 0;
    a.leader_epoch = 1;
    a.partition_epoch = 1;
    a.replicas = std::move(replicas);
    a.isr = std::move(isr);
    return a;
  }
  // Replicas 0 (this node) and 1, led by 1 at epoch 4.
  static ReplicaAssignment led_by_1() {
    ReplicaAssignment a;
    a.leader = 1;
    a.leader_epoch = 4;
    a.replicas = {0, 1};
    a.isr = {0, 1};
    return a;
  }

  FetchPartitionInput at(const std::string& topic, int64_t offset) {
    FetchPartitionInput in;
    in.tp = TopicPartition{topic, 0};
    in.fetch_offset = Offset(offset);
    return in;
  }

  testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<log::LogManager> logs_;
  std::unique_ptr<ReplicaManager> rm_;
  std::deque<Bytes> batches_;
  std::vector<std::vector<int32_t>> proposals_;  // ISR changes proposed to the controller
  std::set<int32_t> dead_;                       // brokers broker_alive says are not alive
};

TEST_F(ReplicaManagerTest, AcksOneAnswersWithTheBaseOffset) {
  lead("t", log::FlushPolicy::kInterval);
  ASSERT_EQ(produce("t", make_batch(3))[0].error, 0);
  auto r = produce("t", make_batch(2));
  EXPECT_EQ(r[0].error, 0);
  EXPECT_EQ(r[0].base_offset, Offset(3));
  EXPECT_EQ(r[0].log_start_offset, Offset(0));
}

TEST_F(ReplicaManagerTest, UnknownPartitionIsReported) {
  auto r = produce("missing", make_batch(1));
  EXPECT_EQ(r[0].error, to_int(ErrorCode::kUnknownTopicOrPartition));
}

TEST_F(ReplicaManagerTest, PartitionWhoseLogCannotBeOpenedIsOfflineUntilItOpens) {
  // A file where the partition's directory belongs: its log cannot be opened.
  const std::string blocker = dir_.path() + "/t-0";
  { std::ofstream(blocker) << "x"; }
  PartitionSettings s;
  EXPECT_FALSE(rm_->become_leader({"t", 0}, LeaderEpoch(1), {NodeId(0)}, s).is_ok());
  auto offline = rm_->offline_partitions();
  ASSERT_EQ(offline.count({"t", 0}), 1u);
  EXPECT_EQ(offline.at({"t", 0}).cause, OfflineReplica::Cause::kLogUnavailable);
  EXPECT_NE(offline.at({"t", 0}).reason.find(blocker), std::string::npos)
      << offline.at({"t", 0}).reason;
  EXPECT_EQ(produce("t", make_batch(1))[0].error, to_int(ErrorCode::kKafkaStorageError));
  std::filesystem::remove(blocker);
  ASSERT_TRUE(rm_->become_leader({"t", 0}, LeaderEpoch(1), {NodeId(0)}, s).is_ok());
  EXPECT_TRUE(rm_->offline_partitions().empty());
  EXPECT_EQ(produce("t", make_batch(1))[0].error, 0);
}

TEST_F(ReplicaManagerTest, PartitionWithDamagedOffsetsIsOfflineForThatCause) {
  // An unreadable partition.damage holds the whole log damaged (docs/storage.md): the log opens,
  // so the replica is offline for damaged offsets, not for an unavailable log.
  std::filesystem::create_directories(dir_.path() + "/t-1");
  { std::ofstream(dir_.path() + "/t-1/partition.damage") << "not a checkpoint\n"; }
  ASSERT_TRUE(rm_->become_leader({"t", 1}, LeaderEpoch(1), {NodeId(0)}, {}).is_ok());
  auto offline = rm_->offline_partitions();
  ASSERT_EQ(offline.count({"t", 1}), 1u);
  EXPECT_EQ(offline.at({"t", 1}).cause, OfflineReplica::Cause::kDamagedOffsets);
  EXPECT_NE(offline.at({"t", 1}).reason.find("partition.damage"), std::string::npos)
      << offline.at({"t", 1}).reason;
}

TEST_F(ReplicaManagerTest, OnlyTheCoordinatorAppendsToAnInternalTopic) {
  lead("__consumer_offsets", log::FlushPolicy::kInterval);
  auto r = produce("__consumer_offsets", make_batch(1));
  EXPECT_EQ(r[0].error, to_int(ErrorCode::kInvalidTopicException));
  EXPECT_EQ(rm_->get_partition({"__consumer_offsets", 0})->log_end_offset(), Offset(0));
  ProduceOutcome out;
  batches_.push_back(make_batch(1));
  rm_->append_records({{TopicPartition{"__consumer_offsets", 0}, MutableByteSpan(batches_.back())}},
                      1, 30'000, out.callback(), AppendOrigin::kCoordinator);
  EXPECT_EQ(out.wait()[0].error, 0);
  EXPECT_EQ(delete_records("__consumer_offsets", -1).error,
            to_int(ErrorCode::kInvalidTopicException));
}

TEST_F(ReplicaManagerTest, AcksAllAnswersOnceTheBatchIsDurable) {
  lead("t", log::FlushPolicy::kSync);
  auto r = produce("t", make_batch(3), /*acks=*/-1);
  ASSERT_EQ(r[0].error, 0);
  EXPECT_EQ(r[0].base_offset, Offset(0));
  // The answer came from the durability callback, so the HW already covers the batch.
  EXPECT_EQ(rm_->get_partition({"t", 0})->high_watermark(), Offset(3));
}

TEST_F(ReplicaManagerTest, AcksAllTimesOutWhenTheIsrNeverCatchesUp) {
  lead("t", log::FlushPolicy::kInterval, {NodeId(0), NodeId(1)});
  ProduceOutcome out;
  batches_.push_back(make_batch(1));
  rm_->append_records({{TopicPartition{"t", 0}, MutableByteSpan(batches_.back())}}, -1, 1000,
                      out.callback());
  EXPECT_FALSE(out.done());
  clock_.advance_ms(1000);
  EXPECT_EQ(rm_->purgatory().expire_due(), 1u);
  auto r = out.wait();
  EXPECT_EQ(r[0].error, to_int(ErrorCode::kRequestTimedOut));
  EXPECT_EQ(out.calls(), 1);
}

TEST_F(ReplicaManagerTest, AcksAllCompletesWhenTheFollowerCatchesUp) {
  lead("t", log::FlushPolicy::kInterval, {NodeId(0), NodeId(1)});
  ProduceOutcome out;
  batches_.push_back(make_batch(2));
  rm_->append_records({{TopicPartition{"t", 0}, MutableByteSpan(batches_.back())}}, -1, 1000,
                      out.callback());
  EXPECT_FALSE(out.done());
  FetchOutcome follower;
  FetchParams fp;
  fp.replica_id = 1;
  rm_->fetch(fp, {at("t", 2)}, follower.callback());
  auto r = out.wait();
  EXPECT_EQ(r[0].error, 0);
  EXPECT_EQ(r[0].base_offset, Offset(0));
}

TEST_F(ReplicaManagerTest, FetchAnswersAtOnceWhenDataIsThere) {
  lead("t", log::FlushPolicy::kInterval);
  ASSERT_EQ(produce("t", make_batch(5))[0].error, 0);
  FetchOutcome out;
  FetchParams fp;
  fp.max_wait_ms = 500;
  fp.min_bytes = 1;
  rm_->fetch(fp, {at("t", 0)}, out.callback());
  ASSERT_TRUE(out.done());
  auto r = out.wait();
  EXPECT_EQ(r[0].error, 0);
  EXPECT_EQ(r[0].high_watermark, Offset(5));
  EXPECT_GT(r[0].records.length, 0u);
}

TEST_F(ReplicaManagerTest, LongPollIsWokenByAnAppend) {
  lead("t", log::FlushPolicy::kInterval);
  FetchOutcome out;
  FetchParams fp;
  fp.max_wait_ms = 60'000;
  fp.min_bytes = 1;
  rm_->fetch(fp, {at("t", 0)}, out.callback());
  EXPECT_FALSE(out.done());
  ASSERT_EQ(produce("t", make_batch(1))[0].error, 0);
  auto r = out.wait();
  EXPECT_EQ(r[0].error, 0);
  EXPECT_GT(r[0].records.length, 0u);
}

TEST_F(ReplicaManagerTest, LongPollStaysParkedUntilMinBytesArrive) {
  // Each high-watermark advance tries the parked fetch; one that finds too few bytes must stay
  // registered for the next (it used to be dropped, and answered only at max_wait).
  lead("t", log::FlushPolicy::kInterval);
  FetchOutcome out;
  FetchParams fp;
  fp.max_wait_ms = 60'000;
  fp.min_bytes = static_cast<int32_t>(make_batch(1).size()) + 1;
  rm_->fetch(fp, {at("t", 0)}, out.callback());
  ASSERT_EQ(produce("t", make_batch(1))[0].error, 0);
  EXPECT_FALSE(out.done());
  ASSERT_EQ(produce("t", make_batch(1))[0].error, 0);
  auto r = out.wait();
  EXPECT_EQ(r[0].error, 0);
  EXPECT_GT(r[0].records.length, static_cast<uint64_t>(fp.min_bytes) - 1);
}

TEST_F(ReplicaManagerTest, LongPollAnswersEmptyAtMaxWait) {
  lead("t", log::FlushPolicy::kInterval);
  FetchOutcome out;
  FetchParams fp;
  fp.max_wait_ms = 500;
  fp.min_bytes = 1;
  rm_->fetch(fp, {at("t", 0)}, out.callback());
  EXPECT_FALSE(out.done());
  clock_.advance_ms(500);
  rm_->purgatory().expire_due();
  auto r = out.wait();
  EXPECT_EQ(r[0].error, 0);
  EXPECT_TRUE(r[0].records.empty());
}

TEST_F(ReplicaManagerTest, ConsumerNeverReadsAboveTheHighWatermark) {
  lead("t", log::FlushPolicy::kInterval, {NodeId(0), NodeId(1)});
  ASSERT_EQ(produce("t", make_batch(3))[0].error, 0);
  FetchOutcome consumer;
  rm_->fetch(FetchParams{}, {at("t", 0)}, consumer.callback());
  auto c = consumer.wait();
  EXPECT_EQ(c[0].high_watermark, Offset(0));
  EXPECT_TRUE(c[0].records.empty());
  FetchOutcome follower;
  FetchParams fp;
  fp.replica_id = 1;
  rm_->fetch(fp, {at("t", 0)}, follower.callback());
  EXPECT_GT(follower.wait()[0].records.length, 0u);
}

TEST_F(ReplicaManagerTest, FetchOutsideTheLogIsOffsetOutOfRange) {
  lead("t", log::FlushPolicy::kInterval);
  ASSERT_EQ(produce("t", make_batch(2))[0].error, 0);
  FetchOutcome out;
  rm_->fetch(FetchParams{}, {at("t", 7)}, out.callback());
  auto r = out.wait();
  EXPECT_EQ(r[0].error, to_int(ErrorCode::kOffsetOutOfRange));
  EXPECT_EQ(r[0].log_start_offset, Offset(0));
  EXPECT_EQ(r[0].high_watermark, Offset(2));
}

TEST_F(ReplicaManagerTest, ListOffsetsEarliestLatestAndByTime) {
  lead("t", log::FlushPolicy::kInterval);
  ASSERT_EQ(produce("t", make_batch(3, -1, -1, -1, 1000))[0].error, 0);
  ASSERT_EQ(produce("t", make_batch(3, -1, -1, -1, 2000))[0].error, 0);
  const auto ru = IsolationLevel::kReadUncommitted;
  EXPECT_EQ(rm_->list_offset({"t", 0}, kEarliestTimestamp, ru, LeaderEpoch(-1)).offset, Offset(0));
  EXPECT_EQ(rm_->list_offset({"t", 0}, kLatestTimestamp, ru, LeaderEpoch(-1)).offset, Offset(6));
  // Record timestamps are 1000,1001,1002 then 2000,2001,2002: 1001 is inside the first batch.
  ListOffsetResult mid = rm_->list_offset({"t", 0}, 1001, ru, LeaderEpoch(-1));
  EXPECT_EQ(mid.offset, Offset(1));
  EXPECT_EQ(mid.timestamp_ms, 1001);
  EXPECT_EQ(rm_->list_offset({"t", 0}, 2001, ru, LeaderEpoch(-1)).offset, Offset(4));
  EXPECT_EQ(rm_->list_offset({"t", 0}, 9999, ru, LeaderEpoch(-1)).offset, Offset(-1));
  ListOffsetResult max = rm_->list_offset({"t", 0}, kMaxTimestamp, ru, LeaderEpoch(-1));
  EXPECT_EQ(max.offset, Offset(5));
  EXPECT_EQ(max.timestamp_ms, 2002);
}

TEST_F(ReplicaManagerTest, DeleteRecordsMovesTheLogStartOffset) {
  lead("t", log::FlushPolicy::kInterval);
  ASSERT_EQ(produce("t", make_batch(5))[0].error, 0);
  EXPECT_EQ(delete_records("t", 6).error, to_int(ErrorCode::kOffsetOutOfRange));
  DeleteRecordsResult r = delete_records("t", 3);
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.low_watermark, Offset(3));
  FetchOutcome out;
  rm_->fetch(FetchParams{}, {at("t", 1)}, out.callback());
  EXPECT_EQ(out.wait()[0].error, to_int(ErrorCode::kOffsetOutOfRange));
}

// Kafka's DelayedDeleteRecords: the answer waits until every live replica moved its log start.
TEST_F(ReplicaManagerTest, DeleteRecordsAnswersOnceEveryReplicaMovedItsLogStart) {
  lead_three("t", 5);
  DeleteOutcome out;
  delete_records("t", 3, &out);
  EXPECT_FALSE(out.done());
  EXPECT_EQ(rm_->get_partition({"t", 0})->log_start_offset(), Offset(3));
  report(1, "t", 5, 3);
  EXPECT_FALSE(out.done());  // follower 2 still holds offsets 0..2
  report(2, "t", 5, 3);
  std::vector<DeleteRecordsResult> r = out.wait();
  EXPECT_EQ(r[0].error, 0);
  EXPECT_EQ(r[0].low_watermark, Offset(3));
  EXPECT_EQ(out.calls(), 1);
  // Already reached: the next one answers at once.
  EXPECT_EQ(delete_records("t", 2).low_watermark, Offset(3));
}

TEST_F(ReplicaManagerTest, DeleteRecordsTimesOutWhileALiveReplicaKeepsItsLogStart) {
  lead_three("t", 5);
  DeleteOutcome out;
  delete_records("t", -1, &out, /*timeout_ms=*/1000);
  report(1, "t", 5, 5);
  EXPECT_FALSE(out.done());
  clock_.advance_ms(1000);
  EXPECT_EQ(rm_->purgatory().expire_due(), 1u);
  std::vector<DeleteRecordsResult> r = out.wait();
  EXPECT_EQ(r[0].error, to_int(ErrorCode::kRequestTimedOut));
  EXPECT_EQ(r[0].low_watermark, Offset(0));  // follower 2's
  EXPECT_EQ(out.calls(), 1);
}

TEST_F(ReplicaManagerTest, DeleteRecordsDoesNotWaitForAReplicaWhoseBrokerIsNotAlive) {
  lead_three("t", 5);
  DeleteOutcome out;
  delete_records("t", 4, &out);
  report(1, "t", 5, 4);
  EXPECT_FALSE(out.done());
  // Broker 2 is fenced: the metadata tells the replica manager, and it no longer counts.
  dead_.insert(2);
  rm_->broker_liveness_changed();
  std::vector<DeleteRecordsResult> r = out.wait();
  EXPECT_EQ(r[0].error, 0);
  EXPECT_EQ(r[0].low_watermark, Offset(4));
}

// A parked follower fetch answers when the leader's log start moves, so the follower follows it
// at once rather than after replica.fetch.wait.max.ms.
TEST_F(ReplicaManagerTest, DeleteRecordsAnswersTheParkedFollowerFetches) {
  lead_three("t", 5);
  FetchPartitionInput in = at("t", 5);
  in.log_start_offset = Offset(0);
  FetchParams params = follower_params(1);
  params.max_wait_ms = 30'000;
  params.min_bytes = 1;
  FetchOutcome parked;
  rm_->fetch(params, {in}, parked.callback());
  EXPECT_FALSE(parked.done());
  DeleteOutcome out;
  delete_records("t", 4, &out);
  std::vector<FetchPartitionResult> r = parked.wait();
  EXPECT_EQ(r[0].error, 0);
  EXPECT_EQ(r[0].log_start_offset, Offset(4));
  EXPECT_TRUE(r[0].records.empty());
  report(1, "t", 5, 4);
  report(2, "t", 5, 4);
  EXPECT_EQ(out.wait()[0].low_watermark, Offset(4));
}

TEST_F(ReplicaManagerTest, WaitingDeleteRecordsAnswersNotLeaderWhenLeadershipMoves) {
  lead_three("t", 5);
  DeleteOutcome out;
  delete_records("t", 4, &out);
  EXPECT_FALSE(out.done());
  rm_->get_partition({"t", 0})->stop_leading();
  std::vector<DeleteRecordsResult> r = out.wait();
  EXPECT_EQ(r[0].error, to_int(ErrorCode::kNotLeaderOrFollower));
  EXPECT_EQ(r[0].low_watermark, Offset(-1));
}

// Kafka's follower maybeIncrementLogStartOffset: a follower's log start follows the leader's from
// the fetch answer, and never past its own log end.
TEST_F(ReplicaManagerTest, FollowerMovesItsLogStartToTheLeaders) {
  auto p = rm_->apply_assignment({"t", 0}, led_by_1(), interval_settings());
  ASSERT_TRUE(p.is_ok());
  Bytes batch = make_batch(5);
  ASSERT_TRUE((*p)->append_as_follower(batch).is_ok());
  (*p)->update_follower_high_watermark(Offset(5), Offset(3));
  EXPECT_EQ((*p)->log_start_offset(), Offset(3));
  (*p)->update_follower_high_watermark(Offset(5), Offset(2));  // never backwards
  EXPECT_EQ((*p)->log_start_offset(), Offset(3));
}

TEST_F(ReplicaManagerTest, OffsetForLeaderEpochAnswersFromTheEpochCache) {
  lead("t", log::FlushPolicy::kInterval);
  ASSERT_EQ(produce("t", make_batch(4))[0].error, 0);
  OffsetForLeaderEpochResult r =
      rm_->offset_for_leader_epoch({"t", 0}, LeaderEpoch(-1), LeaderEpoch(3));
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.leader_epoch, LeaderEpoch(3));
  EXPECT_EQ(r.end_offset, Offset(4));
  EXPECT_EQ(rm_->offset_for_leader_epoch({"t", 0}, LeaderEpoch(2), LeaderEpoch(3)).error,
            to_int(ErrorCode::kFencedLeaderEpoch));
}

// ---- The leader's side of a follower's fetch.

TEST_F(ReplicaManagerTest, FollowerFetchFromOutsideTheReplicaSetMovesNothing) {
  lead("t", log::FlushPolicy::kInterval, {NodeId(0), NodeId(1)});
  ASSERT_EQ(produce("t", make_batch(3))[0].error, 0);
  FetchOutcome out;
  rm_->fetch(follower_params(2), {at("t", 3)}, out.callback());
  EXPECT_EQ(out.wait()[0].error, to_int(ErrorCode::kNotLeaderOrFollower));
  EXPECT_EQ(rm_->get_partition({"t", 0})->high_watermark(), Offset(0));
}

TEST_F(ReplicaManagerTest, FollowerFetchAtAnotherLeaderEpochIsFenced) {
  lead("t", log::FlushPolicy::kInterval, {NodeId(0), NodeId(1)});  // leader epoch 3
  ASSERT_EQ(produce("t", make_batch(3))[0].error, 0);
  FetchPartitionInput old = at("t", 3);
  old.current_leader_epoch = LeaderEpoch(2);
  FetchOutcome fenced;
  rm_->fetch(follower_params(1), {old}, fenced.callback());
  EXPECT_EQ(fenced.wait()[0].error, to_int(ErrorCode::kFencedLeaderEpoch));
  FetchPartitionInput ahead = at("t", 3);
  ahead.current_leader_epoch = LeaderEpoch(4);
  FetchOutcome unknown;
  rm_->fetch(follower_params(1), {ahead}, unknown.callback());
  EXPECT_EQ(unknown.wait()[0].error, to_int(ErrorCode::kUnknownLeaderEpoch));
  // Neither fetch counted toward the high watermark.
  EXPECT_EQ(rm_->get_partition({"t", 0})->high_watermark(), Offset(0));
}

TEST_F(ReplicaManagerTest, FollowerWhoseLastFetchedEpochDivergesIsToldWhereToTruncate) {
  lead("t", log::FlushPolicy::kInterval, {NodeId(0), NodeId(1)});  // epoch 3 from offset 0
  ASSERT_EQ(produce("t", make_batch(3))[0].error, 0);
  // The follower wrote offsets 0-4 in epoch 2, which this leader never had.
  auto r = follower_fetch("t", 5, LeaderEpoch(3), LeaderEpoch(2));
  EXPECT_EQ(r[0].error, 0);
  ASSERT_TRUE(r[0].diverging_epoch.has_value());
  EXPECT_EQ(r[0].diverging_epoch->epoch, 2);
  EXPECT_EQ(r[0].diverging_epoch->end_offset, 0);
  EXPECT_TRUE(r[0].records.empty());
  EXPECT_EQ(rm_->get_partition({"t", 0})->high_watermark(), Offset(0));
  // In step (epoch 3, within the leader's log): no divergence, and the HW moves.
  FetchPartitionInput ok = at("t", 3);
  ok.last_fetched_epoch = LeaderEpoch(3);
  FetchOutcome fine;
  rm_->fetch(follower_params(1), {ok}, fine.callback());
  EXPECT_FALSE(fine.wait()[0].diverging_epoch.has_value());
  EXPECT_EQ(rm_->get_partition({"t", 0})->high_watermark(), Offset(3));
}

// A leader that has appended nothing in its epoch still knows where its epoch starts (Kafka's
// becomeLeader assigns it at the log end). A follower whose log outlived this one's (a power cut
// under log.flush.policy=interval emptied the leader's) fetches with an epoch newer than any
// batch here: it must be told to truncate, not get (-1, -1), which the wire reads as "no
// divergence" and which left the chaos harness's partitions without an acked write for good.
TEST_F(ReplicaManagerTest, ANewLeaderWithAnEmptyLogTellsAFollowerFromALaterEpochToTruncate) {
  lead("t", log::FlushPolicy::kInterval, {NodeId(0), NodeId(1)});  // epoch 3, empty log
  auto r = follower_fetch("t", 40, LeaderEpoch(3), LeaderEpoch(2));
  EXPECT_EQ(r[0].error, 0);
  ASSERT_TRUE(r[0].diverging_epoch.has_value());
  EXPECT_GE(r[0].diverging_epoch->epoch, 0);
  EXPECT_EQ(r[0].diverging_epoch->end_offset, 0);
}

TEST_F(ReplicaManagerTest, FollowerJoinsTheIsrOnceItReachesTheHighWatermark) {
  ASSERT_TRUE(
      rm_->apply_assignment({"t", 0}, led_here({0, 1, 2}, {0, 1}), interval_settings()).is_ok());
  ASSERT_EQ(produce("t", make_batch(2))[0].error, 0);
  FetchOutcome f1;
  rm_->fetch(follower_params(1), {at("t", 2)}, f1.callback());
  f1.wait();
  EXPECT_EQ(rm_->get_partition({"t", 0})->high_watermark(), Offset(2));
  FetchOutcome behind;
  rm_->fetch(follower_params(2), {at("t", 0)}, behind.callback());
  behind.wait();
  EXPECT_TRUE(proposals_.empty());
  FetchOutcome caught_up;
  rm_->fetch(follower_params(2), {at("t", 2)}, caught_up.callback());
  caught_up.wait();
  ASSERT_EQ(proposals_.size(), 1u);
  EXPECT_EQ(proposals_[0], (std::vector<int32_t>{0, 1, 2}));
  // One change in flight: the next fetch proposes nothing more.
  FetchOutcome again;
  rm_->fetch(follower_params(2), {at("t", 2)}, again.callback());
  again.wait();
  EXPECT_EQ(proposals_.size(), 1u);
  // The controller commits it.
  rm_->get_partition({"t", 0})->alter_partition_answered(0, {0, 1, 2}, 1, 2);
  EXPECT_EQ(rm_->get_partition({"t", 0})->isr().size(), 3u);
}

TEST_F(ReplicaManagerTest, LaggingFollowerIsProposedOutOfTheIsr) {
  lead("t", log::FlushPolicy::kInterval, {NodeId(0), NodeId(1)});
  ASSERT_EQ(produce("t", make_batch(2))[0].error, 0);
  rm_->maybe_shrink_isrs();
  EXPECT_TRUE(proposals_.empty());
  clock_.advance_ms(rm_->options().replica_lag_time_max_ms + 1);
  rm_->maybe_shrink_isrs();
  ASSERT_EQ(proposals_.size(), 1u);
  EXPECT_EQ(proposals_[0], (std::vector<int32_t>{0}));
}

TEST_F(ReplicaManagerTest, HighWatermarkIsFrozenWhileTheIsrIsBelowMinInsyncReplicas) {
  PartitionSettings s;
  s.log_config.flush_policy = log::FlushPolicy::kInterval;
  s.min_insync_replicas = 2;
  ReplicaAssignment a;
  a.leader = 0;
  a.leader_epoch = 1;
  a.replicas = {0, 1};
  a.isr = {0};
  ASSERT_TRUE(rm_->apply_assignment({"t", 0}, a, s).is_ok());
  ASSERT_EQ(produce("t", make_batch(2), /*acks=*/1)[0].error, 0);
  EXPECT_EQ(rm_->get_partition({"t", 0})->high_watermark(), Offset(0));
  EXPECT_EQ(produce("t", make_batch(1), /*acks=*/-1)[0].error,
            to_int(ErrorCode::kNotEnoughReplicas));
}

TEST_F(ReplicaManagerTest, AcksAllAnswersNotEnoughReplicasAfterAppendWhenTheIsrShrank) {
  PartitionSettings s;
  s.log_config.flush_policy = log::FlushPolicy::kInterval;
  s.min_insync_replicas = 2;
  ReplicaAssignment a;
  a.leader = 0;
  a.leader_epoch = 1;
  a.partition_epoch = 1;
  a.replicas = {0, 1};
  a.isr = {0, 1};
  ASSERT_TRUE(rm_->apply_assignment({"t", 0}, a, s).is_ok());
  ProduceOutcome out;
  batches_.push_back(make_batch(1));
  rm_->append_records({{TopicPartition{"t", 0}, MutableByteSpan(batches_.back())}}, -1, 1000,
                      out.callback());
  a.partition_epoch = 2;
  a.isr = {0};
  ASSERT_TRUE(rm_->apply_assignment({"t", 0}, a, s).is_ok());
  clock_.advance_ms(1000);
  rm_->purgatory().expire_due();
  EXPECT_EQ(out.wait()[0].error, to_int(ErrorCode::kNotEnoughReplicasAfterAppend));
}

TEST_F(ReplicaManagerTest, FollowerAppendsTheLeadersBatchesAndIsNotWritableByClients) {
  const PartitionSettings s = interval_settings();
  ReplicaAssignment a = led_by_1();
  auto p = rm_->apply_assignment({"t", 0}, a, s);
  ASSERT_TRUE(p.is_ok());
  EXPECT_FALSE((*p)->is_leader());
  EXPECT_EQ(produce("t", make_batch(1))[0].error, to_int(ErrorCode::kNotLeaderOrFollower));
  FetchOutcome consumer;
  rm_->fetch(FetchParams{}, {at("t", 0)}, consumer.callback());
  EXPECT_EQ(consumer.wait()[0].error, to_int(ErrorCode::kNotLeaderOrFollower));
  Bytes batch = make_batch(3);
  ASSERT_TRUE((*p)->append_as_follower(batch).is_ok());
  EXPECT_EQ((*p)->log_end_offset(), Offset(3));
  (*p)->update_follower_high_watermark(Offset(10), Offset(0));
  EXPECT_EQ((*p)->high_watermark(), Offset(3));  // min(leader HW, own log end)
  ASSERT_TRUE((*p)->truncate_to(Offset(0)).is_ok());
  EXPECT_EQ((*p)->log_end_offset(), Offset(0));
  EXPECT_EQ((*p)->high_watermark(), Offset(0));
  // Leadership moves here: the follower's log is the leader's from now on.
  a.leader = 0;
  a.leader_epoch = 5;
  ASSERT_TRUE(rm_->apply_assignment({"t", 0}, a, s).is_ok());
  EXPECT_TRUE((*p)->is_leader());
  EXPECT_FALSE((*p)->append_as_follower(batch).is_ok());
}

TEST_F(ReplicaManagerTest, PartitionHostedElsewhereIsNotLeaderOrFollower) {
  ReplicaManagerOptions ro = rm_->options();
  ro.partition_exists = [](const TopicPartition& tp) { return tp.topic == "elsewhere"; };
  ReplicaManager rm(ro);
  ProduceOutcome out;
  Bytes batch = make_batch(1);
  rm.append_records({{TopicPartition{"elsewhere", 0}, MutableByteSpan(batch)}}, 1, 1000,
                    out.callback());
  EXPECT_EQ(out.wait()[0].error, to_int(ErrorCode::kNotLeaderOrFollower));
  rm.shutdown();
}

}  // namespace
}  // namespace eddy::broker
