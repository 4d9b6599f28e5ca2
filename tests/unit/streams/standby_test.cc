// Standby replicas: the standby assignment (Kafka's rules: never on the active's client, never
// twice on one client, to the least loaded client) and the restore position a standby hands over
// to the active task it becomes.
#include "streams/standby.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "eddy/streams/streams_builder.h"
#include "streams/stream_task.h"

namespace eddy::streams::internal {
namespace {

TEST(StandbyAssignment, EachTaskGetsItsStandbyOnAnotherClient) {
  std::map<TaskId, std::string> active{{{1, 0}, "a"}, {{1, 1}, "b"}, {{1, 2}, "a"}, {{1, 3}, "b"}};
  auto s = assign_standby_tasks(active, {"a", "b"}, 1);
  EXPECT_EQ(s["a"], (std::set<TaskId>{{1, 1}, {1, 3}}));
  EXPECT_EQ(s["b"], (std::set<TaskId>{{1, 0}, {1, 2}}));
}

TEST(StandbyAssignment, NoStandbyWhereTheActiveIsOrTwiceOnOneClient) {
  std::map<TaskId, std::string> active;
  for (int32_t p = 0; p < 6; ++p) active[{0, p}] = std::string(1, char('a' + p % 3));
  // More replicas than other clients: each task gets one standby per other client, no more.
  auto s = assign_standby_tasks(active, {"a", "b", "c"}, 5);
  for (const auto& [id, owner] : active) {
    int copies = 0;
    for (const auto& [client, tasks] : s) {
      if (!tasks.count(id)) continue;
      EXPECT_NE(client, owner) << id.to_string();
      ++copies;
    }
    EXPECT_EQ(copies, 2) << id.to_string();
  }
  // One client alone: no standbys.
  EXPECT_TRUE(assign_standby_tasks({{{0, 0}, "a"}, {{0, 1}, "a"}}, {"a"}, 1).empty());
}

TEST(StandbyAssignment, StandbysGoToTheLeastLoadedClient) {
  // a runs 3 tasks, b 1, c none: the standbys of a's tasks go to c first, then to b and c in
  // turn as their loads even out.
  std::map<TaskId, std::string> active{{{0, 0}, "a"}, {{0, 1}, "a"}, {{0, 2}, "a"}, {{0, 3}, "b"}};
  auto s = assign_standby_tasks(active, {"a", "b", "c"}, 1);
  EXPECT_EQ(s["c"], (std::set<TaskId>{{0, 0}, {0, 2}, {0, 3}}));
  EXPECT_EQ(s["b"], (std::set<TaskId>{{0, 1}}));
  EXPECT_EQ(s.count("a"), 0u);
  // Tasks whose active client is not a member (a stale view) still get standbys elsewhere.
  auto stale = assign_standby_tasks({{{0, 0}, "gone"}}, {"a"}, 1);
  EXPECT_EQ(stale["a"], (std::set<TaskId>{{0, 0}}));
}

struct NullCollector : RecordCollector {
  void send(const std::string&, std::optional<int32_t>, const std::optional<std::string>&,
            const std::optional<std::string>&, int64_t) override {}
  int32_t num_partitions(const std::string&) override { return 1; }
};

// A standby applies changelog records and moves each store's changelog offset; promoted, its
// restore starts there, for persistent and in-memory stores alike.
TEST(StandbyPosition, RestoreOfAPromotedStandbyStartsWhereItRead) {
  std::string dir =
      (std::filesystem::temp_directory_path() / ("eddy-standby-" + std::to_string(::getpid())))
          .string();
  std::filesystem::remove_all(dir);
  StreamsBuilder b;
  auto in = b.stream<std::string, std::string>("in");
  in.groupByKey().count(Materialized<std::string, int64_t>::as("disk"));
  in.groupByKey().count(Materialized<std::string, int64_t>::as("memory").inMemory());
  Topology t = b.build();
  auto subs = t.def().subtopologies();
  NullCollector collector;
  TaskEnv env{"app", dir, &collector, [] { return int64_t(0); }, nullptr, false};
  StreamTask task(TaskId{0, 0}, t.def(), subs[0], env);
  for (const auto& cl : task.changelogs()) EXPECT_EQ(cl.checkpointed, std::nullopt) << cl.store;
  task.set_changelog_offset("disk", 7);
  task.set_changelog_offset("memory", 9);
  std::map<std::string, std::optional<int64_t>> from;
  for (const auto& cl : task.changelogs()) from[cl.store] = cl.checkpointed;
  EXPECT_EQ(from["disk"], 7);
  EXPECT_EQ(from["memory"], 9);
  // Only the persistent store's offset is checkpointed: nothing of the other survives the task.
  task.write_checkpoint();
  EXPECT_EQ(task.checkpointed_offset("memory", 0), std::nullopt);
  // A reset store starts over.
  task.reset_store("memory");
  for (const auto& cl : task.changelogs()) {
    if (cl.store == "memory") {
      EXPECT_EQ(cl.checkpointed, std::nullopt);
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy::streams::internal
