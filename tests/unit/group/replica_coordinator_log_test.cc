// The coordinator over real partition logs: what it commits is in __consumer_offsets on disk and
// comes back when a new coordinator (a restarted broker) loads the partition.

#include "broker/group/replica_coordinator_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "../../testing/temp_dir.h"
#include "broker/group/group_coordinator.h"
#include "broker/group/group_records.h"
#include "log/log_manager.h"

namespace eddy::group {
namespace {

// Waits (bounded) until `done` holds.
template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 2000 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

class ReplicaCoordinatorLogTest : public ::testing::Test {
 protected:
  ReplicaCoordinatorLogTest() {
    config_.offsets_topic_num_partitions = 1;
    config_.initial_rebalance_delay_ms = 0;
  }
  ~ReplicaCoordinatorLogTest() override { stop(); }

  // Opens the logs and the replica manager, leads __consumer_offsets-0, loads it.
  void start() {
    log::LogManagerOptions lo;
    lo.log_dirs = {dir_};
    auto logs = log::LogManager::open(lo);
    ASSERT_TRUE(logs.is_ok()) << logs.status().to_string();
    logs_ = std::move(*logs);
    broker::ReplicaManagerOptions ro;
    ro.node_id = NodeId(0);
    ro.logs = logs_.get();
    replicas_ = std::make_unique<broker::ReplicaManager>(ro);
    replicas_->start();
    broker::PartitionSettings s;
    s.log_config.flush_policy = log::FlushPolicy::kSync;
    ASSERT_TRUE(
        replicas_->become_leader({std::string(kOffsetsTopic), 0}, LeaderEpoch(1), {NodeId(0)}, s)
            .is_ok());
    log_ = std::make_unique<ReplicaCoordinatorLog>(*replicas_, SystemClock::instance(), 5000);
    coord_ = std::make_unique<GroupCoordinator>(config_, *log_, SystemClock::instance());
    GroupCoordinator::LoadStats stats;
    ASSERT_TRUE(coord_->load_partition(0, &stats).is_ok());
    loaded_ = stats;
  }

  void stop() {
    coord_.reset();
    log_.reset();
    if (replicas_) replicas_->shutdown();
    replicas_.reset();
    if (logs_) (void)logs_->shutdown();
    logs_.reset();
  }

  ErrorCode commit(const std::string& group, int64_t offset, const std::string& metadata) {
    std::atomic<int> error{-2};
    OffsetCommitParams p;
    p.group_id = group;
    p.offsets.push_back(OffsetCommitEntry{TopicPartition{"t", 0}, offset, 4, metadata});
    coord_->commit_offsets(p, [&error](OffsetCommitResult r) {
      error = protocol::to_int(r.partitions.at(0).error_code);
    });
    EXPECT_TRUE(eventually([&] { return error != -2; }));
    return static_cast<ErrorCode>(error.load());
  }

  eddy::testing::TempDir tmp_{"group"};
  const std::string dir_ = tmp_.path();
  GroupConfig config_;
  std::unique_ptr<log::LogManager> logs_;
  std::unique_ptr<broker::ReplicaManager> replicas_;
  std::unique_ptr<ReplicaCoordinatorLog> log_;
  std::unique_ptr<GroupCoordinator> coord_;
  GroupCoordinator::LoadStats loaded_;
};

TEST_F(ReplicaCoordinatorLogTest, CommittedOffsetsAreReadBackAfterARestart) {
  start();
  EXPECT_EQ(commit("g", 10, "a"), err::kNone);
  EXPECT_EQ(commit("g", 11, "b"), err::kNone);
  stop();
  start();
  EXPECT_EQ(loaded_.records, 2);
  auto f = coord_->fetch_offsets("g", std::nullopt);
  ASSERT_EQ(f.partitions.size(), 1u);
  EXPECT_EQ(f.partitions[0].offset, 11);
  EXPECT_EQ(f.partitions[0].metadata, "b");
  EXPECT_EQ(f.partitions[0].leader_epoch, 4);
}

TEST_F(ReplicaCoordinatorLogTest, AStableGenerationIsReadBackAfterARestart) {
  start();
  std::atomic<bool> joined{false};
  JoinGroupResult join;
  JoinGroupParams p;
  p.group_id = "g";
  p.session_timeout_ms = 10'000;
  p.rebalance_timeout_ms = 10'000;
  p.protocol_type = "consumer";
  p.protocols = {JoinProtocol{"range", {1, 2}}};
  coord_->join_group(p, [&](JoinGroupResult r) {
    join = r;
    joined = true;
  });
  ASSERT_TRUE(eventually([&] { return joined.load(); }));
  std::atomic<bool> synced{false};
  SyncGroupParams s;
  s.group_id = "g";
  s.generation_id = join.generation_id;
  s.member_id = join.member_id;
  s.assignments = {{join.member_id, Bytes{7}}};
  coord_->sync_group(s, [&](SyncGroupResult) { synced = true; });
  ASSERT_TRUE(eventually([&] { return synced.load(); }));
  stop();
  start();
  EXPECT_EQ(coord_->group_state("g"), GroupState::kStable);
  EXPECT_EQ(coord_->group_generation("g"), join.generation_id);
  EXPECT_EQ(coord_->describe_group("g").members.at(0).assignment, Bytes{7});
}

TEST_F(ReplicaCoordinatorLogTest, DeletedGroupsStayDeletedAfterARestart) {
  start();
  ASSERT_EQ(commit("gone", 1, ""), err::kNone);
  ASSERT_EQ(commit("kept", 2, ""), err::kNone);
  std::atomic<bool> deleted{false};
  coord_->delete_groups({"gone"}, [&](std::vector<DeleteGroupResult> r) {
    EXPECT_EQ(r.at(0).error_code, err::kNone);
    deleted = true;
  });
  ASSERT_TRUE(eventually([&] { return deleted.load(); }));
  stop();
  start();
  EXPECT_EQ(coord_->group_state("gone"), std::nullopt);
  EXPECT_EQ(coord_->group_state("kept"), GroupState::kEmpty);
}

}  // namespace
}  // namespace eddy::group
