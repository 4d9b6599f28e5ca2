// GroupService::find_coordinator over a real metadata store and partition logs: the node it names
// must be able to answer for the group.

#include "broker/group/group_service.h"

#include <gtest/gtest.h>

#include <memory>

#include "../../testing/temp_dir.h"
#include "broker/group/group_records.h"
#include "log/log_manager.h"
#include "metadata/controller.h"
#include "metadata/metadata_store.h"

namespace eddy::group {
namespace {

class GroupServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::LogManagerOptions lo;
    lo.log_dirs = {dir_.path() + "/logs"};
    auto logs = log::LogManager::open(lo);
    ASSERT_TRUE(logs.is_ok()) << logs.status().to_string();
    logs_ = std::move(*logs);
    broker::ReplicaManagerOptions ro;
    ro.node_id = NodeId(1);
    ro.logs = logs_.get();
    replicas_ = std::make_unique<broker::ReplicaManager>(ro);
    replicas_->start();

    // The committed metadata: broker 1 registered, __consumer_offsets (one partition) led by it.
    auto store = metadata::MetadataStore::open({dir_.path() + "/meta", 1 << 20});
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(*store);
    metadata::Controller controller{metadata::ControllerDefaults{}};
    ASSERT_TRUE(store_
                    ->commit([&](const metadata::MetadataImage&, metadata::pb::MetadataBatch* b) {
                      metadata::BrokerRegistration reg;
                      reg.id = 1;
                      return controller.register_broker(reg, b);
                    })
                    .ok());
    ASSERT_TRUE(
        store_
            ->commit([&](const metadata::MetadataImage& image, metadata::pb::MetadataBatch* b) {
              metadata::CreateTopicSpec spec;
              spec.name = std::string(kOffsetsTopic);
              spec.num_partitions = 1;
              spec.replication_factor = 1;
              return controller.create_topic(image, spec, b);
            })
            .ok());
    ASSERT_EQ(store_->image()->topic(kOffsetsTopic)->partitions.at(0).leader, 1);

    GroupServiceOptions o;
    o.config.offsets_topic_num_partitions = 1;
    o.replicas = replicas_.get();
    o.metadata = store_.get();
    o.node_id = 1;
    service_ = std::make_unique<GroupService>(std::move(o));
  }
  void TearDown() override {
    service_.reset();
    if (replicas_) replicas_->shutdown();
    replicas_.reset();
    if (logs_) (void)logs_->shutdown();
  }

  eddy::testing::TempDir dir_;
  std::unique_ptr<log::LogManager> logs_;
  std::unique_ptr<broker::ReplicaManager> replicas_;
  std::unique_ptr<metadata::MetadataStore> store_;
  std::unique_ptr<GroupService> service_;
};

// The metadata names this broker the partition's leader before its replica leads it and its
// coordinator has loaded it (a restart, or a leadership change the service has not followed
// yet). Naming this node then would send the client to a coordinator that answers
// NOT_COORDINATOR, which librdkafka's committed() does not retry; COORDINATOR_NOT_AVAILABLE makes
// every client ask again.
TEST_F(GroupServiceTest, ThisBrokerIsNamedCoordinatorOnlyOnceItHasLoadedThePartition) {
  EXPECT_EQ(service_->find_coordinator("g").error, err::kCoordinatorNotAvailable);

  broker::PartitionSettings s;
  ASSERT_TRUE(
      replicas_->become_leader({std::string(kOffsetsTopic), 0}, LeaderEpoch(1), {NodeId(1)}, s)
          .is_ok());
  EXPECT_EQ(service_->find_coordinator("g").error, err::kCoordinatorNotAvailable);

  service_->run_once();  // follows the replica's leadership and loads the partition
  GroupService::Coordinator c = service_->find_coordinator("g");
  EXPECT_EQ(c.error, err::kNone);
  EXPECT_EQ(c.node_id, 1);
}

}  // namespace
}  // namespace eddy::group
