// The state directory (Kafka Streams' StateDirectory): the instance lock refuses a second
// instance on one state directory, task locks admit one owner at a time, the cleaner deletes
// the task directories no one has owned for state.cleanup.delay.ms and nothing else, and
// cleanUp() wipes the application's state.
#include "streams/state_directory.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "eddy/streams/kafka_streams.h"
#include "eddy/streams/streams_builder.h"

namespace eddy::streams::internal {
namespace {

namespace fs = std::filesystem;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class StateDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("eddy-statedir-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string app_dir() const { return dir_ + "/app"; }
  // A task directory with a file in it, last modified `age_ms` ago.
  void make_task_dir(const std::string& name, int64_t age_ms) {
    fs::create_directories(app_dir() + "/" + name);
    std::ofstream(app_dir() + "/" + name + "/.checkpoint") << "0\n0\n";
    set_age(app_dir() + "/" + name, age_ms);
  }
  static void set_age(const std::string& path, int64_t age_ms) {
    int64_t t = now_ms() - age_ms;
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = t / 1000;
    times[0].tv_nsec = times[1].tv_nsec = (t % 1000) * 1000000;
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }

  static Topology counting(bool in_memory) {
    StreamsBuilder b;
    auto m = Materialized<std::string, int64_t>::as("counts");
    b.stream<std::string, std::string>("in").groupByKey().count(in_memory ? m.inMemory() : m);
    return b.build();
  }
  StreamsConfig config() const {
    StreamsConfig c;
    c.application_id = "app";
    c.bootstrap_servers = "127.0.0.1:1";  // never contacted: nothing is started
    c.state_dir = dir_;
    return c;
  }

  std::string dir_;
};

TEST_F(StateDirectoryTest, SecondInstanceOnTheSameDirectoryIsRefused) {
  {
    StateDirectory first(dir_, "app", true);
    EXPECT_TRUE(fs::exists(app_dir() + "/" + kStateDirLockFile));
    EXPECT_THROW(StateDirectory(dir_, "app", true), std::runtime_error);
    StateDirectory other_app(dir_, "other", true);  // another application.id is another directory
  }
  StateDirectory again(dir_, "app", true);  // released with the first instance
}

TEST_F(StateDirectoryTest, KafkaStreamsWithPersistentStoresLocksItsStateDirectory) {
  auto first = std::make_unique<KafkaStreams>(counting(false), config());
  EXPECT_THROW(KafkaStreams(counting(false), config()), std::runtime_error);
  first.reset();
  KafkaStreams second(counting(false), config());
  // As in Kafka, in-memory stores need no state directory: such instances may share one.
  auto c = config();
  c.application_id = "memory";
  KafkaStreams a(counting(true), c), b(counting(true), c);
  EXPECT_FALSE(fs::exists(dir_ + "/memory"));
}

TEST_F(StateDirectoryTest, ThreadAndStandbyCountsAreValidated) {
  auto c = config();
  c.num_stream_threads = 0;
  EXPECT_THROW(KafkaStreams(counting(false), c), std::invalid_argument);
  c = config();
  c.num_standby_replicas = -1;
  EXPECT_THROW(KafkaStreams(counting(false), c), std::invalid_argument);
  c = config();
  c.num_stream_threads = 4;
  c.num_standby_replicas = 2;
  KafkaStreams ok(counting(false), c);
  EXPECT_TRUE(ok.metadataForLocalThreads().empty());  // threads exist once started
}

TEST_F(StateDirectoryTest, TaskLockHasOneOwner) {
  StateDirectory d(dir_, "app", true);
  TaskId t{1, 2};
  EXPECT_TRUE(d.lock(t, "StreamThread-1"));
  EXPECT_TRUE(d.lock(t, "StreamThread-1"));  // re-entrant for its owner
  EXPECT_FALSE(d.lock(t, "StreamThread-2"));
  EXPECT_TRUE(d.lock(TaskId{1, 3}, "StreamThread-2"));
  d.unlock(t, "StreamThread-2");  // not its lock: kept
  EXPECT_EQ(d.owner(t), "StreamThread-1");
  d.unlock(t, "StreamThread-1");
  EXPECT_EQ(d.owner(t), std::nullopt);
  EXPECT_TRUE(d.lock(t, "StreamThread-2"));
}

TEST_F(StateDirectoryTest, CleanerRemovesOnlyTaskDirectoriesUnownedForTheDelay) {
  StateDirectory d(dir_, "app", true);
  const int64_t delay = 600000;
  make_task_dir("0_0", 2 * delay);     // abandoned: removed
  make_task_dir("0_1", 2 * delay);     // as old, but owned: kept
  make_task_dir("1_0", delay / 2);     // given up recently: kept
  make_task_dir("global", 2 * delay);  // not a task directory
  make_task_dir("x_1", 2 * delay);     // neither
  ASSERT_TRUE(d.lock(TaskId{0, 1}, "StreamThread-1"));
  EXPECT_EQ(d.clean_removed_tasks(delay, now_ms()), std::vector<TaskId>{TaskId({0, 0})});
  EXPECT_FALSE(fs::exists(app_dir() + "/0_0"));
  for (const char* kept : {"0_1", "1_0", "global", "x_1", kStateDirLockFile}) {
    EXPECT_TRUE(fs::exists(app_dir() + "/" + kept)) << kept;
  }
  // Giving a task up restarts its delay: unowned from now, not since its last write.
  d.unlock(TaskId{0, 1}, "StreamThread-1");
  EXPECT_TRUE(d.clean_removed_tasks(delay, now_ms()).empty());
  EXPECT_TRUE(fs::exists(app_dir() + "/0_1"));
  // Once the delay has passed for both (seen from later), both go.
  auto removed = d.clean_removed_tasks(delay, now_ms() + 2 * delay);
  EXPECT_EQ(removed, (std::vector<TaskId>{TaskId{0, 1}, TaskId{1, 0}}));
  EXPECT_TRUE(fs::exists(app_dir() + "/global"));
}

TEST_F(StateDirectoryTest, ParsesTaskDirectoryNames) {
  EXPECT_EQ(StateDirectory::parse_task_dir("3_17"), (TaskId{3, 17}));
  for (const char* bad : {"global", "_1", "1_", "1", "a_1", "1_b", "1_2_3", "1_99999999999"}) {
    EXPECT_EQ(StateDirectory::parse_task_dir(bad), std::nullopt) << bad;
  }
}

TEST_F(StateDirectoryTest, CleanUpDeletesTheApplicationStateWhenNotRunning) {
  make_task_dir("0_0", 0);
  make_task_dir("global", 0);
  {
    KafkaStreams s(counting(false), config());
    s.cleanUp();
  }
  EXPECT_FALSE(fs::exists(app_dir() + "/0_0"));
  EXPECT_FALSE(fs::exists(app_dir() + "/global"));
  StateDirectory d(dir_, "app", true);
  make_task_dir("0_1", 0);
  ASSERT_TRUE(d.lock(TaskId{0, 1}, "StreamThread-1"));
  EXPECT_THROW(d.clean(), std::logic_error);  // a task in use is never deleted
  EXPECT_TRUE(fs::exists(app_dir() + "/0_1"));
}

// Kafka's initializeProcessId: with persistent stores the process id survives a restart in
// kafka-streams-process-metadata; without them nothing is written and each instance is new.
TEST_F(StateDirectoryTest, TheProcessIdIsKeptAcrossRestartsOnlyWithPersistentStores) {
  std::string first;
  {
    StateDirectory sd(dir_, "app", /*persistent=*/true);
    first = sd.process_id();
    EXPECT_EQ(first.size(), 36u);
    EXPECT_EQ(sd.process_id(), first);
  }
  std::ifstream f(app_dir() + "/" + kProcessFile);
  std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(json, "{\"processId\":\"" + first + "\"}");
  {
    StateDirectory sd(dir_, "app", true);
    EXPECT_EQ(sd.process_id(), first);
  }
  // A file Kafka Streams wrote (other fields, spaces) is read the same way.
  const std::string kafkas = "4f4b6c49-8a55-4c0e-9d7e-0d2b1e1c2a3b";
  std::ofstream(app_dir() + "/" + kProcessFile)
      << "{ \"processId\" : \"" << kafkas << "\", \"version\": 2 }";
  {
    StateDirectory sd(dir_, "app", true);
    EXPECT_EQ(sd.process_id(), kafkas);
  }
  // A damaged file gets a new id, written over it.
  std::ofstream(app_dir() + "/" + kProcessFile) << "{\"processId\":\"not-a-uuid\"}";
  std::string renewed;
  {
    StateDirectory sd(dir_, "app", true);
    renewed = sd.process_id();
    EXPECT_EQ(renewed.size(), 36u);
    EXPECT_NE(renewed, kafkas);
  }
  {
    StateDirectory sd(dir_, "app", true);
    EXPECT_EQ(sd.process_id(), renewed);
  }
  fs::remove_all(dir_);
  {
    StateDirectory sd(dir_, "app", /*persistent=*/false);
    std::string a = sd.process_id();
    EXPECT_NE(a, sd.process_id());
  }
  EXPECT_FALSE(fs::exists(app_dir() + "/" + kProcessFile));
}

}  // namespace
}  // namespace eddy::streams::internal
