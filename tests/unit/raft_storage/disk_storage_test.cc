#include "raft/storage/disk_storage.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../../testing/temp_dir.h"

namespace eddy::raft {
namespace {

namespace fs = std::filesystem;

pb::Entry entry(uint64_t index, uint64_t term, const std::string& data = "") {
  pb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(data.empty() ? "value-" + std::to_string(index) : data);
  return e;
}

std::vector<pb::Entry> entries(uint64_t first, uint64_t last, uint64_t term) {
  std::vector<pb::Entry> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(entry(i, term));
  return out;
}

pb::HardState hard_state(uint64_t term, int32_t vote, uint64_t commit) {
  pb::HardState hs;
  hs.set_term(term);
  hs.set_vote(vote);
  hs.set_commit(commit);
  return hs;
}

pb::ConfState voters(std::initializer_list<int32_t> ids) {
  pb::ConfState cs;
  for (int32_t id : ids) cs.add_voters(id);
  return cs;
}

class DiskStorageTest : public ::testing::Test {
 protected:
  // A node joining an existing cluster: no bootstrap entries.
  std::unique_ptr<DiskStorage> open(const pb::ConfState& bootstrap = {}) {
    DiskStorage::Options options;
    options.log.segment_bytes = 256;
    auto s = DiskStorage::open(dir_.path(), bootstrap, options, &report_);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return s.is_ok() ? std::move(s).value() : nullptr;
  }
  std::vector<pb::Entry> all(const DiskStorage& s) {
    auto lo = s.first_index();
    auto hi = s.last_index();
    auto out = s.entries(*lo, *hi + 1, UINT64_MAX);
    EXPECT_TRUE(out.is_ok());
    return out.is_ok() ? *out : std::vector<pb::Entry>{};
  }

  eddy::testing::TempDir dir_;
  RecoveryReport report_;
};

TEST_F(DiskStorageTest, FreshDirectoryOfAFoundingVoterHoldsTheCommittedBootstrapEntries) {
  {
    auto s = open(voters({1, 2, 3}));
    EXPECT_EQ(s->last_index()->value(), 6u) << "learner + promotion for each of three voters";
    EXPECT_EQ(s->initial_state()->hard_state.commit(), 6u);
  }
  // Reopening must not bootstrap again.
  auto s = open(voters({1, 2, 3}));
  auto st = s->initial_state();
  ASSERT_TRUE(st.is_ok());
  EXPECT_EQ(st->hard_state.term(), 1u);
  EXPECT_EQ(st->hard_state.vote(), -1);
  EXPECT_EQ(st->hard_state.commit(), 6u);
  std::vector<pb::Entry> got = all(*s);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].type(), pb::ENTRY_CONF_CHANGE);
}

TEST_F(DiskStorageTest, FreshDirectoryOfAJoiningNodeIsEmpty) {
  auto s = open();
  auto st = s->initial_state();
  ASSERT_TRUE(st.is_ok());
  EXPECT_EQ(st->conf_state.voters_size(), 0);
  EXPECT_EQ(st->hard_state.term(), 0u);
  EXPECT_EQ(st->hard_state.vote(), -1);
  EXPECT_EQ(s->first_index()->value(), 1u);
  EXPECT_EQ(s->last_index()->value(), 0u);
}

TEST_F(DiskStorageTest, EntriesAndHardStateSurviveRestart) {
  {
    auto s = open();
    ASSERT_TRUE(s->append(entries(1, 30, 1)).is_ok());
    ASSERT_TRUE(s->sync().is_ok());
    ASSERT_TRUE(s->set_hard_state(hard_state(1, 2, 25)).is_ok());
  }
  auto s = open();
  auto st = s->initial_state();
  ASSERT_TRUE(st.is_ok());
  EXPECT_EQ(st->hard_state.term(), 1u);
  EXPECT_EQ(st->hard_state.vote(), 2);
  EXPECT_EQ(st->hard_state.commit(), 25u);
  std::vector<pb::Entry> got = all(*s);
  ASSERT_EQ(got.size(), 30u);
  EXPECT_EQ(got[29].data(), "value-30");
  EXPECT_EQ(s->term(RaftIndex(30))->value(), 1u);
}

TEST_F(DiskStorageTest, VoteIsDurableAsSoonAsItIsSet) {
  auto s = open();
  ASSERT_TRUE(s->set_hard_state(hard_state(7, 3, 0)).is_ok());
  // A second reader sees what is on disk now, as a restart after a crash would.
  auto crashed = open();
  EXPECT_EQ(crashed->initial_state()->hard_state.term(), 7u);
  EXPECT_EQ(crashed->initial_state()->hard_state.vote(), 3);
}

TEST_F(DiskStorageTest, ConflictingSuffixIsTruncatedOnDisk) {
  {
    auto s = open();
    ASSERT_TRUE(s->append(entries(1, 20, 1)).is_ok());
    ASSERT_TRUE(s->sync().is_ok());
    // A new leader in term 2 overwrites everything from index 8.
    ASSERT_TRUE(s->append(entries(8, 10, 2)).is_ok());
    ASSERT_TRUE(s->sync().is_ok());
    EXPECT_EQ(s->last_index()->value(), 10u);
  }
  auto s = open();
  std::vector<pb::Entry> got = all(*s);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got[6].term(), 1u);
  EXPECT_EQ(got[7].term(), 2u);
  EXPECT_EQ(got[9].term(), 2u);
  EXPECT_TRUE(report_.corruption.is_ok());
}

TEST_F(DiskStorageTest, SnapshotAndCompactionDeleteOldSegments) {
  auto s = open();
  ASSERT_TRUE(s->append(entries(1, 60, 1)).is_ok());
  ASSERT_TRUE(s->sync().is_ok());
  const size_t before = s->segment_count();
  ASSERT_GT(before, 3u);
  ASSERT_TRUE(s->set_hard_state(hard_state(1, 1, 50)).is_ok());
  ASSERT_TRUE(s->create_snapshot(RaftIndex(50), voters({1, 2, 3}), "state@50").is_ok());
  ASSERT_TRUE(s->compact(RaftIndex(45)).is_ok());
  EXPECT_LT(s->segment_count(), before);
  EXPECT_EQ(s->first_index()->value(), 46u);
  EXPECT_EQ(s->term(RaftIndex(45))->value(), 1u);
  EXPECT_EQ(s->entries(RaftIndex(40), RaftIndex(50), UINT64_MAX).status().code(), kCompacted);
  s.reset();

  auto r = open();
  EXPECT_EQ(r->snapshot()->metadata().index(), 50u);
  EXPECT_EQ(r->snapshot()->data(), "state@50");
  EXPECT_EQ(r->first_index()->value(), 51u) << "restart resumes right after the snapshot";
  EXPECT_EQ(r->last_index()->value(), 60u);
  EXPECT_EQ(r->initial_state()->hard_state.commit(), 50u);
  EXPECT_EQ(all(*r).front().data(), "value-51");
}

TEST_F(DiskStorageTest, SnapshotFromTheLeaderReplacesTheWholeLog) {
  {
    auto s = open();
    ASSERT_TRUE(s->append(entries(1, 10, 1)).is_ok());
    ASSERT_TRUE(s->sync().is_ok());
    pb::Snapshot snap;
    snap.mutable_metadata()->set_index(100);
    snap.mutable_metadata()->set_term(4);
    *snap.mutable_metadata()->mutable_conf_state() = voters({1, 2, 3});
    snap.set_data("leader state");
    ASSERT_TRUE(s->apply_snapshot(snap).is_ok());
    EXPECT_EQ(s->first_index()->value(), 101u);
    ASSERT_TRUE(s->append(entries(101, 102, 4)).is_ok());
    ASSERT_TRUE(s->sync().is_ok());
  }
  auto s = open();
  EXPECT_EQ(s->snapshot()->metadata().index(), 100u);
  EXPECT_EQ(s->first_index()->value(), 101u);
  EXPECT_EQ(s->last_index()->value(), 102u);
  EXPECT_EQ(s->initial_state()->hard_state.commit(), 100u);
}

TEST_F(DiskStorageTest, LogThatDisagreesWithTheSnapshotIsDiscardedAtRecovery) {
  {
    auto s = open();
    ASSERT_TRUE(s->append(entries(1, 20, 1)).is_ok());
    ASSERT_TRUE(s->sync().is_ok());
  }
  // A crash between writing the leader's snapshot and deleting the old segments: the snapshot
  // says index 15 has term 3, the log says term 1.
  {
    DiskStorage::Options options;
    options.log.segment_bytes = 256;
    eddy::testing::TempDir other;
    auto t = DiskStorage::open(other.path(), voters({1, 2, 3}), options, &report_);
    ASSERT_TRUE(t.is_ok());
    pb::Snapshot snap;
    snap.mutable_metadata()->set_index(15);
    snap.mutable_metadata()->set_term(3);
    ASSERT_TRUE((*t)->apply_snapshot(snap).is_ok());
    fs::copy_file(fs::path(other.path()) / "snapshot", fs::path(dir_.path()) / "snapshot");
  }
  auto s = open();
  EXPECT_EQ(s->first_index()->value(), 16u);
  EXPECT_EQ(s->last_index()->value(), 15u) << "entries 16..20 from term 1 must not survive";
  EXPECT_EQ(s->term(RaftIndex(15))->value(), 3u);
}

TEST_F(DiskStorageTest, CommitOnlyChangeIsWrittenLazilyAtClose) {
  auto s = open();
  ASSERT_TRUE(s->append(entries(1, 5, 1)).is_ok());
  ASSERT_TRUE(s->sync().is_ok());
  ASSERT_TRUE(s->set_hard_state(hard_state(1, 1, 2)).is_ok());
  ASSERT_TRUE(s->set_hard_state(hard_state(1, 1, 5)).is_ok());
  EXPECT_EQ(open()->initial_state()->hard_state.commit(), 2u)
      << "a commit-only change costs no fsync: after a crash the older commit is the hint";
  ASSERT_TRUE(s->close().is_ok());
  EXPECT_EQ(open()->initial_state()->hard_state.commit(), 5u);
}

TEST_F(DiskStorageTest, CorruptHardStateFailsOpen) {
  {
    auto s = open();
    ASSERT_TRUE(s->set_hard_state(hard_state(3, 1, 0)).is_ok());
  }
  fs::path p = fs::path(dir_.path()) / "hard_state";
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(-1, std::ios::end);
  f.put('\x7f');
  f.close();
  DiskStorage::Options options;
  auto s = DiskStorage::open(dir_.path(), voters({1}), options, &report_);
  EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
}

TEST_F(DiskStorageTest, TornTailOfTheLogIsDroppedAndReportedAsTorn) {
  {
    auto s = open();
    ASSERT_TRUE(s->append(entries(1, 3, 1)).is_ok());
    ASSERT_TRUE(s->sync().is_ok());
  }
  fs::path seg = fs::path(dir_.path()) / "log" / "00000000000000000001.log";
  fs::resize_file(seg, fs::file_size(seg) - 3);
  auto s = open();
  EXPECT_GT(report_.torn_bytes, 0u);
  EXPECT_TRUE(report_.corruption.is_ok());
  EXPECT_EQ(s->last_index()->value(), 2u);
}

}  // namespace
}  // namespace eddy::raft
