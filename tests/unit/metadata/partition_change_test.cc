// Elections and ISR changes (Kafka's PartitionChangeBuilder).
#include "metadata/partition_change.h"

#include <gtest/gtest.h>

#include <set>

namespace eddy::metadata {
namespace {

const Uuid kTopic = *Uuid::from_bytes(std::string(16, 't'));

PartitionState state(std::vector<int32_t> replicas, std::vector<int32_t> isr, int32_t leader) {
  PartitionState p;
  p.replicas = std::move(replicas);
  p.isr = std::move(isr);
  p.leader = leader;
  p.leader_epoch = 5;
  p.partition_epoch = 9;
  return p;
}

PartitionChangeBuilder::CanLead all_but(std::set<int32_t> out) {
  return [out](int32_t b) { return out.count(b) == 0; };
}

std::vector<int32_t> ids(const pb::BrokerIds& b) { return {b.ids().begin(), b.ids().end()}; }

TEST(PartitionChange, NoChangeIsNoRecord) {
  PartitionState p = state({1, 2, 3}, {1, 2, 3}, 2);
  EXPECT_FALSE(PartitionChangeBuilder(kTopic, p, all_but({})).build());
  // Online keeps a valid leader even when it is not the preferred one.
  EXPECT_EQ(PartitionChangeBuilder(kTopic, p, all_but({})).elected_leader(), 2);
}

TEST(PartitionChange, OnlineElectsTheFirstEligibleReplicaWhenTheLeaderGoes) {
  PartitionState p = state({1, 2, 3}, {1, 2, 3}, 1);
  PartitionChangeBuilder b(kTopic, p, all_but({1}));
  b.set_target_isr({2, 3});
  auto r = b.build();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader(), 2);
  EXPECT_EQ(ids(r->isr()), std::vector<int32_t>({2, 3}));
  EXPECT_FALSE(r->has_replicas());

  // In replica order, not ISR order; and only ISR members that may lead.
  PartitionState q = state({3, 1, 2}, {2, 1}, -1);
  EXPECT_EQ(PartitionChangeBuilder(kTopic, q, all_but({})).elected_leader(), 1);
  EXPECT_EQ(PartitionChangeBuilder(kTopic, q, all_but({1})).elected_leader(), 2);
}

TEST(PartitionChange, IsrShrinkKeepingTheLeaderSetsOnlyTheIsr) {
  PartitionState p = state({1, 2, 3}, {1, 2, 3}, 1);
  PartitionChangeBuilder b(kTopic, p, all_but({}));
  b.set_target_isr({1, 3});
  auto r = b.build();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_leader());  // no leader epoch bump
  EXPECT_EQ(ids(r->isr()), std::vector<int32_t>({1, 3}));
}

TEST(PartitionChange, TheLastIsrMemberStaysLeaderless) {
  PartitionState p = state({1, 2}, {1}, 1);
  PartitionChangeBuilder b(kTopic, p, all_but({1}));
  b.set_target_isr({});
  auto r = b.build();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader(), kNoLeader);
  EXPECT_FALSE(r->has_isr());  // ISR stays {1}
}

TEST(PartitionChange, PreferredElectsReplicaZeroOnlyWhenEligible) {
  PartitionState p = state({1, 2, 3}, {1, 2, 3}, 2);
  PartitionChangeBuilder b(kTopic, p, all_but({}));
  b.set_election(Election::kPreferred);
  auto r = b.build();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leader(), 1);

  PartitionState out_of_isr = state({1, 2, 3}, {2, 3}, 2);
  EXPECT_FALSE(PartitionChangeBuilder(kTopic, out_of_isr, all_but({}))
                   .set_election(Election::kPreferred)
                   .build());
  EXPECT_FALSE(
      PartitionChangeBuilder(kTopic, p, all_but({1})).set_election(Election::kPreferred).build());
}

TEST(PartitionChange, UncleanOnlyWhenEnabledOrAsked) {
  // The only ISR member is gone; replica 3 is alive but was not in sync.
  PartitionState p = state({1, 3}, {1}, -1);
  EXPECT_FALSE(PartitionChangeBuilder(kTopic, p, all_but({1})).build());
  auto enabled = PartitionChangeBuilder(kTopic, p, all_but({1})).set_unclean_enabled(true).build();
  ASSERT_TRUE(enabled);
  EXPECT_EQ(enabled->leader(), 3);
  EXPECT_EQ(ids(enabled->isr()), std::vector<int32_t>({3}));
  auto asked =
      PartitionChangeBuilder(kTopic, p, all_but({1})).set_election(Election::kUnclean).build();
  ASSERT_TRUE(asked);
  EXPECT_EQ(asked->leader(), 3);
  // Nobody alive: no leader even unclean.
  EXPECT_FALSE(
      PartitionChangeBuilder(kTopic, p, all_but({1, 3})).set_election(Election::kUnclean).build());
}

}  // namespace
}  // namespace eddy::metadata
