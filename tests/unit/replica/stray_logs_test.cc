// Stray logs at start-up (KIP-858) and the partition.metadata topic id they are told apart by.
#include "broker/replica/stray_logs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "broker/replica/partition_metadata_file.h"
#include "metadata/metadata.pb.h"
#include "tests/unit/replica/replica_test_util.h"

namespace eddy::broker {
namespace {

// An image with one topic `name` of id `id` whose partitions have the given replicas.
metadata::MetadataImage image_with(const std::string& name, const Uuid& id,
                                   const std::vector<std::vector<int32_t>>& replicas) {
  metadata::pb::MetadataBatch batch;
  auto* t = batch.add_records()->mutable_topic();
  t->set_name(name);
  t->set_topic_id(id.raw());
  for (size_t i = 0; i < replicas.size(); ++i) {
    auto* p = batch.add_records()->mutable_partition();
    p->set_topic_id(id.raw());
    p->set_partition_id(static_cast<int32_t>(i));
    for (int32_t r : replicas[i]) {
      p->add_replicas(r);
      p->add_isr(r);
    }
    p->set_leader(replicas[i].front());
    p->set_leader_epoch(0);
    p->set_partition_epoch(0);
  }
  metadata::MetadataImage image;
  Status s = image.apply_batch(batch);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return image;
}

TEST(PartitionMetadataFile, RoundTripsTheTopicIdInKafkasFormat) {
  testing::TempDir dir;
  auto none = read_partition_topic_id(dir.path());
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none.value().has_value());
  const Uuid id = Uuid::random();
  ASSERT_TRUE(write_partition_topic_id(dir.path(), id).is_ok());
  std::ifstream in(dir.path() + "/partition.metadata");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "version: 0\ntopic_id: " + id.to_base64() + "\n");
  auto read = read_partition_topic_id(dir.path());
  ASSERT_TRUE(read.is_ok());
  EXPECT_EQ(read.value(), id);
  { std::ofstream(dir.path() + "/partition.metadata") << "version: 0\ntopic_id: nope\n"; }
  EXPECT_EQ(read_partition_topic_id(dir.path()).status().code(), StatusCode::kCorruption);
}

TEST(StrayReason, OnlyALogTheImagePlacesHereUnderItsTopicIdIsKept) {
  const Uuid id = Uuid::random();
  const auto image = image_with("t", id, {{1, 2, 3}, {2, 3, 4}});
  EXPECT_EQ(stray_reason(1, image, {"t", 0}, id), std::nullopt);
  EXPECT_EQ(stray_reason(1, image, {"t", 0}, std::nullopt), std::nullopt);  // no id: by name
  // Moved away, beyond the partition count, deleted, re-created under the name.
  EXPECT_NE(stray_reason(1, image, {"t", 1}, id), std::nullopt);
  EXPECT_NE(stray_reason(1, image, {"t", 2}, id), std::nullopt);
  EXPECT_NE(stray_reason(1, image, {"gone", 0}, std::nullopt), std::nullopt);
  auto recreated = stray_reason(1, image, {"t", 0}, Uuid::random());
  ASSERT_NE(recreated, std::nullopt);
  EXPECT_NE(recreated->find("re-created"), std::string::npos) << *recreated;
}

TEST(DeleteStrayLogs, DeletesTheStrayLogsAndKeepsTheRest) {
  testing::TempDir dir;
  log::LogManagerOptions lo;
  lo.log_dirs = {dir.path()};
  auto logs = log::LogManager::open(lo);
  ASSERT_TRUE(logs.is_ok()) << logs.status().to_string();
  const Uuid id = Uuid::random();
  for (const TopicPartition& tp :
       {TopicPartition{"t", 0}, TopicPartition{"t", 1}, TopicPartition{"old", 0}}) {
    auto log = (*logs)->get_or_create(tp);
    ASSERT_TRUE(log.is_ok());
    if (tp.topic == "t") {
      ASSERT_TRUE(write_partition_topic_id(log.value()->dir(), id).is_ok());
    }
  }
  // A log whose topic id cannot be read is kept: deleting needs certainty.
  auto unreadable = (*logs)->get_or_create({"x", 0});
  ASSERT_TRUE(unreadable.is_ok());
  { std::ofstream(unreadable.value()->dir() + "/partition.metadata") << "garbage"; }

  auto deleted = delete_stray_logs(**logs, 1, image_with("t", id, {{1, 2}, {2, 3}}));
  EXPECT_EQ(deleted, (std::vector<TopicPartition>{{"old", 0}, {"t", 1}}));
  EXPECT_EQ((*logs)->partitions(), (std::vector<TopicPartition>{{"t", 0}, {"x", 0}}));
  ASSERT_TRUE((*logs)->shutdown().is_ok());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/old-0"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/t-1"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/t-0"));
}

}  // namespace
}  // namespace eddy::broker
