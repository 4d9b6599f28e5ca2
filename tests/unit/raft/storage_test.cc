#include <gtest/gtest.h>

#include "raft/core/conf_change.h"
#include "raft/core/memory_storage.h"

namespace eddy::raft {
namespace {

pb::Entry entry(uint64_t term, uint64_t index) {
  pb::Entry e;
  e.set_term(term);
  e.set_index(index);
  e.set_data("d" + std::to_string(index));
  return e;
}

TEST(MemoryStorage, EmptyLogHasFirstIndexOnePastLast) {
  MemoryStorage s;
  EXPECT_EQ(s.first_index()->value(), 1u);
  EXPECT_EQ(s.last_index()->value(), 0u);
  EXPECT_EQ(s.term(RaftIndex(0))->value(), 0u);
}

TEST(MemoryStorage, BootstrapWritesLearnerThenVoterEntries) {
  pb::ConfState cs;
  cs.add_voters(1);
  cs.add_voters(2);
  MemoryStorage s(cs);
  EXPECT_EQ(s.last_index()->value(), 4u);
  EXPECT_EQ(s.hard_state().commit(), 4u);
  pb::ConfState replayed;
  auto ents = s.entries(RaftIndex(1), RaftIndex(5), UINT64_MAX);
  ASSERT_TRUE(ents.is_ok());
  for (const auto& e : *ents) {
    pb::ConfChange cc;
    ASSERT_TRUE(cc.ParseFromString(e.data()));
    replayed = *apply_conf_change(replayed, cc);
  }
  EXPECT_EQ(replayed.voters_size(), 2);
  EXPECT_EQ(replayed.learners_size(), 0);
}

TEST(MemoryStorage, AppendTruncatesConflictingSuffix) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(1, 2), entry(1, 3)}).is_ok());
  ASSERT_TRUE(s.append({entry(2, 2)}).is_ok());
  EXPECT_EQ(s.last_index()->value(), 2u);
  EXPECT_EQ(s.term(RaftIndex(2))->value(), 2u);
}

TEST(MemoryStorage, AppendWithGapIsRefused) {
  MemoryStorage s;
  EXPECT_FALSE(s.append({entry(1, 3)}).is_ok());
}

TEST(MemoryStorage, EntriesStopAtMaxBytesButReturnAtLeastOne) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(1, 2), entry(1, 3)}).is_ok());
  EXPECT_EQ(s.entries(RaftIndex(1), RaftIndex(4), 1)->size(), 1u);
  EXPECT_EQ(s.entries(RaftIndex(1), RaftIndex(4), UINT64_MAX)->size(), 3u);
}

TEST(MemoryStorage, CompactedRangeReportsCompacted) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1), entry(1, 2), entry(2, 3)}).is_ok());
  ASSERT_TRUE(s.create_snapshot(RaftIndex(2), {}, "snap").is_ok());
  ASSERT_TRUE(s.compact(RaftIndex(2)).is_ok());
  EXPECT_EQ(s.first_index()->value(), 3u);
  EXPECT_EQ(s.term(RaftIndex(2))->value(), 1u);
  EXPECT_EQ(s.entries(RaftIndex(1), RaftIndex(3), UINT64_MAX).status().code(), kCompacted);
  EXPECT_EQ(s.term(RaftIndex(1)).status().code(), kCompacted);
  EXPECT_EQ(s.term(RaftIndex(9)).status().code(), kUnavailable);
}

TEST(MemoryStorage, ApplySnapshotReplacesLog) {
  MemoryStorage s;
  ASSERT_TRUE(s.append({entry(1, 1)}).is_ok());
  pb::Snapshot snap;
  snap.mutable_metadata()->set_index(10);
  snap.mutable_metadata()->set_term(3);
  ASSERT_TRUE(s.apply_snapshot(snap).is_ok());
  EXPECT_EQ(s.first_index()->value(), 11u);
  EXPECT_EQ(s.last_index()->value(), 10u);
  EXPECT_EQ(s.term(RaftIndex(10))->value(), 3u);
  snap.mutable_metadata()->set_index(5);
  EXPECT_FALSE(s.apply_snapshot(snap).is_ok());
}

TEST(ConfChange, VoterMustJoinAsLearnerFirst) {
  pb::ConfState cs;
  cs.add_voters(1);
  pb::ConfChange cc;
  cc.set_type(pb::CONF_CHANGE_ADD_VOTER);
  cc.set_node_id(2);
  EXPECT_FALSE(apply_conf_change(cs, cc).is_ok());
  cc.set_type(pb::CONF_CHANGE_ADD_LEARNER);
  auto with_learner = apply_conf_change(cs, cc);
  ASSERT_TRUE(with_learner.is_ok());
  cc.set_type(pb::CONF_CHANGE_ADD_VOTER);
  auto promoted = apply_conf_change(*with_learner, cc);
  ASSERT_TRUE(promoted.is_ok());
  EXPECT_TRUE(is_voter(*promoted, 2));
  EXPECT_FALSE(is_learner(*promoted, 2));
}

TEST(ConfChange, LastVoterCannotBeRemoved) {
  pb::ConfState cs;
  cs.add_voters(1);
  pb::ConfChange cc;
  cc.set_type(pb::CONF_CHANGE_REMOVE_NODE);
  cc.set_node_id(1);
  EXPECT_FALSE(apply_conf_change(cs, cc).is_ok());
}

}  // namespace
}  // namespace eddy::raft
