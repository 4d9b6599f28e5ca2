// The coordinator's rebalance log (docs/consumer-groups.md, "Rebalance log"): Kafka's
// GroupCoordinator INFO lines for each rebalance and each member the coordinator removes, none
// for heartbeats or a steady group's requests, and client-chosen text escaped and bounded.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "group_test_fixture.h"

namespace eddy::group::testing {
namespace {

using Lines = std::vector<std::string>;

class RebalanceLogTest : public GroupCoordinatorTest {
 protected:
  RebalanceLogTest() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%v");
    auto logger = std::make_shared<spdlog::logger>("captured", sink);
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~RebalanceLogTest() override { spdlog::set_default_logger(previous_); }

  // The lines logged since the last call.
  Lines take_lines() {
    Lines lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    out_.str("");
    return lines;
  }

  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(RebalanceLogTest, AFirstMemberLogsTheRebalanceTheStableGenerationAndTheAssignment) {
  auto joined = join("");
  ASSERT_TRUE(joined->answered());
  std::string id = joined->result->member_id;
  EXPECT_EQ(take_lines(), (Lines{"Preparing to rebalance group g in state Empty with old "
                                 "generation 0 (__consumer_offsets-0) (reason: Adding new member " +
                                     id + ")",
                                 "Stabilized group g generation 1 (__consumer_offsets-0) with 1 "
                                 "members"}));
  auto synced = sync(id, 1, {{id, Bytes{1}}});
  ASSERT_TRUE(synced->answered());
  EXPECT_EQ(take_lines(), (Lines{"Assignment received from leader " + id +
                                 " for group g for generation 1. The group has 1 members, 0 of "
                                 "which are static."}));
}

TEST_F(RebalanceLogTest, HeartbeatsAndUnchangedRejoinsOfAStableGroupLogNothing) {
  auto [ids, gen] = stable_group(2);
  take_lines();
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(heartbeat(ids[0], gen), err::kNone);
    ASSERT_EQ(heartbeat(ids[1], gen), err::kNone);
    clock.advance_ms(1'000);
    coord->tick();
  }
  ASSERT_TRUE(join(ids[1])->answered());  // a follower with the same protocols: no rebalance
  EXPECT_EQ(take_lines(), Lines{});
}

TEST_F(RebalanceLogTest, AnExpiredSessionLogsTheFailedMemberAndTheEmptyGroup) {
  auto [ids, gen] = stable_group(1);
  take_lines();
  clock.advance_ms(10'001);  // past the member's 10 s session
  coord->tick();
  EXPECT_EQ(take_lines(),
            (Lines{"Member " + ids[0] + " in group g has failed, removing it from the group",
                   "Preparing to rebalance group g in state Stable with old generation 1 "
                   "(__consumer_offsets-0) (reason: removing member " +
                       ids[0] + " on heartbeat expiration)",
                   "Group g with generation 2 is now empty (__consumer_offsets-0)"}));
}

TEST_F(RebalanceLogTest, LeaveGroupLogsTheMemberAndTheClientsReason) {
  auto [ids, gen] = stable_group(2);
  take_lines();
  LeaveGroupResult left =
      coord->leave_group(kGroup, {LeaveMember(ids[1], std::nullopt, "the consumer is closed")});
  ASSERT_EQ(left.error_code, err::kNone);
  EXPECT_EQ(take_lines(),
            (Lines{"Member[group.instance.id None, member.id " + ids[1] +
                       "] in group g has left, removing it from the group; client reason: the "
                       "consumer is closed",
                   "Preparing to rebalance group g in state Stable with old generation " +
                       std::to_string(gen) + " (__consumer_offsets-0) (reason: removing member " +
                       ids[1] + " on LeaveGroup; client reason: the consumer is closed)"}));
  // The leader rejoins: the next generation is stable with one member.
  ASSERT_TRUE(join(ids[0])->answered());
  EXPECT_EQ(take_lines(), (Lines{"Stabilized group g generation " + std::to_string(gen + 1) +
                                 " (__consumer_offsets-0) with 1 members"}));
}

TEST_F(RebalanceLogTest, AMemberThatDoesNotRejoinInTimeIsNamed) {
  auto [ids, gen] = stable_group(2);
  take_lines();
  // The leader rejoins; the follower does not within the 30 s rebalance timeout, although it
  // keeps heartbeating (REBALANCE_IN_PROGRESS), so it is removed when the rebalance ends.
  ASSERT_FALSE(join(ids[0])->answered());
  for (int i = 0; i < 30; ++i) {
    clock.advance_ms(1'001);
    heartbeat(ids[1], gen);
    coord->tick();
  }
  Lines lines = take_lines();
  ASSERT_EQ(lines.size(), 3u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[1], "Group g removed 1 dynamic members who haven't joined: " + ids[1]);
  EXPECT_EQ(lines[2], "Stabilized group g generation " + std::to_string(gen + 1) +
                          " (__consumer_offsets-0) with 1 members");
}

TEST_F(RebalanceLogTest, ClientTextIsEscapedAndBounded) {
  JoinOptions o;
  o.group = "evil\n[info] forged line";
  o.reason = std::string(10'000, 'r');
  ASSERT_TRUE(join("", o)->answered());
  Lines lines = take_lines();
  ASSERT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
  EXPECT_NE(lines[0].find("group evil\\x0a[info] forged line in state"), std::string::npos)
      << lines[0];
  // Cut at kMaxLogTextBytes (256 bytes), its length said.
  EXPECT_NE(lines[0].find("client reason: " + std::string(256, 'r') + "...(10000 bytes))"),
            std::string::npos)
      << lines[0];
  EXPECT_LT(lines[0].size(), 1'000u);
}

}  // namespace
}  // namespace eddy::group::testing
