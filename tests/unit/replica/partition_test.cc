#include "broker/replica/partition.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "protocol/errors.h"
#include "tests/unit/replica/replica_test_util.h"

namespace eddy::broker {
namespace {

using protocol::ErrorCode;
using protocol::to_int;
using testing::make_batch;

// A waiter that notes, each time the partition tries it, the high watermark it saw, and completes
// once the HW reaches `wanted`. `order` (shared between waiters) records who was tried when.
class RecordingWaiter : public DelayedOperation {
 public:
  RecordingWaiter(const Partition* p, Offset wanted, std::string name,
                  std::vector<std::string>* order)
      : DelayedOperation(INT64_MAX),
        p_(p),
        wanted_(wanted),
        name_(std::move(name)),
        order_(order) {}
  const std::vector<Offset>& seen() const { return seen_; }

 protected:
  bool ready() override {
    seen_.push_back(p_->high_watermark());
    if (order_ != nullptr) order_->push_back(name_);
    return p_->high_watermark() >= wanted_;
  }
  void on_complete(bool /*expired*/) override {}

 private:
  const Partition* p_;
  Offset wanted_;
  std::string name_;
  std::vector<std::string>* order_;
  std::vector<Offset> seen_;
};

class PartitionTest : public ::testing::Test {
 protected:
  // A log with no flusher: data becomes durable only when the test calls flush().
  std::shared_ptr<Partition> open(log::FlushPolicy policy, std::vector<NodeId> isr = {NodeId(0)},
                                  int32_t min_isr = 1) {
    log::PartitionLogOptions o;
    o.dir = dir_.path() + "/t-0";
    o.config.flush_policy = policy;
    auto log = log::PartitionLog::open(o);
    EXPECT_TRUE(log.is_ok()) << log.status().to_string();
    log_ = *log;
    auto p = std::make_shared<Partition>(TopicPartition{"t", 0}, log_, NodeId(0));
    PartitionSettings s;
    s.log_config = o.config;
    s.min_insync_replicas = min_isr;
    EXPECT_TRUE(p->become_leader(LeaderEpoch(1), std::move(isr), s).is_ok());
    return p;
  }

  LeaderAppendInfo append(Partition& p, Bytes batch, int16_t acks = 1) {
    batches_.push_back(std::move(batch));
    return p.append_as_leader(MutableByteSpan(batches_.back()), acks);
  }

  testing::TempDir dir_;
  std::shared_ptr<log::PartitionLog> log_;
  std::deque<Bytes> batches_;
};

TEST_F(PartitionTest, HighWatermarkAdvancesOnlyWhenDurableUnderSyncPolicy) {
  auto p = open(log::FlushPolicy::kSync);
  LeaderAppendInfo info = append(*p, make_batch(3));
  ASSERT_EQ(info.error, 0);
  EXPECT_EQ(info.base_offset, Offset(0));
  EXPECT_EQ(p->log_end_offset(), Offset(3));
  EXPECT_EQ(p->high_watermark(), Offset(0));
  ASSERT_TRUE(log_->flush().is_ok());
  EXPECT_EQ(p->high_watermark(), Offset(3));
}

TEST_F(PartitionTest, OneFsyncMovesTheHighWatermarkOverEveryBatchItCoversAtOnce) {
  auto p = open(log::FlushPolicy::kSync);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(append(*p, make_batch(1)).error, 0);
  auto fetch = std::make_shared<RecordingWaiter>(p.get(), Offset(1), "fetch", nullptr);
  p->add_fetch_waiter(fetch);
  ASSERT_TRUE(log_->flush().is_ok());
  // The parked fetch is tried once, and by then the HW covers all three batches, so it answers
  // with all of them rather than with the first batch alone.
  ASSERT_EQ(fetch->seen().size(), 1u);
  EXPECT_EQ(fetch->seen()[0], Offset(3));
  EXPECT_TRUE(fetch->is_completed());
}

TEST_F(PartitionTest, ParkedFetchesAreTriedBeforeAcksAllProducesWhenTheHighWatermarkMoves) {
  auto p = open(log::FlushPolicy::kSync);
  ASSERT_EQ(append(*p, make_batch(2), /*acks=*/-1).error, 0);
  std::vector<std::string> order;
  auto produce = std::make_shared<RecordingWaiter>(p.get(), Offset(2), "produce", &order);
  auto fetch = std::make_shared<RecordingWaiter>(p.get(), Offset(1), "fetch", &order);
  p->add_produce_waiter(Offset(2), produce);
  p->add_fetch_waiter(fetch);
  ASSERT_TRUE(log_->flush().is_ok());
  EXPECT_EQ(order, (std::vector<std::string>{"fetch", "produce"}));
  EXPECT_TRUE(produce->is_completed());
  EXPECT_TRUE(fetch->is_completed());
}

TEST_F(PartitionTest, HighWatermarkFollowsTheLogEndUnderIntervalPolicy) {
  auto p = open(log::FlushPolicy::kInterval);
  ASSERT_EQ(append(*p, make_batch(4)).error, 0);
  EXPECT_EQ(p->high_watermark(), Offset(4));
}

TEST_F(PartitionTest, FollowerInTheIsrHoldsBackTheHighWatermark) {
  auto p = open(log::FlushPolicy::kInterval, {NodeId(0), NodeId(1)});
  ASSERT_EQ(append(*p, make_batch(3)).error, 0);
  EXPECT_EQ(p->high_watermark(), Offset(0));
  p->update_follower_fetch_state(NodeId(1), Offset(2), Offset(0), 0);
  EXPECT_EQ(p->high_watermark(), Offset(2));
  p->update_follower_fetch_state(NodeId(1), Offset(3), Offset(0), 0);
  EXPECT_EQ(p->high_watermark(), Offset(3));
}

TEST_F(PartitionTest, AcksAllWithIsrBelowMinInsyncReplicasIsRefused) {
  auto p = open(log::FlushPolicy::kInterval, {NodeId(0)}, /*min_isr=*/2);
  LeaderAppendInfo info = append(*p, make_batch(1), /*acks=*/-1);
  EXPECT_EQ(info.error, to_int(ErrorCode::kNotEnoughReplicas));
  EXPECT_EQ(p->log_end_offset(), Offset(0));
  // acks=1 does not need the ISR.
  EXPECT_EQ(append(*p, make_batch(1), /*acks=*/1).error, 0);
}

TEST_F(PartitionTest, RetriedIdempotentBatchGetsItsOriginalOffset) {
  auto p = open(log::FlushPolicy::kInterval);
  ASSERT_EQ(append(*p, make_batch(2, 77, 0, 0)).error, 0);
  ASSERT_EQ(append(*p, make_batch(1)).error, 0);
  LeaderAppendInfo retry = append(*p, make_batch(2, 77, 0, 0));
  EXPECT_EQ(retry.error, 0);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, Offset(0));
  EXPECT_EQ(p->log_end_offset(), Offset(3));
}

TEST_F(PartitionTest, SequenceGapIsOutOfOrder) {
  auto p = open(log::FlushPolicy::kInterval);
  ASSERT_EQ(append(*p, make_batch(2, 77, 0, 0)).error, 0);
  EXPECT_EQ(append(*p, make_batch(1, 77, 0, 5)).error,
            to_int(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(p->log_end_offset(), Offset(2));
}

TEST_F(PartitionTest, UnknownCompressionCodecIsUnsupported) {
  auto p = open(log::FlushPolicy::kInterval);
  Bytes batch = make_batch(1);
  batch[records::kAttributesPos + 1] |= 0x07;  // codec 7, with a CRC that matches it
  store_be32(batch.data() + records::kCrcPos, records::compute_batch_crc(ByteSpan(batch)));
  EXPECT_EQ(append(*p, std::move(batch)).error, to_int(ErrorCode::kUnsupportedCompressionType));
}

TEST_F(PartitionTest, TruncatedBatchIsCorrupt) {
  auto p = open(log::FlushPolicy::kInterval);
  Bytes batch = make_batch(3);
  batch.resize(batch.size() - 5);
  EXPECT_EQ(append(*p, std::move(batch)).error, to_int(ErrorCode::kCorruptMessage));
}

TEST_F(PartitionTest, BadCrcIsCorrupt) {
  auto p = open(log::FlushPolicy::kInterval);
  Bytes batch = make_batch(3);
  batch.back() ^= 0xff;
  EXPECT_EQ(append(*p, std::move(batch)).error, to_int(ErrorCode::kCorruptMessage));
}

TEST_F(PartitionTest, LegacyMagicIsInvalidRecord) {
  auto p = open(log::FlushPolicy::kInterval);
  Bytes batch = make_batch(1);
  batch[records::kMagicPos] = 1;
  EXPECT_EQ(append(*p, std::move(batch)).error, to_int(ErrorCode::kInvalidRecord));
  // A magic 0 message with a one-byte value is 27 bytes, shorter than a v2 batch header.
  Bytes message(27, 0);
  store_be32(message.data() + records::kBatchLengthPos, 15);
  EXPECT_EQ(append(*p, std::move(message)).error, to_int(ErrorCode::kInvalidRecord));
  EXPECT_EQ(p->log_end_offset(), Offset(0));
}

TEST_F(PartitionTest, RecordsThatDoNotMatchTheHeaderCountAreInvalidAndNotAppended) {
  auto p = open(log::FlushPolicy::kInterval);
  // Three records under a header that says two, consistently (last offset delta 1) and with a
  // valid CRC: only decoding the records finds it.
  Bytes batch = make_batch(3);
  store_be32(batch.data() + records::kLastOffsetDeltaPos, 1);
  store_be32(batch.data() + records::kRecordsCountPos, 2);
  store_be32(batch.data() + records::kCrcPos, records::compute_batch_crc(ByteSpan(batch)));
  EXPECT_EQ(append(*p, std::move(batch)).error, to_int(ErrorCode::kInvalidRecord));
  EXPECT_EQ(p->log_end_offset(), Offset(0));
  EXPECT_EQ(append(*p, make_batch(2)).error, to_int(ErrorCode::kNone));
  EXPECT_EQ(p->log_end_offset(), Offset(2));
}

// With CrcCheck::kAlreadyVerified the log no longer checks CRCs: a bad CRC in the second batch
// of a request must still be refused by the replica layer and append nothing.
TEST_F(PartitionTest, ASecondBatchWithABadCrcIsRefusedAndNothingIsAppended) {
  auto p = open(log::FlushPolicy::kInterval);
  Bytes request = make_batch(1);
  Bytes bad = make_batch(2);
  bad.back() ^= 0x01;
  request.insert(request.end(), bad.begin(), bad.end());
  LeaderAppendInfo info = append(*p, std::move(request));
  // A second batch is refused before any CRC is read (Kafka: one batch per partition), and
  // nothing of the request is appended, the good first batch included.
  EXPECT_EQ(info.error, to_int(ErrorCode::kInvalidRecord));
  EXPECT_EQ(p->log_end_offset(), Offset(0));
}

// Kafka's ProduceRequest.validateRecords (v3+): "only allowed to contain exactly one record
// batch" -> INVALID_RECORD. docs/records.md lists "more than one batch" as INVALID_RECORD too.
TEST_F(PartitionTest, TwoBatchesForOnePartitionAreInvalidRecord) {
  auto p = open(log::FlushPolicy::kInterval);
  Bytes request = make_batch(1);
  Bytes second = make_batch(1);
  request.insert(request.end(), second.begin(), second.end());
  EXPECT_EQ(append(*p, std::move(request)).error, to_int(ErrorCode::kInvalidRecord));
  EXPECT_EQ(p->log_end_offset(), Offset(0));
}

// Kafka (UnifiedLog.analyzeAndValidateRecords) checks a batch's size against max.message.bytes
// before its CRC and never decodes (or decompresses) an oversized batch.
TEST_F(PartitionTest, OversizedBatchIsMessageTooLargeBeforeItsCrcOrRecordsAreChecked) {
  log::PartitionLogOptions o;
  o.dir = dir_.path() + "/small-0";
  o.config.flush_policy = log::FlushPolicy::kInterval;
  o.config.max_message_bytes = 200;
  auto log = log::PartitionLog::open(o);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  auto p = std::make_shared<Partition>(TopicPartition{"small", 0}, *log, NodeId(0));
  PartitionSettings s;
  s.log_config = o.config;
  ASSERT_TRUE(p->become_leader(LeaderEpoch(1), {NodeId(0)}, s).is_ok());
  Bytes big = make_batch(30);
  ASSERT_GT(big.size(), 200u);
  big.back() ^= 0x01;  // and a bad CRC
  EXPECT_EQ(append(*p, std::move(big)).error, to_int(ErrorCode::kMessageTooLarge));
}

// Kafka's LogValidator (CreateTime, magic 2) sets the batch's max_timestamp to the largest
// record timestamp; a client's header value feeds the time index and time retention otherwise.
TEST_F(PartitionTest, HeaderMaxTimestampIsTheRecordsNotTheClients) {
  auto p = open(log::FlushPolicy::kInterval);
  Bytes b = make_batch(2);  // record timestamps 1000 and 1001
  store_be64(b.data() + records::kMaxTimestampPos, 4102444800000ULL);  // year 2100
  store_be32(b.data() + records::kCrcPos, records::compute_batch_crc(ByteSpan(b)));
  ASSERT_EQ(append(*p, std::move(b)).error, to_int(ErrorCode::kNone));
  EXPECT_EQ(records::read_batch_header(batches_.back().data()).max_timestamp, 1001);
}

// Kafka's LogValidator: "Compacted topic cannot accept message without key".
TEST_F(PartitionTest, AKeylessRecordOnACompactedTopicIsInvalidRecord) {
  log::PartitionLogOptions o;
  o.dir = dir_.path() + "/compacted-0";
  o.config.flush_policy = log::FlushPolicy::kInterval;
  auto log = log::PartitionLog::open(o);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  auto p = std::make_shared<Partition>(TopicPartition{"compacted", 0}, *log, NodeId(0));
  PartitionSettings s;
  s.log_config = o.config;
  s.compacted = true;
  ASSERT_TRUE(p->become_leader(LeaderEpoch(1), {NodeId(0)}, s).is_ok());
  records::BatchBuilder keyless;
  keyless.append(1000, std::nullopt, as_bytes("v"));
  EXPECT_EQ(append(*p, keyless.build().value()).error, to_int(ErrorCode::kInvalidRecord));
  EXPECT_EQ(p->log_end_offset(), Offset(0));
  EXPECT_EQ(append(*p, make_batch(1)).error, to_int(ErrorCode::kNone));  // keyed: accepted
}

TEST_F(PartitionTest, AppendAfterStopLeadingIsNotLeader) {
  auto p = open(log::FlushPolicy::kInterval);
  p->stop_leading();
  EXPECT_EQ(append(*p, make_batch(1)).error, to_int(ErrorCode::kNotLeaderOrFollower));
}

TEST_F(PartitionTest, ProducerStateIsRebuiltFromTheLogAtLoad) {
  {
    auto p = open(log::FlushPolicy::kInterval);
    ASSERT_EQ(append(*p, make_batch(2, 77, 0, 0)).error, 0);
    ASSERT_TRUE(log_->close().is_ok());
  }
  log_.reset();
  auto p = open(log::FlushPolicy::kInterval);
  ASSERT_TRUE(p->rebuild_producer_state(1 << 20).is_ok());
  EXPECT_EQ(p->producer_count(), 1u);
  LeaderAppendInfo retry = append(*p, make_batch(2, 77, 0, 0));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, Offset(0));
}

TEST_F(PartitionTest, LeaderEpochFencing) {
  auto p = open(log::FlushPolicy::kInterval);
  EXPECT_EQ(p->check_leader_epoch(LeaderEpoch(-1)), 0);
  EXPECT_EQ(p->check_leader_epoch(LeaderEpoch(1)), 0);
  EXPECT_EQ(p->check_leader_epoch(LeaderEpoch(0)), to_int(ErrorCode::kFencedLeaderEpoch));
  EXPECT_EQ(p->check_leader_epoch(LeaderEpoch(2)), to_int(ErrorCode::kUnknownLeaderEpoch));
}

TEST_F(PartitionTest, AFollowerDropsAnEpochItRecordedAtItsLogEndAsALeaderThatAppendedNothing) {
  // Led at epoch 1 with two records, then at epoch 5 without appending (the epoch is recorded at
  // the log end), then follows a leader that never knew epoch 5: the leader answers the
  // divergence with the end of epoch 1, which is this log's end. Truncating there must drop
  // epoch 5, or every later fetch would ask with it again and never move (Kafka's truncateTo
  // always truncates the epoch cache).
  auto p = open(log::FlushPolicy::kInterval);
  ASSERT_EQ(append(*p, make_batch(2)).error, 0);
  ReplicaAssignment a;
  a.leader = 0;
  a.leader_epoch = 5;
  a.replicas = {0, 1};
  a.isr = {0, 1};
  ASSERT_TRUE(p->become_leader(a, {}, 0).is_ok());
  ASSERT_EQ(log_->latest_epoch(), LeaderEpoch(5));
  a.leader = 1;
  a.leader_epoch = 6;
  p->become_follower(a, {});
  ASSERT_TRUE(p->truncate_to(Offset(2)).is_ok());
  EXPECT_EQ(log_->latest_epoch(), LeaderEpoch(1));
  EXPECT_EQ(p->log_end_offset(), Offset(2));
}

}  // namespace
}  // namespace eddy::broker
