// What each operation makes durable, and in which order: the fsyncs counted by the FaultInjector
// (file and directory), crash images taken by copying the directories before a clean shutdown,
// and failed fsyncs. docs/storage.md, "What is fsynced when".

#include <gtest/gtest.h>

#include <filesystem>

#include "log/checkpoint_file.h"
#include "log/log_format.h"
#include "log/log_manager.h"
#include "tests/unit/log/log_fixture.h"

namespace eddy::log::testing {
namespace {

namespace fs = std::filesystem;

// Fsyncs counted by a FaultInjector since the probe was made.
struct SyncProbe {
  explicit SyncProbe(const FaultInjector& f)
      : faults(f), files0(f.file_syncs()), dirs0(f.dir_syncs()) {}
  int64_t files() const { return faults.file_syncs() - files0; }
  int64_t dirs() const { return faults.dir_syncs() - dirs0; }
  const FaultInjector& faults;
  const int64_t files0;
  const int64_t dirs0;
};

class FsyncOrderingTest : public LogFixture {
 protected:
  // A log of `batches` batches, all flushed, its checkpoint written (durably: the first write).
  std::shared_ptr<PartitionLog> open_checkpointed(int batches) {
    auto log = open();
    for (int i = 0; i < batches; ++i) append(*log);
    EXPECT_TRUE(log->flush().is_ok());
    EXPECT_TRUE(log->write_checkpoints().is_ok());
    return log;
  }
};

TEST_F(FsyncOrderingTest, CleanReopenAndCloseOfAnUnchangedLogSyncOnlyTheMarkersDirectory) {
  {
    auto log = open();
    for (int i = 0; i < 5; ++i) append(*log);
    ASSERT_TRUE(log->close().is_ok());
  }
  SyncProbe open_probe(faults_);
  RecoveryReport report;
  auto log = open(&report);
  ASSERT_TRUE(report.clean_shutdown);
  // The marker's removal, and nothing else: the checkpoints on disk already say what they would.
  EXPECT_EQ(open_probe.files(), 0);
  EXPECT_EQ(open_probe.dirs(), 1);
  SyncProbe close_probe(faults_);
  ASSERT_TRUE(log->close().is_ok());
  EXPECT_EQ(close_probe.files(), 0);
  EXPECT_EQ(close_probe.dirs(), 1);  // the marker's creation
  EXPECT_TRUE(fs::exists(dir() + "/" + kCleanShutdownFile));
}

TEST_F(FsyncOrderingTest, FirstFlushOfANewLogSyncsItsDirectoryAndParentBeforeReportingDurable) {
  SyncProbe create_probe(faults_);
  auto log = open();
  EXPECT_EQ(create_probe.files() + create_probe.dirs(), 0);
  append(*log);
  int64_t dir_syncs_seen = -1;
  log->on_durable(Offset(0), [&](const Status& s) {
    EXPECT_TRUE(s.is_ok());
    dir_syncs_seen = create_probe.dirs();
  });
  ASSERT_TRUE(log->flush().is_ok());
  // Before the callback: the log's directory, its parent, and the directory again for the new
  // leader-epoch-checkpoint (epoch 0 began).
  EXPECT_EQ(dir_syncs_seen, 3);
  SyncProbe second(faults_);
  append(*log);
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(second.dirs(), 0);
  EXPECT_EQ(second.files(), 1);  // the segment alone: group commit costs one fsync
}

TEST_F(FsyncOrderingTest, FailedDirectoryFsyncOfANewLogReportsNothingDurable) {
  auto log = open();
  append(*log);
  Status got = Status::ok();
  log->on_durable(Offset(0), [&](const Status& s) { got = s; });
  faults_.fail_syncs(EIO, 1, /*skip=*/1);  // the segment's fsync passes, the directory's fails
  EXPECT_EQ(log->flush().code(), StatusCode::kIoError);
  EXPECT_EQ(got.code(), StatusCode::kIoError);
  EXPECT_EQ(log->flushed_offset(), Offset(0));
}

TEST_F(FsyncOrderingTest, AfterAFailedFsyncNeitherFlushNorCloseVouchesForTheLog) {
  auto log = open();
  append(*log);
  faults_.fail_syncs(EIO);
  EXPECT_EQ(log->flush().code(), StatusCode::kIoError);
  // The next fsync would succeed, but the pages the failed one could not write may be gone.
  EXPECT_EQ(log->flush().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(log->flushed_offset(), Offset(0));
  EXPECT_FALSE(log->close().is_ok());
  EXPECT_FALSE(fs::exists(dir() + "/" + kCleanShutdownFile));
}

TEST_F(FsyncOrderingTest, RollSyncsTheDirectoryAtTheNextFlush) {
  config_.segment_bytes = 1024;
  auto log = open();
  append(*log, 1, 600);
  ASSERT_TRUE(log->flush().is_ok());
  SyncProbe probe(faults_);
  append(*log, 1, 600);  // rolls: a new segment file
  ASSERT_EQ(log->segment_count(), 2);
  ASSERT_TRUE(log->flush().is_ok());
  EXPECT_EQ(probe.dirs(), 1);
}

TEST_F(FsyncOrderingTest, RecoveryPointOnlyCheckpointLeavesTheDirectoryUnsynced) {
  auto log = open_checkpointed(1);
  append(*log);
  ASSERT_TRUE(log->flush().is_ok());
  SyncProbe probe(faults_);
  ASSERT_TRUE(log->write_checkpoints().is_ok());
  // The new file's content is synced before its rename; the old file, if a crash brings it
  // back, only has a lower recovery point (more to scan, nothing wrong).
  EXPECT_EQ(probe.files(), 1);
  EXPECT_EQ(probe.dirs(), 0);
  SyncProbe again(faults_);
  ASSERT_TRUE(log->write_checkpoints().is_ok());
  EXPECT_EQ(again.files() + again.dirs(), 0);  // unchanged: nothing written
}

TEST_F(FsyncOrderingTest, MovingTheLogStartOffsetCheckpointsWithADirectoryFsync) {
  auto log = open_checkpointed(3);
  SyncProbe probe(faults_);
  ASSERT_TRUE(log->delete_records_before(Offset(2)).is_ok());
  EXPECT_EQ(probe.dirs(), 2);  // partition.checkpoint, and the epoch file its start trimmed
  auto cp = read_checkpoint_file(dir(), kCheckpointFile);
  ASSERT_TRUE(cp.is_ok());
  EXPECT_EQ((*cp)[0], (std::pair<std::string, int64_t>("log_start_offset", 2)));
}

TEST_F(FsyncOrderingTest, TruncationBelowTheRecoveryPointRewritesTheCheckpointDurably) {
  auto log = open_checkpointed(6);
  SyncProbe probe(faults_);
  ASSERT_TRUE(log->truncate_to(Offset(3)).is_ok());
  EXPECT_EQ(probe.dirs(), 1);
  auto cp = read_checkpoint_file(dir(), kCheckpointFile);
  ASSERT_TRUE(cp.is_ok());
  EXPECT_EQ((*cp)[1], (std::pair<std::string, int64_t>("recovery_point", 3)));
}

class ManagerFsyncTest : public ::testing::Test {
 protected:
  LogManagerOptions options(const std::string& root) {
    LogManagerOptions o;
    o.log_dirs = {root + "/a", root + "/b"};
    o.default_config.segment_bytes = 1 << 20;
    o.clock = &clock_;
    o.faults = &faults_;
    o.on_recovery = [this](const TopicPartition& tp, const RecoveryReport& r) {
      reports_.emplace_back(tp, r);
    };
    return o;
  }
  std::unique_ptr<LogManager> open(const std::string& root) {
    reports_.clear();
    auto r = LogManager::open(options(root));
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
  }
  static void append_one(PartitionLog& log) {
    Bytes b = make_batch(1, 100);
    ASSERT_TRUE(log.append(b, LeaderEpoch(0)).is_ok());
  }
  std::string root() const { return tmp_.path() + "/live"; }

  TempDir tmp_;
  ManualClock clock_;
  FaultInjector faults_;
  std::vector<std::pair<TopicPartition, RecoveryReport>> reports_;
};

TEST_F(ManagerFsyncTest, CreatingManyPartitionsMakesNoFsync) {
  auto mgr = open(root());
  SyncProbe probe(faults_);
  for (int p = 0; p < 40; ++p) ASSERT_TRUE(mgr->get_or_create({"t", p}).is_ok());
  EXPECT_EQ(probe.files(), 0);
  EXPECT_EQ(probe.dirs(), 0);
}

TEST_F(ManagerFsyncTest, CleanRestartSyncsOneDirectoryPerLogDir) {
  {
    auto mgr = open(root());
    for (int p = 0; p < 20; ++p) {
      auto log = mgr->get_or_create({"t", p});
      ASSERT_TRUE(log.is_ok());
      if (p % 2 == 0) append_one(**log);  // half of them never hold a batch (nor a checkpoint)
    }
    ASSERT_TRUE(mgr->shutdown().is_ok());
  }
  EXPECT_TRUE(fs::exists(root() + "/a/" + kCleanShutdownFile));
  EXPECT_TRUE(fs::exists(root() + "/b/" + kCleanShutdownFile));
  SyncProbe open_probe(faults_);
  auto mgr = open(root());
  ASSERT_EQ(reports_.size(), 20u);
  for (const auto& [tp, r] : reports_) EXPECT_TRUE(r.clean_shutdown) << tp.dir_name();
  EXPECT_EQ(open_probe.files(), 0);
  EXPECT_EQ(open_probe.dirs(), 2);  // each log dir's marker removed
  EXPECT_FALSE(fs::exists(root() + "/a/" + kCleanShutdownFile));
  SyncProbe close_probe(faults_);
  ASSERT_TRUE(mgr->shutdown().is_ok());
  EXPECT_EQ(close_probe.files(), 0);
  EXPECT_EQ(close_probe.dirs(), 2);  // each log dir's marker created
}

TEST_F(ManagerFsyncTest, AFailedCloseLeavesItsLogDirUnclean) {
  {
    auto o = options(root());
    o.log_dirs = {root() + "/a"};
    o.default_config.flush_policy = FlushPolicy::kInterval;
    auto r = LogManager::open(o);
    ASSERT_TRUE(r.is_ok());
    auto mgr = std::move(r).value();
    auto log = mgr->get_or_create({"t", 0});
    ASSERT_TRUE(log.is_ok());
    append_one(**log);
    faults_.fail_syncs(EIO);  // close's flush fails
    EXPECT_EQ(mgr->shutdown().code(), StatusCode::kIoError);
  }
  faults_.clear();
  EXPECT_FALSE(fs::exists(root() + "/a/" + kCleanShutdownFile));
}

TEST_F(ManagerFsyncTest, CrashRightAfterCreatingPartitionsRecoversWhateverOfThemSurvived) {
  const std::string crash = tmp_.path() + "/crash";
  {
    auto mgr = open(root());
    for (int p = 0; p < 5; ++p) ASSERT_TRUE(mgr->get_or_create({"new", p}).is_ok());
    // What a power loss may leave: the creations were never fsynced, so any of the names may
    // be missing. Copy the disk as it is, before the clean shutdown writes its markers.
    fs::copy(root(), crash, fs::copy_options::recursive);
  }
  auto seg = [&](int p, const char* suffix) {
    std::string d = crash + "/" + (p % 2 == 0 ? "a" : "b") + "/new-" + std::to_string(p);
    return segment_path(d, 0, suffix);
  };
  auto partition_dir = [&](int p) {
    return crash + "/" + (p % 2 == 0 ? "a" : "b") + "/new-" + std::to_string(p);
  };
  ASSERT_TRUE(fs::exists(seg(0, kLogSuffix)));
  fs::remove_all(partition_dir(0));  // the directory's name lost
  fs::remove(seg(1, kLogSuffix));    // every segment file lost
  fs::remove(seg(1, kIndexSuffix));
  fs::remove(seg(1, kTimeIndexSuffix));
  fs::remove(seg(2, kTimeIndexSuffix));  // one index lost
  fs::remove(seg(3, kLogSuffix));        // the log lost, its indexes kept
  // new-4 survives whole.
  EXPECT_FALSE(fs::exists(crash + "/a/" + kCleanShutdownFile));

  auto mgr = open(crash);
  EXPECT_EQ(mgr->partitions().size(), 4u);
  for (const auto& [tp, r] : reports_) {
    EXPECT_FALSE(r.clean_shutdown) << tp.dir_name();
    EXPECT_FALSE(r.truncated) << tp.dir_name();
  }
  // The broker creates the lost partition again from its metadata; every log takes appends and
  // serves them, and a flush makes them durable.
  for (int p = 0; p < 5; ++p) {
    auto log = mgr->get_or_create({"new", p});
    ASSERT_TRUE(log.is_ok()) << p;
    EXPECT_EQ((*log)->log_end_offset(), Offset(0));
    append_one(**log);
    ASSERT_TRUE((*log)->flush().is_ok());
    auto r = (*log)->read(Offset(0), 1 << 20, (*log)->log_end_offset());
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(parse_batches(*r->records.read_all()).size(), 1u) << p;
  }
}

TEST_F(ManagerFsyncTest, PartitionWithItsOwnOldMarkerIsCleanAndLosesTheMarkerDurably) {
  // A log dir written by a version that kept one marker per partition.
  {
    PartitionLogOptions po;
    po.dir = root() + "/a/old-0";
    auto log = PartitionLog::open(po);
    ASSERT_TRUE(log.is_ok());
    append_one(**log);
    ASSERT_TRUE((*log)->close().is_ok());
  }
  ASSERT_TRUE(fs::exists(root() + "/a/old-0/" + kCleanShutdownFile));
  SyncProbe probe(faults_);
  auto mgr = open(root());
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_TRUE(reports_[0].second.clean_shutdown);
  EXPECT_EQ(reports_[0].second.segments_scanned, 0);
  EXPECT_FALSE(fs::exists(root() + "/a/old-0/" + kCleanShutdownFile));
  EXPECT_EQ(probe.dirs(), 1);
  EXPECT_EQ(mgr->get({"old", 0})->log_end_offset(), Offset(1));
}

}  // namespace
}  // namespace eddy::log::testing
