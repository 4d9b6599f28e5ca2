#include <gtest/gtest.h>

#include "metadata/metadata_image.h"

namespace eddy::metadata {
namespace {

Uuid id_of(char c) { return *Uuid::from_bytes(std::string(16, c)); }

void add_topic(pb::MetadataBatch* b, const std::string& name, const Uuid& id) {
  auto* t = b->add_records()->mutable_topic();
  t->set_name(name);
  t->set_topic_id(id.raw());
}

void add_partition(pb::MetadataBatch* b, const Uuid& id, int32_t p, std::vector<int32_t> replicas,
                   int32_t leader_epoch = 0) {
  auto* r = b->add_records()->mutable_partition();
  r->set_topic_id(id.raw());
  r->set_partition_id(p);
  for (int32_t x : replicas) {
    r->add_replicas(x);
    r->add_isr(x);
  }
  r->set_leader(replicas.empty() ? -1 : replicas[0]);
  r->set_leader_epoch(leader_epoch);
}

TEST(MetadataImage, OneBatchOf100kPartitionsBuildsTheWholeTopic) {
  constexpr int32_t kPartitions = 100000;
  pb::MetadataBatch b;
  add_topic(&b, "big", id_of('b'));
  for (int32_t p = 0; p < kPartitions; ++p) add_partition(&b, id_of('b'), p, {1 + p % 3, 1});
  MetadataImage image;
  ASSERT_TRUE(image.apply_batch(b).is_ok());
  const TopicImage* t = image.topic("big");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->partitions.size(), static_cast<size_t>(kPartitions));
  EXPECT_EQ(image.partition_count(), static_cast<size_t>(kPartitions));
  for (int32_t p = 0; p < kPartitions; p += 997) {
    EXPECT_EQ(t->partitions[p].partition, p);
    EXPECT_EQ(t->partitions[p].leader, 1 + p % 3);
  }

  // The snapshot form rebuilds the same image (one run of records, as MetadataStore::open does).
  MetadataImage::Records records;
  for (auto& r : image.to_records()) *records.Add() = std::move(r);
  MetadataImage restored;
  ASSERT_TRUE(restored.apply_records(records).is_ok());
  ASSERT_EQ(restored.partition_count(), static_cast<size_t>(kPartitions));
  EXPECT_EQ(restored.topic("big")->partitions[kPartitions - 1].replicas,
            t->partitions[kPartitions - 1].replicas);
}

TEST(MetadataImage, ABatchNeverChangesTheTopicsAnEarlierImageHolds) {
  MetadataImage first;
  pb::MetadataBatch create;
  add_topic(&create, "a", id_of('a'));
  add_topic(&create, "b", id_of('b'));
  for (int32_t p = 0; p < 3; ++p) {
    add_partition(&create, id_of('a'), p, {1});
    add_partition(&create, id_of('b'), p, {1});
  }
  ASSERT_TRUE(first.apply_batch(create).is_ok());

  MetadataImage second = first;  // what MetadataStore::commit does before applying
  pb::MetadataBatch change;
  add_partition(&change, id_of('a'), 0, {2}, 1);
  add_partition(&change, id_of('a'), 1, {2}, 1);
  ASSERT_TRUE(second.apply_batch(change).is_ok());
  EXPECT_EQ(first.topic("a")->partitions[0].leader, 1);
  EXPECT_EQ(first.topic("a")->partitions[1].leader, 1);
  EXPECT_EQ(second.topic("a")->partitions[0].leader, 2);
  EXPECT_EQ(second.topic("a")->partitions[1].leader_epoch, 1);
  EXPECT_EQ(first.topic("b"), second.topic("b"));  // untouched topics stay shared
}

TEST(MetadataImage, AFailingBatchLeavesTheImageAsItWas) {
  MetadataImage image;
  pb::MetadataBatch create;
  add_topic(&create, "a", id_of('a'));
  add_partition(&create, id_of('a'), 0, {1});
  ASSERT_TRUE(image.apply_batch(create).is_ok());
  const TopicImage* before = image.topic("a");

  pb::MetadataBatch bad;
  add_partition(&bad, id_of('a'), 0, {2}, 1);
  add_partition(&bad, id_of('a'), 1, {2});
  add_topic(&bad, "b", id_of('b'));
  auto* c = bad.add_records()->mutable_config();
  c->set_resource_type(kBrokerResource);
  c->set_name("log.retention.ms");
  c->set_value("1");
  bad.add_records()->mutable_remove_topic()->set_topic_id(id_of('a').raw());
  add_partition(&bad, id_of('z'), 0, {1});  // unknown topic: the batch is corrupt
  EXPECT_FALSE(image.apply_batch(bad).is_ok());

  EXPECT_EQ(image.topic("a"), before);
  EXPECT_EQ(image.topic_by_id(id_of('a')), before);
  EXPECT_EQ(before->partitions.size(), 1u);
  EXPECT_EQ(before->partitions[0].leader, 1);
  EXPECT_EQ(image.topic("b"), nullptr);
  EXPECT_EQ(image.topic_by_id(id_of('b')), nullptr);
  EXPECT_EQ(image.broker_configs(""), nullptr);
  EXPECT_EQ(image.topics().size(), 1u);
}

}  // namespace
}  // namespace eddy::metadata
