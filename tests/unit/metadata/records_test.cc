// The cluster records (modelled on Kafka's metadata records) and how the image applies them; and
// that a metadata dir written before they existed still loads unchanged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "metadata/metadata_image.h"
#include "metadata/metadata_store.h"

namespace eddy::metadata {
namespace {

Uuid id_of(char c) { return *Uuid::from_bytes(std::string(16, c)); }

pb::MetadataRecord register_record(int32_t id, int64_t epoch, bool fenced) {
  pb::MetadataRecord r;
  auto* b = r.mutable_register_broker();
  b->set_broker_id(id);
  b->set_incarnation_id(id_of(static_cast<char>('0' + id)).raw());
  b->set_broker_epoch(epoch);
  b->set_fenced(fenced);
  auto* e = b->add_endpoints();
  e->set_name("PLAINTEXT");
  e->set_host("127.0.0.1");
  e->set_port(9090 + id);
  return r;
}

class RecordsTest : public ::testing::Test {
 protected:
  RecordsTest() {
    pb::MetadataBatch b;
    *b.add_records() = register_record(1, 10, false);
    *b.add_records() = register_record(2, 11, false);
    auto* t = b.add_records()->mutable_topic();
    t->set_name("t");
    t->set_topic_id(id_of('t').raw());
    auto* p = b.add_records()->mutable_partition();
    p->set_topic_id(id_of('t').raw());
    p->set_partition_id(0);
    for (int32_t x : {1, 2}) {
      p->add_replicas(x);
      p->add_isr(x);
    }
    p->set_leader(1);
    EXPECT_TRUE(image_.apply_batch(b).is_ok());
  }
  Status apply(const pb::MetadataRecord& r) { return image_.apply(r); }
  const PartitionState& partition() const { return image_.topic("t")->partitions[0]; }

  MetadataImage image_;
};

TEST_F(RecordsTest, PartitionChangeChangesOnlyWhatItSetsAndBumpsEpochs) {
  pb::MetadataRecord r;
  auto* c = r.mutable_partition_change();
  c->set_topic_id(id_of('t').raw());
  c->set_partition_id(0);
  c->mutable_isr()->add_ids(1);  // ISR shrink only: same leader, same leader epoch
  ASSERT_TRUE(apply(r).is_ok());
  EXPECT_EQ(partition().isr, std::vector<int32_t>({1}));
  EXPECT_EQ(partition().replicas, std::vector<int32_t>({1, 2}));
  EXPECT_EQ(partition().leader, 1);
  EXPECT_EQ(partition().leader_epoch, 0);
  EXPECT_EQ(partition().partition_epoch, 1);

  pb::MetadataRecord lead;
  auto* l = lead.mutable_partition_change();
  l->set_topic_id(id_of('t').raw());
  l->set_partition_id(0);
  l->set_leader(kNoLeader);
  l->mutable_isr();  // present and empty: "set to []", not "no change"
  l->mutable_adding_replicas()->add_ids(3);
  ASSERT_TRUE(apply(lead).is_ok());
  EXPECT_EQ(partition().leader, kNoLeader);
  EXPECT_TRUE(partition().isr.empty());
  EXPECT_EQ(partition().adding_replicas, std::vector<int32_t>({3}));
  EXPECT_EQ(partition().leader_epoch, 1);
  EXPECT_EQ(partition().partition_epoch, 2);

  c->set_partition_id(1);  // no such partition
  EXPECT_FALSE(apply(r).is_ok());
  EXPECT_EQ(partition().partition_epoch, 2);
}

TEST_F(RecordsTest, FenceUnfenceAndRegistrationChangesNeedTheCurrentEpoch) {
  EXPECT_TRUE(image_.broker_active(1));
  pb::MetadataRecord fence;
  fence.mutable_fence_broker()->set_broker_id(1);
  fence.mutable_fence_broker()->set_broker_epoch(9);  // stale
  EXPECT_FALSE(apply(fence).is_ok());
  EXPECT_FALSE(image_.broker(1)->fenced);
  fence.mutable_fence_broker()->set_broker_epoch(10);
  ASSERT_TRUE(apply(fence).is_ok());
  EXPECT_TRUE(image_.broker(1)->fenced);
  EXPECT_FALSE(image_.broker_active(1));

  pb::MetadataRecord unfence;
  unfence.mutable_unfence_broker()->set_broker_id(1);
  unfence.mutable_unfence_broker()->set_broker_epoch(10);
  ASSERT_TRUE(apply(unfence).is_ok());
  EXPECT_TRUE(image_.broker_active(1));

  pb::MetadataRecord change;
  auto* ch = change.mutable_broker_registration_change();
  ch->set_broker_id(2);
  ch->set_broker_epoch(11);
  ch->set_in_controlled_shutdown(true);
  ASSERT_TRUE(apply(change).is_ok());
  EXPECT_TRUE(image_.broker(2)->in_controlled_shutdown);
  EXPECT_FALSE(image_.broker(2)->fenced);  // unset: unchanged
  EXPECT_FALSE(image_.broker_active(2));

  // Fencing ends the controlled shutdown (the broker has stopped).
  fence.mutable_fence_broker()->set_broker_id(2);
  fence.mutable_fence_broker()->set_broker_epoch(11);
  ASSERT_TRUE(apply(fence).is_ok());
  EXPECT_FALSE(image_.broker(2)->in_controlled_shutdown);

  pb::MetadataRecord unregister;
  unregister.mutable_unregister_broker()->set_broker_id(2);
  unregister.mutable_unregister_broker()->set_broker_epoch(12);
  EXPECT_FALSE(apply(unregister).is_ok());
  unregister.mutable_unregister_broker()->set_broker_epoch(11);
  ASSERT_TRUE(apply(unregister).is_ok());
  EXPECT_EQ(image_.broker(2), nullptr);
  unregister.mutable_unregister_broker()->set_broker_id(7);
  EXPECT_FALSE(apply(unregister).is_ok());
}

TEST_F(RecordsTest, AFailingBatchRestoresBrokersFeaturesAndProducerIds) {
  pb::MetadataBatch b;
  b.add_records()->mutable_producer_ids()->set_next_producer_id(1000);
  auto* f = b.add_records()->mutable_feature_level();
  f->set_name("metadata.version");
  f->set_feature_level(7);
  auto* fence = b.add_records()->mutable_fence_broker();
  fence->set_broker_id(1);
  fence->set_broker_epoch(10);
  b.add_records()->mutable_unregister_broker()->set_broker_id(99);  // corrupt
  EXPECT_FALSE(image_.apply_batch(b).is_ok());
  EXPECT_EQ(image_.next_producer_id(), 0);
  EXPECT_TRUE(image_.features().empty());
  EXPECT_FALSE(image_.broker(1)->fenced);
}

TEST_F(RecordsTest, ProducerIdBlocksOnlyMoveForwardAndFeaturesSetAndClear) {
  pb::MetadataRecord ids;
  ids.mutable_producer_ids()->set_broker_id(1);
  ids.mutable_producer_ids()->set_broker_epoch(10);
  ids.mutable_producer_ids()->set_next_producer_id(1000);
  ASSERT_TRUE(apply(ids).is_ok());
  EXPECT_EQ(image_.next_producer_id(), 1000);
  EXPECT_FALSE(apply(ids).is_ok());  // the same block twice
  ids.mutable_producer_ids()->set_next_producer_id(2000);
  ASSERT_TRUE(apply(ids).is_ok());

  pb::MetadataRecord f;
  f.mutable_feature_level()->set_name("metadata.version");
  f.mutable_feature_level()->set_feature_level(7);
  ASSERT_TRUE(apply(f).is_ok());
  EXPECT_EQ(image_.features().at("metadata.version"), 7);
  f.mutable_feature_level()->set_feature_level(0);
  ASSERT_TRUE(apply(f).is_ok());
  EXPECT_TRUE(image_.features().empty());
}

TEST_F(RecordsTest, SnapshotRecordsRebuildEveryNewField) {
  pb::MetadataBatch b;
  b.add_records()->mutable_producer_ids()->set_next_producer_id(3000);
  auto* f = b.add_records()->mutable_feature_level();
  f->set_name("metadata.version");
  f->set_feature_level(7);
  auto* ch = b.add_records()->mutable_broker_registration_change();
  ch->set_broker_id(2);
  ch->set_broker_epoch(11);
  ch->set_fenced(true);
  auto* pc = b.add_records()->mutable_partition_change();
  pc->set_topic_id(id_of('t').raw());
  pc->set_leader(2);
  pc->mutable_removing_replicas()->add_ids(1);
  ASSERT_TRUE(image_.apply_batch(b).is_ok());

  MetadataImage::Records records;
  for (auto& r : image_.to_records()) *records.Add() = std::move(r);
  MetadataImage restored;
  ASSERT_TRUE(restored.apply_records(records).is_ok());
  EXPECT_EQ(restored.next_producer_id(), 3000);
  EXPECT_EQ(restored.features(), image_.features());
  EXPECT_TRUE(restored.broker(2)->fenced);
  EXPECT_EQ(restored.broker(2)->epoch, 11);
  EXPECT_EQ(restored.broker(1)->epoch, 10);
  const PartitionState& p = restored.topic("t")->partitions[0];
  EXPECT_EQ(p.leader, 2);
  EXPECT_EQ(p.leader_epoch, 1);
  EXPECT_EQ(p.partition_epoch, 1);
  EXPECT_EQ(p.removing_replicas, std::vector<int32_t>({1}));
}

// tests/data/metadata/f8d42d0 holds a metadata dir (a snapshot at offset 3 and log entries 4-6)
// written by commit f8d42d0's code, before the cluster records (generate.cc.txt made it).
TEST(MetadataCompatibility, ADirWrittenBeforeTheClusterRecordsLoadsUnchanged) {
  std::string name = "eddy-metadata-compat-";
  name += std::to_string(::getpid());
  auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const char* f : {"log", "snapshot"}) {
    std::filesystem::copy_file(std::filesystem::path(EDDY_METADATA_DATA_DIR) / "f8d42d0" / f,
                               dir / f);
  }
  {
    auto store = MetadataStore::open({dir.string(), 1 << 20});
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    auto image = (*store)->image();
    EXPECT_EQ(image->last_offset(), 6);
    ASSERT_EQ(image->topics().size(), 2u);
    const TopicImage* orders = image->topic("orders");
    ASSERT_NE(orders, nullptr);
    EXPECT_EQ(orders->partitions.size(), 4u);
    EXPECT_EQ(orders->configs.at("retention.ms"), "1000");
    EXPECT_EQ(orders->partitions[3].leader, 1);
    EXPECT_EQ(orders->partitions[3].isr, std::vector<int32_t>({1}));
    ASSERT_NE(image->topic("events"), nullptr);
    EXPECT_EQ(image->topic("events")->partitions.size(), 2u);
    EXPECT_EQ(image->topic("gone"), nullptr);
    const BrokerRegistration* b = image->broker(1);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->rack, "r1");
    ASSERT_EQ(b->endpoints.size(), 1u);
    EXPECT_EQ(b->endpoints[0].port, 9092);
    // Registered before fencing existed: live, as it was.
    EXPECT_FALSE(b->fenced);
    EXPECT_TRUE(image->broker_active(1));
    EXPECT_EQ(image->broker_configs("")->at("log.retention.ms"), "5000");
    EXPECT_EQ(image->next_producer_id(), 0);

    // New records append after the old ones.
    ASSERT_TRUE((*store)
                    ->commit([](const MetadataImage&, pb::MetadataBatch* out) {
                      out->add_records()->mutable_producer_ids()->set_next_producer_id(1000);
                      return ControllerResult{};
                    })
                    .ok());
  }
  auto store = MetadataStore::open({dir.string(), 1 << 20});
  ASSERT_TRUE(store.is_ok());
  EXPECT_EQ((*store)->image()->last_offset(), 7);
  EXPECT_EQ((*store)->image()->next_producer_id(), 1000);
  EXPECT_EQ((*store)->image()->partition_count(), 6u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy::metadata
