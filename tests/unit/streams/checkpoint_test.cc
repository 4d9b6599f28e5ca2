// Task checkpoints (Kafka Streams' `.checkpoint`): a persistent store whose checkpoint and
// directory survive is kept and restored from the checkpointed changelog offset; anything else
// (no checkpoint, a corrupt one, a missing store directory, an in-memory store) starts empty and
// is restored from the beginning.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "eddy/streams/store_views.h"
#include "eddy/streams/streams_builder.h"
#include "streams/stream_task.h"

namespace eddy::streams::internal {
namespace {

// Captures what a task sends, per topic, in order (a record's index is its offset).
struct Collector : RecordCollector {
  std::map<std::string, std::vector<std::pair<std::string, std::optional<std::string>>>> topics;
  void send(const std::string& topic, std::optional<int32_t>, const std::optional<std::string>& key,
            const std::optional<std::string>& value, int64_t) override {
    topics[topic].emplace_back(key.value_or(""), value);
  }
  int32_t num_partitions(const std::string&) override { return 1; }
};

class TaskCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("eddy-checkpoint-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void build(bool in_memory) {
    StreamsBuilder b;
    auto m = Materialized<std::string, int64_t>::as("counts");
    b.stream<std::string, std::string>("in").groupByKey().count(in_memory ? m.inMemory() : m);
    topology_ = b.build();
    subs_ = topology_.def().subtopologies();
  }
  std::unique_ptr<StreamTask> open() {
    TaskEnv env{"app", dir_, &collector_, [] { return int64_t(0); }, nullptr, false};
    auto t = std::make_unique<StreamTask>(TaskId{0, 0}, topology_.def(), subs_[0], env);
    t->init_processors();
    return t;
  }
  void count(StreamTask& t, const std::vector<std::string>& keys) {
    for (const auto& k : keys) t.process("in", 0, offset_++, k, std::string_view("v"), 1);
  }
  std::optional<int64_t> counted(StreamTask& t, const std::string& key) {
    auto* kv = dynamic_cast<KeyValueStore*>(t.store("counts"));
    return ReadOnlyKeyValueStore<std::string, int64_t>({kv}, {}, {}).get(key);
  }
  // A clean commit: stores flushed, every changelog record acknowledged, checkpoint written.
  void commit(StreamTask& t) {
    t.flush();
    t.set_changelog_offset("counts", int64_t(collector_.topics[kChangelog].size()));
    t.write_checkpoint();
  }
  // A run of the task that counts `keys`, commits and stops cleanly.
  void committed_run(const std::vector<std::string>& keys) {
    auto t = open();
    count(*t, keys);
    commit(*t);
    t->close();
  }
  std::string checkpoint_path() const { return dir_ + "/app/0_0/" + kTaskCheckpointFile; }
  std::string checkpoint_text() const {
    std::ifstream f(checkpoint_path());
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

  static constexpr const char* kChangelog = "app-counts-changelog";
  std::string dir_;
  Topology topology_;
  std::vector<SubtopologyDef> subs_;
  Collector collector_;
  int64_t offset_ = 0;
};

TEST_F(TaskCheckpoint, ACommittedStoreIsKeptAndRestoreStartsAtItsCheckpointedOffset) {
  build(false);
  auto t = open();
  ASSERT_EQ(t->changelogs().size(), 1u);
  EXPECT_EQ(t->changelogs()[0].checkpointed, std::nullopt);  // nothing local yet: full restore
  count(*t, {"a", "b", "a"});
  commit(*t);
  EXPECT_EQ(checkpoint_text(), "0\n1\napp-counts-changelog-0 3\n");
  t->close();
  t.reset();

  t = open();
  EXPECT_EQ(t->changelogs()[0].checkpointed, 3);
  EXPECT_EQ(counted(*t, "a"), 2);  // kept, not wiped: restore replays only offsets 3 onward
  EXPECT_EQ(counted(*t, "b"), 1);
  count(*t, {"a"});
  EXPECT_EQ(counted(*t, "a"), 3);
  // Offsets only move forward: a late, lower acknowledgement does not take the checkpoint back.
  t->set_changelog_offset("counts", 2);
  commit(*t);
  EXPECT_EQ(checkpoint_text(), "0\n1\napp-counts-changelog-0 4\n");
}

TEST_F(TaskCheckpoint, WithoutACheckpointTheStoreIsWipedAndRestoredFromTheBeginning) {
  build(false);
  auto t = open();
  count(*t, {"a"});
  t->flush();  // flushed, but no checkpoint: as after a crash before the first commit
  t.reset();
  t = open();
  EXPECT_EQ(t->changelogs()[0].checkpointed, std::nullopt);
  EXPECT_EQ(counted(*t, "a"), std::nullopt);
}

TEST_F(TaskCheckpoint, ACorruptCheckpointMeansFullRestore) {
  build(false);
  committed_run({"a"});
  std::ofstream(checkpoint_path(), std::ios::trunc) << "0\n1\napp-counts-changelog-0 x\n";
  auto t = open();
  EXPECT_EQ(t->changelogs()[0].checkpointed, std::nullopt);
  EXPECT_EQ(counted(*t, "a"), std::nullopt);
}

TEST_F(TaskCheckpoint, AStoreDirectoryGoneMeansFullRestoreAndTheCheckpointStopsVouchingForIt) {
  build(false);
  committed_run({"a"});
  std::filesystem::remove_all(dir_ + "/app/0_0/counts");
  auto t = open();
  EXPECT_EQ(t->changelogs()[0].checkpointed, std::nullopt);
  // Rewritten before the store was recreated empty: a crash during its restore must not leave a
  // checkpoint that resumes the empty store from offset 1.
  EXPECT_FALSE(std::filesystem::exists(checkpoint_path()));
}

TEST_F(TaskCheckpoint, ResetStoreEmptiesItAndDropsItsCheckpointEntry) {
  build(false);
  committed_run({"a"});
  auto t = open();
  ASSERT_EQ(t->changelogs()[0].checkpointed, 1);
  t->reset_store("counts");  // the changelog does not have offset 1 (recreated topic)
  EXPECT_EQ(t->changelogs()[0].checkpointed, std::nullopt);
  EXPECT_EQ(counted(*t, "a"), std::nullopt);
  EXPECT_FALSE(std::filesystem::exists(checkpoint_path()));
}

TEST_F(TaskCheckpoint, InMemoryStoresAreNeverCheckpointed) {
  build(true);
  auto t = open();
  count(*t, {"a"});
  commit(*t);
  EXPECT_FALSE(std::filesystem::exists(checkpoint_path()));
  t.reset();
  t = open();
  EXPECT_EQ(t->changelogs()[0].checkpointed, std::nullopt);
}

TEST_F(TaskCheckpoint, AGlobalStoreIsCheckpointedPerPartitionOfItsTopicInItsOwnFile) {
  StreamsBuilder b;
  b.globalTable<std::string, std::string>(
      "users", {}, Materialized<std::string, std::string>::as("users-store"));
  topology_ = b.build();
  subs_ = topology_.def().subtopologies();
  ASSERT_TRUE(subs_[0].global);
  auto open_global = [&] {
    TaskEnv env{"app", dir_, &collector_, [] { return int64_t(0); }, nullptr, true};
    auto t = std::make_unique<StreamTask>(TaskId{0, 0}, topology_.def(), subs_[0], env);
    t->init_processors();
    return t;
  };
  auto t = open_global();
  EXPECT_EQ(t->checkpointed_offset("users-store", 0), std::nullopt);
  t->process("users", 0, 0, std::string_view("alice"), std::string_view("eu"), 1);
  t->process("users", 2, 5, std::string_view("bob"), std::string_view("asia"), 1);
  t->set_changelog_offset("users-store", 0, 1);
  t->set_changelog_offset("users-store", 2, 6);
  t->flush();
  t->write_checkpoint();
  t.reset();
  std::ifstream f(dir_ + "/app/global/" + kTaskCheckpointFile + "-users-store");
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_EQ(text.str(), "0\n2\nusers-0 1\nusers-2 6\n");  // the topic is its changelog
  EXPECT_TRUE(collector_.topics.empty());                 // nothing logged

  t = open_global();
  EXPECT_EQ(t->checkpointed_offset("users-store", 0), 1);
  EXPECT_EQ(t->checkpointed_offset("users-store", 1), std::nullopt);  // restored from its start
  EXPECT_EQ(t->checkpointed_offset("users-store", 2), 6);
  auto* kv = dynamic_cast<KeyValueStore*>(t->store("users-store"));
  EXPECT_EQ(kv->get("bob"), "asia");  // kept
}

}  // namespace
}  // namespace eddy::streams::internal
