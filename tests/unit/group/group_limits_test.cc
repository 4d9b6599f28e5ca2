// group.member.metadata.max.bytes and group.metadata.max.bytes: what one JoinGroup member and one
// whole group may make the broker hold in protocol metadata.

#include "group_test_fixture.h"

namespace eddy::group {
namespace {

using testing::GroupCoordinatorTest;
using testing::JoinOptions;
using testing::kGroup;

class GroupLimitsTest : public GroupCoordinatorTest {
 protected:
  GroupLimitsTest() {
    // A member of "range" with 95 bytes of metadata is as large as a member may be; three of
    // them fill a group.
    config.member_metadata_max_bytes = static_cast<int32_t>(bytes_of(95));
    config.metadata_max_bytes = 3 * config.member_metadata_max_bytes;
    restart();
  }
  static size_t bytes_of(size_t metadata) {
    return protocol_metadata_bytes({JoinProtocol{"range", Bytes(metadata, 7)}});
  }
  static JoinOptions with_metadata(size_t bytes) {
    JoinOptions o;
    o.protocols = {JoinProtocol{"range", Bytes(bytes, 7)}};
    return o;
  }
  // Three members of the largest size in a completed rebalance: the group is full.
  std::vector<std::string> full_group() {
    JoinOptions o = with_metadata(95);
    std::string first = join_new(o);
    auto second = join("", o);
    auto third = join("", o);
    auto rejoin = join(first, o);
    EXPECT_TRUE(rejoin->answered() && second->answered() && third->answered());
    if (!second->answered() || !third->answered()) return {};
    EXPECT_EQ(rejoin->result->error_code, err::kNone);
    return {first, second->result->member_id, third->result->member_id};
  }
  void expect_invariants() {
    Status s = coord->check_invariants();
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }
};

TEST_F(GroupLimitsTest, AMemberOverTheMemberLimitIsRefusedWithInvalidRequest) {
  auto c = join("", with_metadata(96));
  ASSERT_TRUE(c->answered());
  EXPECT_EQ(c->result->error_code, err::kInvalidRequest);
  EXPECT_EQ(coord->group_count(), 0u);
}

TEST_F(GroupLimitsTest, RefusalsAreCountedForTheLog) {
  join("", with_metadata(96));
  join("", with_metadata(200));
  GroupCoordinator::RefusedJoins r = coord->take_refused_joins();
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.last_group, kGroup);
  EXPECT_EQ(r.last_bytes, bytes_of(200));
  EXPECT_EQ(coord->take_refused_joins().count, 0);
}

TEST_F(GroupLimitsTest, ManySmallProtocolsCountAsMuchAsOneLargeOne) {
  JoinOptions o;
  for (int i = 0; i < 30; ++i) o.protocols.push_back(JoinProtocol{std::to_string(100 + i), {1}});
  auto c = join("", o);
  ASSERT_TRUE(c->answered());
  EXPECT_EQ(c->result->error_code, err::kInvalidRequest);
}

TEST_F(GroupLimitsTest, EmptyProtocolsAreNotFree) {
  JoinOptions o;
  o.protocols.assign(3, JoinProtocol{"", {}});
  auto c = join("", o);  // 3 x 64 bytes of bookkeeping: over one member's 164
  ASSERT_TRUE(c->answered());
  EXPECT_EQ(c->result->error_code, err::kInvalidRequest);
}

TEST_F(GroupLimitsTest, AJoinPastTheGroupLimitIsRefusedWithGroupMaxSizeReached) {
  JoinOptions o = with_metadata(95);
  std::string first = join_new(o);
  auto second = join("", o);
  auto third = join("", o);
  EXPECT_FALSE(second->answered());  // waiting for the rebalance
  auto fourth = join("", o);
  ASSERT_TRUE(fourth->answered());
  EXPECT_EQ(fourth->result->error_code, err::kGroupMaxSizeReached);
  // The group is full: even a member with empty metadata does not fit.
  auto empty = join("", with_metadata(0));
  EXPECT_EQ(empty->result->error_code, err::kGroupMaxSizeReached);
  // A rejoin counts only the change in its own metadata: the first member completes the
  // rebalance of three.
  auto rejoin = join(first, o);
  ASSERT_TRUE(rejoin->answered());
  EXPECT_EQ(rejoin->result->error_code, err::kNone);
  EXPECT_EQ(third->result->error_code, err::kNone);
  expect_invariants();
}

TEST_F(GroupLimitsTest, AMemberThatShrinksItsMetadataMakesRoom) {
  std::vector<std::string> ids = full_group();
  ASSERT_EQ(ids.size(), 3u);
  auto shrink = join(ids[0], with_metadata(0));  // frees 95 bytes
  EXPECT_FALSE(shrink->answered() && shrink->result->error_code == err::kGroupMaxSizeReached);
  size_t room = bytes_of(95) - bytes_of(0);
  ASSERT_GT(room, bytes_of(0));
  auto fits = join("", with_metadata(room - bytes_of(0)));  // exactly fills the group again
  EXPECT_FALSE(fits->answered() && fits->result->error_code == err::kGroupMaxSizeReached);
  auto full = join("", with_metadata(0));
  ASSERT_TRUE(full->answered());
  EXPECT_EQ(full->result->error_code, err::kGroupMaxSizeReached);
  expect_invariants();
}

TEST_F(GroupLimitsTest, AStaticRejoinReplacesItsOldMetadata) {
  JoinOptions o = with_metadata(95);
  o.instance_id = "i1";
  auto first = join("", o);
  ASSERT_EQ(first->result->error_code, err::kNone);
  auto s = sync(first->result->member_id, first->result->generation_id,
                {{first->result->member_id, Bytes{1}}});
  ASSERT_EQ(s->result->error_code, err::kNone);
  // Restarting three times in a row never adds up: the old incarnation's metadata goes.
  for (int i = 0; i < 3; ++i) {
    auto again = join("", o);
    ASSERT_TRUE(again->answered());
    EXPECT_EQ(again->result->error_code, err::kNone);
  }
  expect_invariants();
}

TEST_F(GroupLimitsTest, MembersThatLeaveOrExpireGiveTheirBytesBack) {
  JoinOptions o = with_metadata(95);
  std::vector<std::string> ids = full_group();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(join("", o)->result->error_code, err::kGroupMaxSizeReached);
  LeaveGroupResult left = coord->leave_group(kGroup, {LeaveMember{ids[1], {}}});
  ASSERT_EQ(left.members.at(0).error_code, err::kNone);
  auto d = join("", o);
  EXPECT_FALSE(d->answered());  // a member again, waiting for the rebalance
  expect_invariants();
  // The first and third miss the rebalance and expire, d's session then ends too: the group
  // empties.
  for (int64_t step : {60'000, 11'000, 31'000}) {
    clock.advance_ms(step);
    coord->tick();
    expect_invariants();
  }
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kEmpty);
  // Every byte came back: three members of the full size fit again.
  EXPECT_EQ(full_group().size(), 3u);
}

}  // namespace
}  // namespace eddy::group
