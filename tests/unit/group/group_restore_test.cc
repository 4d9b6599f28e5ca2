// Loading __consumer_offsets back: every record that a coordinator could not have written
// (corrupt bytes, or a record forged before client writes to internal topics were refused) is
// skipped and counted, the state before it stays, and the loaded groups keep the coordinator's
// invariants.

#include <functional>

#include "group_test_fixture.h"

namespace eddy::group {
namespace {

using testing::GroupCoordinatorTest;
using testing::JoinOptions;
using testing::kGroup;

MemberMetadataRecord member(std::string id, std::optional<std::string> instance = std::nullopt) {
  MemberMetadataRecord m;
  m.member_id = std::move(id);
  m.group_instance_id = std::move(instance);
  m.client_id = "client";
  m.client_host = "/127.0.0.1";
  m.rebalance_timeout_ms = 30'000;
  m.session_timeout_ms = 10'000;
  m.subscription = {1};
  m.assignment = {2};
  return m;
}

// A Stable generation 3 of two static members, as a coordinator writes it.
GroupMetadataValue valid_group() {
  GroupMetadataValue v;
  v.protocol_type = "consumer";
  v.generation = 3;
  v.protocol = "range";
  v.leader = "m1";
  v.current_state_timestamp_ms = 1'000;
  v.members = {member("m1", "i1"), member("m2", "i2")};
  return v;
}

class GroupRestoreTest : public GroupCoordinatorTest {
 protected:
  void write(Bytes key, std::optional<Bytes> value, int32_t partition = 0) {
    std::vector<CoordinatorRecord> records;
    records.push_back(CoordinatorRecord{std::move(key), std::move(value)});
    log.append(partition, std::move(records), [](Status s) { ASSERT_TRUE(s.is_ok()); });
  }
  void write_group(const GroupMetadataValue& v, const std::string& group = kGroup) {
    write(encode_key(GroupMetadataKey{group}), encode_value(v));
  }

  // A broker restart: a fresh coordinator reads partition 0 back.
  GroupCoordinator::LoadStats reload() {
    coord = std::make_unique<GroupCoordinator>(config, log, clock);
    GroupCoordinator::LoadStats stats;
    Status s = coord->load_partition(0, &stats);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    Status inv = coord->check_invariants();
    EXPECT_TRUE(inv.is_ok()) << inv.to_string();
    return stats;
  }

  // Writes a valid generation, then `bad`; after a restart the valid one is what is loaded.
  void expect_skipped(const GroupMetadataValue& bad) {
    write_group(valid_group());
    write_group(bad);
    GroupCoordinator::LoadStats stats = reload();
    EXPECT_EQ(stats.skipped, 1);
    ASSERT_EQ(stats.skipped_reasons.size(), 1u);
    EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable) << stats.skipped_reasons[0];
    EXPECT_EQ(coord->group_generation(kGroup), 3);
  }
};

TEST_F(GroupRestoreTest, AValidGroupRecordIsRestoredStable) {
  write_group(valid_group());
  GroupCoordinator::LoadStats stats = reload();
  EXPECT_EQ(stats.skipped, 0);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable);
  EXPECT_EQ(coord->group_generation(kGroup), 3);
  EXPECT_EQ(heartbeat("m2", 3, "i2"), err::kNone);
}

// The remote crash: a forged record whose two members share a member id under different
// group.instance.ids left instance "i2" naming a member that a static rejoin of "i1" then moved
// away; the rejoin of "i2" dereferenced the missing member (SIGSEGV). Now the record is skipped,
// the generation before it stays, and both static members take their places back.
TEST_F(GroupRestoreTest, TwoMembersSharingAnIdAreSkippedAndStaticRejoinsDoNotCrash) {
  write_group(valid_group());
  GroupMetadataValue v = valid_group();
  v.members = {member("dup", "i1"), member("dup", "i2")};
  v.leader = "dup";
  write_group(v);
  GroupCoordinator::LoadStats stats = reload();
  EXPECT_EQ(stats.skipped, 1);

  JoinOptions a;
  a.instance_id = "i1";
  JoinOptions b;
  b.instance_id = "i2";
  auto first = join("", a);
  auto second = join("", b);
  ASSERT_TRUE(first->answered());
  ASSERT_TRUE(second->answered());
  EXPECT_EQ(first->result->error_code, err::kNone);
  EXPECT_EQ(second->result->error_code, err::kNone);
  EXPECT_EQ(second->result->generation_id, 3);
  EXPECT_TRUE(coord->check_invariants().is_ok()) << coord->check_invariants().to_string();
}

TEST_F(GroupRestoreTest, DuplicateMemberIdsAreSkipped) {
  GroupMetadataValue v = valid_group();
  v.members = {member("m1"), member("m1")};
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, OneInstanceIdOnTwoMembersIsSkipped) {
  GroupMetadataValue v = valid_group();
  v.members = {member("m1", "i1"), member("m2", "i1")};
  expect_skipped(v);
}

// The join path accepts these, so the load must too: a group is never lost by a restart.
TEST_F(GroupRestoreTest, AnEmptyInstanceIdAndAnyTimeoutsAreRestored) {
  GroupMetadataValue v = valid_group();
  v.members[1].group_instance_id = "";
  v.members[0].rebalance_timeout_ms = -1;
  v.members[1].session_timeout_ms = 0;
  write_group(v);
  EXPECT_EQ(reload().skipped, 0);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kStable);
}

TEST_F(GroupRestoreTest, AnEmptyMemberIdIsSkipped) {
  GroupMetadataValue v = valid_group();
  v.members[1].member_id = "";
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, ALeaderThatIsNoMemberIsSkipped) {
  GroupMetadataValue v = valid_group();
  v.leader = "stranger";
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, MembersWithoutALeaderAreSkipped) {
  GroupMetadataValue v = valid_group();
  v.leader.reset();
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, MembersWithoutAProtocolAreSkipped) {
  GroupMetadataValue v = valid_group();
  v.protocol.reset();
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, MembersWithoutAProtocolTypeAreSkipped) {
  GroupMetadataValue v = valid_group();
  v.protocol_type = "";
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, MembersInGenerationZeroAreSkipped) {
  GroupMetadataValue v = valid_group();
  v.generation = 0;
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, ANegativeGenerationIsSkipped) {
  GroupMetadataValue v = valid_group();
  v.members.clear();
  v.protocol.reset();
  v.leader.reset();
  v.generation = -5;
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, ALeaderWithoutMembersIsSkipped) {
  GroupMetadataValue v = valid_group();
  v.members.clear();
  v.protocol.reset();
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, MemberMetadataOverTheMemberLimitIsSkipped) {
  config.member_metadata_max_bytes = static_cast<int32_t>(protocol_metadata_bytes(5, 64));
  GroupMetadataValue v = valid_group();
  v.members[1].subscription = Bytes(65, 0);  // "range" and 65 bytes
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, GroupMetadataOverTheGroupLimitIsSkipped) {
  config.metadata_max_bytes = static_cast<int32_t>(2 * protocol_metadata_bytes(5, 49));
  GroupMetadataValue v = valid_group();
  for (auto& m : v.members) m.subscription = Bytes(50, 0);  // two of "range" and 50 bytes
  expect_skipped(v);
}

TEST_F(GroupRestoreTest, AnEmptyGroupRecordIsRestoredEmpty) {
  GroupMetadataValue v;
  v.protocol_type = "consumer";
  v.generation = 4;
  write_group(v);
  EXPECT_EQ(reload().skipped, 0);
  EXPECT_EQ(coord->group_state(kGroup), GroupState::kEmpty);
  EXPECT_EQ(coord->group_generation(kGroup), 4);
}

TEST_F(GroupRestoreTest, UnknownVersionsAndTruncatedValuesAreSkipped) {
  write_group(valid_group());
  Bytes key_v3 = encode_key(GroupMetadataKey{kGroup});
  key_v3[1] = 3;
  write(key_v3, encode_value(valid_group()));
  Bytes value_v4 = encode_value(valid_group());
  value_v4[1] = 4;
  write(encode_key(GroupMetadataKey{kGroup}), value_v4);
  Bytes truncated = encode_value(valid_group());
  truncated.resize(truncated.size() - 3);
  write(encode_key(GroupMetadataKey{kGroup}), truncated);
  Bytes offset_v9 = encode_value(OffsetCommitValue{7, -1, "", 1'000, -1});
  offset_v9[1] = 9;
  write(encode_key(OffsetCommitKey{kGroup, "t", 0}), offset_v9);
  GroupCoordinator::LoadStats stats = reload();
  EXPECT_EQ(stats.skipped, 4);
  EXPECT_EQ(stats.skipped_reasons.size(), 4u);
  EXPECT_EQ(coord->group_generation(kGroup), 3);
  EXPECT_TRUE(coord->fetch_offsets(kGroup, std::nullopt).partitions.empty());
}

TEST_F(GroupRestoreTest, OffsetsOfInvalidTopicsOrPartitionsAreSkipped) {
  OffsetCommitValue v{5, -1, "", 1'000, -1};
  write(encode_key(OffsetCommitKey{kGroup, "t", 0}), encode_value(v));
  write(encode_key(OffsetCommitKey{kGroup, "t", -1}), encode_value(v));
  write(encode_key(OffsetCommitKey{kGroup, "no/slash", 0}), encode_value(v));
  write(encode_key(OffsetCommitKey{kGroup, "", 0}), encode_value(v));
  GroupCoordinator::LoadStats stats = reload();
  EXPECT_EQ(stats.skipped, 3);
  auto fetched = coord->fetch_offsets(kGroup, std::nullopt);
  ASSERT_EQ(fetched.partitions.size(), 1u);
  EXPECT_EQ(fetched.partitions[0].offset, 5);
}

TEST_F(GroupRestoreTest, RecordsOfAGroupOwnedByAnotherPartitionAreSkipped) {
  config.offsets_topic_num_partitions = 2;
  std::string elsewhere;
  for (int i = 0; elsewhere.empty(); ++i) {
    std::string id = "group-" + std::to_string(i);
    if (partition_for_group(id, 2) == 1) elsewhere = id;
  }
  write_group(valid_group(), elsewhere);
  write(encode_key(OffsetCommitKey{elsewhere, "t", 0}),
        encode_value(OffsetCommitValue{5, -1, "", 1'000, -1}));
  GroupCoordinator::LoadStats stats = reload();
  EXPECT_EQ(stats.skipped, 2);
  EXPECT_EQ(coord->group_count(), 0u);
}

TEST_F(GroupRestoreTest, OnlyTheFirstReasonsAreKeptButEverySkipIsCounted) {
  Bytes garbage = {0xFF, 0xFF};
  for (int i = 0; i < 25; ++i) write(garbage, garbage);
  GroupCoordinator::LoadStats stats = reload();
  EXPECT_EQ(stats.skipped, 25);
  EXPECT_EQ(stats.skipped_reasons.size(), GroupCoordinator::kMaxSkippedReasons);
}

TEST_F(GroupRestoreTest, ACommitTimestampInTheFutureAgesFromTheLoad) {
  write(encode_key(OffsetCommitKey{kGroup, "t", 0}),
        encode_value(OffsetCommitValue{5, -1, "", INT64_MAX, -1}));
  reload();
  // INT64_MAX + retention overflowed (and expired the offset at the first check); from the load
  // it lives its retention.
  clock.advance_ms(config.offsets_retention_check_interval_ms);
  coord->tick();
  EXPECT_EQ(coord->fetch_offsets(kGroup, std::nullopt).partitions.size(), 1u);
  clock.advance_ms(config.offsets_retention_ms);
  coord->tick();
  EXPECT_TRUE(coord->fetch_offsets(kGroup, std::nullopt).partitions.empty());
}

}  // namespace
}  // namespace eddy::group
