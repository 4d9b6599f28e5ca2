// Follower fetching for consumers (KIP-392) through the replica manager: the leader answers
// PreferredReadReplica as replica.selector.class decides, and a follower serves consumers up to
// its own high watermark, never past it.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <set>

#include "broker/replica/replica_manager.h"
#include "protocol/errors.h"
#include "tests/unit/replica/replica_test_util.h"

namespace eddy::broker {
namespace {

using protocol::ErrorCode;
using protocol::to_int;
using testing::FetchOutcome;
using testing::make_batch;
using testing::ProduceOutcome;

// One batch of `count` records at `base_offset`, as a leader would have written it.
Bytes batch_at(int64_t base_offset, int count) {
  records::BatchOptions o;
  o.base_offset = base_offset;
  o.partition_leader_epoch = 4;
  records::BatchBuilder b(o);
  for (int i = 0; i < count; ++i) b.append(1000 + i, "k", std::to_string(base_offset + i));
  return b.build().value();
}

// Partition "t"-0 at `offset`, the client's leader epoch `leader_epoch` (-1: not fencing).
FetchPartitionInput at(int64_t offset, int32_t leader_epoch = -1) {
  FetchPartitionInput in;
  in.tp = TopicPartition{"t", 0};
  in.fetch_offset = Offset(offset);
  in.current_leader_epoch = LeaderEpoch(leader_epoch);
  return in;
}

// This node is 0 in rack a; brokers 1 and 2 are in racks b and c.
class FollowerFetchingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logs_ = testing::open_log_manager(dir_.path());
    ASSERT_NE(logs_, nullptr);
    ReplicaManagerOptions ro = testing::node0_options(logs_.get());
    ro.clock = &clock_;
    ro.propose_isr = [](const TopicPartition&, int32_t, int32_t, std::vector<int32_t>) {};
    ro.replica_selector = ReplicaSelector::kRackAware;
    ro.replica_rack = [this](int32_t id) -> std::optional<std::optional<std::string>> {
      if (fenced_.contains(id)) return std::nullopt;
      return racks_.at(id);
    };
    rm_ = std::make_unique<ReplicaManager>(ro);
  }
  void TearDown() override {
    rm_->shutdown();
    (void)logs_->shutdown();
  }

  static PartitionSettings settings() { return testing::interval_flush_settings(); }

  // Leads "t"-0 with replicas 0, 1, 2 and the ISR `isr`, holding 3 records that followers 1 and
  // 2 have fetched.
  void lead(std::vector<int32_t> isr) {
    ReplicaAssignment a;
    a.leader = 0;
    a.leader_epoch = 1;
    a.partition_epoch = 1;
    a.replicas = {0, 1, 2};
    a.isr = std::move(isr);
    ASSERT_TRUE(rm_->apply_assignment({"t", 0}, a, settings()).is_ok());
    ProduceOutcome produced;
    batches_.push_back(make_batch(3));
    rm_->append_records({{TopicPartition{"t", 0}, MutableByteSpan(batches_.back())}}, 1, 30'000,
                        produced.callback());
    ASSERT_EQ(produced.wait()[0].error, 0);
    for (int32_t follower : {1, 2}) {
      FetchParams fp;
      fp.replica_id = follower;
      FetchOutcome out;
      rm_->fetch(fp, {at(3)}, out.callback());
      out.wait();
    }
  }

  // Follows "t"-0, led by 1 at leader epoch 4.
  std::shared_ptr<Partition> follow() {
    ReplicaAssignment a;
    a.leader = 1;
    a.leader_epoch = 4;
    a.partition_epoch = 1;
    a.replicas = {0, 1, 2};
    a.isr = {0, 1, 2};
    auto p = rm_->apply_assignment({"t", 0}, a, settings());
    EXPECT_TRUE(p.is_ok());
    return p.is_ok() ? *p : nullptr;
  }

  // A consumer's Fetch v11+ from `rack`, which long-polls (the test's clock never expires it,
  // so only an answer that is due completes it).
  static FetchParams consumer(std::string rack, int32_t max_wait_ms = 0) {
    FetchParams fp;
    fp.max_wait_ms = max_wait_ms;
    fp.min_bytes = 1;
    fp.client_metadata = ClientMetadata{std::move(rack)};
    return fp;
  }

  FetchPartitionResult fetch(const FetchParams& params, const FetchPartitionInput& in) {
    FetchOutcome out;
    rm_->fetch(params, {in}, out.callback());
    return out.wait()[0];
  }

  testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<log::LogManager> logs_;
  std::unique_ptr<ReplicaManager> rm_;
  std::deque<Bytes> batches_;
  std::map<int32_t, std::optional<std::string>> racks_ = {{0, "a"}, {1, "b"}, {2, "c"}};
  std::set<int32_t> fenced_;
};

TEST_F(FollowerFetchingTest, LeaderSendsAConsumerToTheInSyncFollowerOfItsRackWithoutRecords) {
  lead({0, 1, 2});
  // A long poll: the preferred replica answers at once all the same.
  FetchPartitionResult r = fetch(consumer("b", 30'000), at(0));
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.preferred_read_replica, 1);
  EXPECT_TRUE(r.records.empty());
  EXPECT_EQ(r.high_watermark, Offset(3));
  EXPECT_EQ(fetch(consumer("c"), at(0)).preferred_read_replica, 2);
}

TEST_F(FollowerFetchingTest, LeaderServesAConsumerOfItsRackOrOfNoRackItself) {
  lead({0, 1, 2});
  for (const char* rack : {"a", "", "z"}) {
    FetchPartitionResult r = fetch(consumer(rack), at(0));
    EXPECT_EQ(r.preferred_read_replica, -1) << rack;
    EXPECT_GT(r.records.length, 0u) << rack;
  }
}

TEST_F(FollowerFetchingTest, LeaderServesTheConsumerWhenItsRacksFollowerIsOutOfTheIsrOrFenced) {
  lead({0, 2});
  EXPECT_EQ(fetch(consumer("b"), at(0)).preferred_read_replica, -1);
  fenced_.insert(2);
  FetchPartitionResult r = fetch(consumer("c"), at(0));
  EXPECT_EQ(r.preferred_read_replica, -1);
  EXPECT_GT(r.records.length, 0u);
}

TEST_F(FollowerFetchingTest, FollowerServesAConsumerUpToItsOwnHighWatermarkOnly) {
  std::shared_ptr<Partition> p = follow();
  ASSERT_NE(p, nullptr);
  const Bytes first = batch_at(0, 1);
  const Bytes second = batch_at(1, 2);
  ASSERT_TRUE(p->append_as_follower(first).is_ok());
  ASSERT_TRUE(p->append_as_follower(second).is_ok());
  p->update_follower_high_watermark(Offset(1), Offset(0));  // the leader's HW covers offset 0
  ASSERT_EQ(p->high_watermark(), Offset(1));
  ASSERT_EQ(p->log_end_offset(), Offset(3));

  FetchPartitionResult r = fetch(consumer("a"), at(0, 4));
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.high_watermark, Offset(1));
  EXPECT_EQ(r.records.length, first.size());  // the first batch, not the one above the HW
  r = fetch(consumer("a"), at(1, 4));
  EXPECT_EQ(r.error, 0);
  EXPECT_TRUE(r.records.empty());
  // Past the follower's log end: OFFSET_OUT_OF_RANGE, with its HW (the client goes back to the
  // leader).
  r = fetch(consumer("a"), at(4, 4));
  EXPECT_EQ(r.error, to_int(ErrorCode::kOffsetOutOfRange));
  EXPECT_EQ(r.high_watermark, Offset(1));
}

TEST_F(FollowerFetchingTest, ParkedConsumerOnAFollowerIsAnsweredWhenTheFollowersHwMoves) {
  std::shared_ptr<Partition> p = follow();
  ASSERT_NE(p, nullptr);
  const Bytes first = batch_at(0, 1);
  const Bytes second = batch_at(1, 2);
  ASSERT_TRUE(p->append_as_follower(first).is_ok());
  p->update_follower_high_watermark(Offset(1), Offset(0));
  FetchOutcome parked;
  rm_->fetch(consumer("a", 30'000), {at(1, 4)}, parked.callback());
  ASSERT_TRUE(p->append_as_follower(second).is_ok());
  EXPECT_FALSE(parked.done());  // appended, but not below the HW yet
  p->update_follower_high_watermark(Offset(3), Offset(0));
  auto r = parked.wait();
  EXPECT_EQ(r[0].error, 0);
  EXPECT_EQ(r[0].records.length, second.size());
}

TEST_F(FollowerFetchingTest, FollowerFencesAConsumerOfAnotherLeaderEpochAndNeverNamesAReplica) {
  std::shared_ptr<Partition> p = follow();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(fetch(consumer("b"), at(0, 3)).error, to_int(ErrorCode::kFencedLeaderEpoch));
  EXPECT_EQ(fetch(consumer("b"), at(0, 5)).error, to_int(ErrorCode::kUnknownLeaderEpoch));
  FetchPartitionResult r = fetch(consumer("b"), at(0, 4));
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.preferred_read_replica, -1);
}

TEST_F(FollowerFetchingTest, ConsumerWithoutClientMetadataReadsFromTheLeaderOnly) {
  follow();
  FetchParams old_consumer;  // Fetch v4-v10
  EXPECT_EQ(fetch(old_consumer, at(0)).error, to_int(ErrorCode::kNotLeaderOrFollower));
}

TEST_F(FollowerFetchingTest, WithoutASelectorTheLeaderServesEveryConsumer) {
  ReplicaManagerOptions ro = rm_->options();
  rm_->shutdown();
  rm_.reset();
  ro.replica_selector = ReplicaSelector::kNone;
  rm_ = std::make_unique<ReplicaManager>(ro);
  lead({0, 1, 2});
  FetchPartitionResult r = fetch(consumer("b"), at(0));
  EXPECT_EQ(r.preferred_read_replica, -1);
  EXPECT_GT(r.records.length, 0u);
}

// Kafka's FetchSession includes a partition naming a preferred read replica even when nothing
// else of it changed: the client must learn where to go.
TEST(FollowerFetchingSessionTest, IncrementalFetchAlwaysAnswersAPreferredReadReplica) {
  ManualClock clock;
  FetchSessionCache cache({}, &clock);
  FetchSessionContext full = cache.begin(0, 0, {at(0)}, {});
  FetchPartitionResult r;
  r.tp = TopicPartition{"t", 0};
  r.high_watermark = Offset(3);
  r.last_stable_offset = Offset(3);
  r.log_start_offset = Offset(0);
  ASSERT_EQ(cache.finish(full, {r}).size(), 1u);
  FetchSessionContext inc = cache.begin(full.session_id, 1, {}, {});
  ASSERT_TRUE(inc.incremental);
  EXPECT_TRUE(cache.finish(inc, {r}).empty());  // unchanged: omitted
  r.preferred_read_replica = 1;
  FetchSessionContext next = cache.begin(full.session_id, 2, {}, {});
  auto out = cache.finish(next, {r});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].preferred_read_replica, 1);
}

}  // namespace
}  // namespace eddy::broker
