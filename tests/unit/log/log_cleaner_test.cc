// The log cleaner (log/log_cleaner.h): what a pass keeps, offsets and holes, tombstones,
// producer state, bounded memory, corrupt batches, codecs, and the crash-safe swap.

#include "log/log_cleaner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "log/file_handle_budget.h"
#include "log/log_format.h"
#include "log/log_segment.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_reader.h"
#include "tests/unit/log/cleaner_fixture.h"

namespace eddy::log::testing {
namespace {

TEST_F(CleanerTest, KeepsTheLatestValueOfEveryKeyAcrossManySegments) {
  auto log = open();
  auto want = write_updates(*log, 2000, 50);
  int segments_before = log->segment_count();
  ASSERT_GT(segments_before, 10);
  uint64_t size_before = log->size_bytes();
  int64_t leo = log->log_end_offset().value();
  CleanStats s = clean(*log);
  EXPECT_EQ(s.first_dirty_after, log->cleanable_segments().back()->next_offset());
  EXPECT_EQ(log->log_end_offset().value(), leo);
  EXPECT_LT(log->size_bytes(), size_before / 5);
  // Full segments are cleaned one to one; the next pass merges the small cleaned ones (groups
  // of at most segment.bytes, Kafka's groupSegmentsBySize).
  auto more = write_updates(*log, 20, 50);
  for (auto& [k, r] : more) want.insert_or_assign(k, r);
  leo = log->log_end_offset().value();
  clean(*log);
  EXPECT_LT(log->segment_count(), segments_before / 3);
  std::vector<Rec> got = read_records(*log);
  // Exactly one record per key below the active segment: the latest.
  std::map<std::string, int> count;
  for (const Rec& r : got) ++count[r.key];
  for (const auto& [k, n] : count) {
    if (k != "roll") {
      EXPECT_EQ(n, 1) << k;
    }
  }
  expect_latest(*log, want);
  // The same after a restart, and the checkpoint survives it.
  int64_t dirty = log->first_dirty_offset().value();
  ASSERT_TRUE(log->close().is_ok());
  log.reset();
  auto again = open();
  EXPECT_EQ(again->first_dirty_offset().value(), dirty);
  expect_latest(*again, want);
  EXPECT_EQ(again->log_end_offset().value(), leo);
}

TEST_F(CleanerTest, NeverTouchesTheActiveSegment) {
  auto log = open();
  append_kv(*log, {{"a", "1"}, {"a", "2"}, {"a", "3"}});
  CleanStats s = clean(*log);
  EXPECT_EQ(s.segments_in, 0);
  EXPECT_EQ(read_records(*log).size(), 3u);
}

// Kafka's cleaner never cleans past the high watermark: a record above it may be truncated away
// (a leader change), and the older value of its key must then still be there.
TEST_F(CleanerTest, NothingAtOrPastTheHighWatermarkIsCleaned) {
  auto log = open();
  append_kv(*log, {{"a", "1"}});
  seal(*log);
  int64_t hw = log->log_end_offset().value() - 1;  // the roll record's segment starts here
  append_kv(*log, {{"a", "2"}});
  seal(*log);
  ASSERT_GE(log->cleanable_segments().size(), 2u);
  log->set_high_watermark(Offset(hw));
  CleanStats s = clean(*log);
  EXPECT_LE(s.first_dirty_after, hw);
  auto recs = read_records(*log);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs.front().offset, 0);  // a=1 stays: its later value is above the high watermark
  EXPECT_EQ(recs.front().value, "1");
  log->set_high_watermark(log->log_end_offset());
  clean(*log);
  recs = read_records(*log);
  EXPECT_EQ(latest(recs)["a"].value, "2");
  EXPECT_EQ(std::count_if(recs.begin(), recs.end(), [](const Rec& r) { return r.key == "a"; }), 1);
}

TEST_F(CleanerTest, AnOffsetMapSmallerThanTheKeySetCleansInSeveralPasses) {
  auto log = open();
  auto want = write_updates(*log, 3000, 300);
  // Room for 40 keys: the dirty section takes several passes.
  uint64_t map_bytes = 45 * OffsetMap::kSlotBytes;
  int passes = 0;
  int64_t end = log->cleanable_segments().back()->next_offset();
  while (log->first_dirty_offset().value() < end && passes < 1000) {
    CleanStats s = clean(*log, map_bytes);
    EXPECT_LE(s.map_entries, 40);
    EXPECT_GT(s.first_dirty_after, s.first_dirty_before);
    ++passes;
  }
  EXPECT_GT(passes, 5);
  // One more pass over the whole log with a map that holds the keys the last dirty part had is
  // not needed: every key's latest value is there, and older ones of keys seen in a later pass
  // are gone.
  expect_latest(*log, want);
  std::map<std::string, int> count;
  for (const Rec& r : read_records(*log)) ++count[r.key];
  int duplicated = 0;
  for (const auto& [k, n] : count) duplicated += n > 1;
  // A key whose last update came before a later pass's range keeps one older copy per pass at
  // most; most keys end with one.
  EXPECT_LT(duplicated, 300);
}

TEST_F(CleanerTest, TombstonesStayForDeleteRetentionThenGo) {
  auto log = open();
  append_kv(*log, {{"a", "1"}, {"b", "1"}});
  append_kv(*log, {{"a", std::nullopt}});
  seal(*log);
  clean(*log);
  auto recs = read_records(*log);
  auto l = latest(recs);
  ASSERT_TRUE(l.count("a"));
  EXPECT_FALSE(l["a"].value.has_value());  // the tombstone, the value before it gone
  EXPECT_EQ(std::count_if(recs.begin(), recs.end(), [](const Rec& r) { return r.key == "a"; }), 1);
  // Before delete.retention.ms has passed, another pass keeps it.
  clock_.advance_ms(config_.delete_retention_ms - 1000);
  append_kv(*log, {{"c", "1"}});
  seal(*log);
  CleanStats s = clean(*log);
  EXPECT_EQ(s.tombstones_removed, 0);
  EXPECT_TRUE(latest(read_records(*log)).count("a"));
  clock_.advance_ms(1000);
  s = clean(*log);
  EXPECT_EQ(s.tombstones_removed, 1);
  EXPECT_FALSE(latest(read_records(*log)).count("a"));
  EXPECT_TRUE(latest(read_records(*log)).count("b"));
}

// The delete horizon is kept in the batch (KIP-534), so a restart does not start it over, and a
// cleaner started afresh reads it back: a log whose only work is a tombstone past its horizon is
// cleaned without new dirty data.
TEST_F(CleanerTest, TombstonesGoAtTheirHorizonAcrossARestart) {
  auto log = open();
  append_kv(*log, {{"a", "1"}, {"b", "1"}});
  append_kv(*log, {{"a", std::nullopt}});
  seal(*log);
  clean(*log);
  ASSERT_TRUE(latest(read_records(*log)).count("a"));
  ASSERT_TRUE(log->close().is_ok());
  log.reset();
  clock_.advance_ms(config_.delete_retention_ms / 2);
  log = open();
  std::vector<std::shared_ptr<PartitionLog>> logs{log};
  auto lc = log_cleaner(logs);
  // Before the horizon, nothing is due; the horizon is the first pass's, not restarted.
  EXPECT_FALSE(round(*lc));
  clock_.advance_ms(config_.delete_retention_ms / 2);
  EXPECT_TRUE(round(*lc));
  EXPECT_EQ(lc->totals().tombstones_removed, 1);
  EXPECT_FALSE(latest(read_records(*log)).count("a"));
  EXPECT_TRUE(latest(read_records(*log)).count("b"));
}

TEST_F(CleanerTest, KeepsTheLastBatchOfEachProducer) {
  auto log = open();
  records::BatchOptions p;
  p.producer_id = 42;
  p.producer_epoch = 3;
  p.base_sequence = 0;
  append_kv(*log, {{"a", "1"}}, p);
  p.base_sequence = 1;
  append_kv(*log, {{"a", "2"}, {"a", "3"}}, p);
  append_kv(*log, {{"a", "4"}});  // no producer id: supersedes both
  seal(*log);
  clean(*log);
  auto r = log->read(Offset(0), 1 << 20, log->log_end_offset());
  Bytes bytes = *r->records.read_all();
  bool found = false;
  for (const auto& h : parse_batches(bytes)) {
    if (h.producer_id == 42) {
      EXPECT_FALSE(found) << "only the last batch of producer 42 stays";
      found = true;
      EXPECT_EQ(h.base_offset, 1);
      EXPECT_EQ(h.last_offset(), 2);
      EXPECT_EQ(h.base_sequence, 1);
      EXPECT_EQ(h.producer_epoch, 3);
      EXPECT_EQ(h.records_count, 0);
    }
  }
  EXPECT_TRUE(found);
}

// Kafka keeps an emptied batch only for a producer's last batch in the log: when the producer
// wrote again later (here in the active segment), the emptied one goes into a filler.
TEST_F(CleanerTest, AnEmptiedBatchOfAProducerThatWroteLaterIsNotKept) {
  auto log = open();
  records::BatchOptions p;
  p.producer_id = 42;
  p.producer_epoch = 3;
  p.base_sequence = 0;
  append_kv(*log, {{"a", "1"}}, p);
  append_kv(*log, {{"a", "2"}});  // no producer id: supersedes it
  seal(*log);
  p.base_sequence = 1;
  int64_t later = append_kv(*log, {{"b", "1"}}, p);  // the active segment
  clean(*log);
  auto r = log->read(Offset(0), 1 << 20, log->log_end_offset());
  ASSERT_TRUE(r.is_ok());
  Bytes bytes = *r->records.read_all();
  for (const auto& h : parse_batches(bytes)) {
    if (h.base_offset < later) {
      EXPECT_NE(h.producer_id, 42) << "offset " << h.base_offset;
    }
  }
  EXPECT_EQ(parse_batches(bytes).front().records_count, 0);  // the filler covering offset 0
}

TEST_F(CleanerTest, RecompressesWithTheBatchCodec) {
  for (auto codec : {records::Compression::kGzip, records::Compression::kSnappy,
                     records::Compression::kLz4, records::Compression::kZstd}) {
    TempDir t;
    auto o = options();
    o.dir = t.path() + "/c-0";
    auto log = *PartitionLog::open(o);
    records::BatchOptions bo;
    bo.compression = codec;
    append_kv(*log, {{"a", "1"}, {"b", "1"}, {"c", "1"}}, bo);
    append_kv(*log, {{"a", "2"}});
    seal(*log);
    clean(*log);
    auto r = log->read(Offset(0), 1 << 20, log->log_end_offset());
    Bytes bytes = *r->records.read_all();
    auto hs = parse_batches(bytes);
    ASSERT_FALSE(hs.empty());
    EXPECT_EQ(hs[0].compression(), codec);
    EXPECT_EQ(hs[0].records_count, 2);
    EXPECT_EQ(hs[0].last_offset_delta, 2);
    auto recs = read_records(*log);
    ASSERT_GE(recs.size(), 3u);
    EXPECT_EQ(recs[0].key, "b");
    EXPECT_EQ(recs[1].key, "c");
    EXPECT_EQ(recs[2].key, "a");
    EXPECT_EQ(recs[2].value, "2");
  }
}

TEST_F(CleanerTest, RecordsWithoutKeyAreRemoved) {
  auto log = open();
  records::BatchBuilder b;
  b.append(clock_.wall_ms(), std::nullopt, as_bytes(std::string_view("no key")));
  Bytes batch = *b.build();
  ASSERT_TRUE(log->append(batch, LeaderEpoch(0)).is_ok());
  append_kv(*log, {{"a", "1"}});
  seal(*log);
  clean(*log);
  auto recs = read_records(*log);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs[0].key, "a");
}

TEST_F(CleanerTest, ACorruptBatchIsSkippedAndReportedNeverServed) {
  // Flip a byte inside the first batch's records: its CRC no longer matches.
  auto log = with_first_batch_damaged(
      {{"a", "1"}, {"b", "1"}}, [](Bytes& data) { data[records::kBatchHeaderSize + 5] ^= 0xff; });
  CleanStats s = clean(*log);
  EXPECT_EQ(s.corrupt_batches, 1);
  ASSERT_EQ(corrupt_.size(), 1u);
  EXPECT_EQ(corrupt_[0].base_offset, 0);
  EXPECT_EQ(corrupt_[0].last_offset, 1);
  auto recs = read_records(*log);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs[0].key, "c");
  EXPECT_EQ(recs[0].offset, 2);
}

// A batch whose CRC holds but whose records' offsets do not rise (a bad peer wrote it so): the
// cleaner rebuilt it with offsets a reader refuses (an assertion in debug builds; found by
// log_cleaner_fuzz). It is skipped and reported like a batch with a bad CRC.
TEST_F(CleanerTest, ABatchWhoseRecordOffsetsDoNotRiseIsSkippedAndReported) {
  auto log = with_first_batch_damaged({{"a", "1"}, {"a", "2"}}, [](Bytes& data) {
    auto varint = [&](size_t* pos) {
      uint64_t v = 0;
      for (int shift = 0;; shift += 7) {
        const uint8_t x = data[(*pos)++];
        v |= static_cast<uint64_t>(x & 0x7f) << shift;
        if ((x & 0x80) == 0) break;
      }
      return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
    };
    size_t pos = records::kBatchHeaderSize;
    const int64_t first_length = varint(&pos);
    pos += static_cast<size_t>(first_length);  // the second record
    varint(&pos);                              // its length
    ++pos;                                     // attributes
    varint(&pos);                              // timestamp delta
    ASSERT_EQ(data[pos], 2);                   // offset delta 1, zigzag
    data[pos] = 0;                             // now 0, as the first record's
    const size_t batch_size = 12 + load_be32(data.data() + 8);
    store_be32(data.data() + records::kCrcPos,
               records::compute_batch_crc(ByteSpan(data.data(), batch_size)));
  });
  CleanStats s = clean(*log);
  EXPECT_EQ(s.corrupt_batches, 1);
  ASSERT_EQ(corrupt_.size(), 1u);
  EXPECT_EQ(corrupt_[0].base_offset, 0);
  auto recs = read_records(*log);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs[0].key, "c");
}

TEST_F(CleanerTest, ACrashAtEveryStepOfTheSwapRecoversOldOrNewSegments) {
  auto log = open();
  auto want = write_updates(*log, 600, 40);
  uint64_t size_before = log->size_bytes();
  auto sizes = [](const std::string& d, const std::vector<Offset>& bases) {
    std::set<std::pair<int64_t, uint64_t>> out;
    for (Offset b : bases) out.insert({b.value(), file_size(segment_path(d, b.value(), ".log"))});
    return out;
  };
  auto old_segments = sizes(dir(), log->segment_base_offsets());
  std::vector<std::pair<std::string, std::string>> snapshots;  // step, directory
  int n = 0;
  faults_.set_crash_point_hook([&](std::string_view step) {
    std::string copy = tmp_.path() + "/crash-" + std::to_string(n++) + "-" + std::string(step);
    std::filesystem::copy(dir(), copy, std::filesystem::copy_options::recursive);
    snapshots.emplace_back(std::string(step), copy);
  });
  clean(*log);
  faults_.set_crash_point_hook(nullptr);
  ASSERT_LT(log->size_bytes(), size_before / 2);
  auto new_segments = sizes(dir(), log->segment_base_offsets());
  std::set<std::string> steps;
  for (const auto& [step, copy] : snapshots) steps.insert(step);
  EXPECT_EQ(steps, (std::set<std::string>{"cleaned", "swap", "retire", "install", "unlink"}));
  for (const auto& [step, copy] : snapshots) {
    SCOPED_TRACE(copy);
    auto o = options();
    o.dir = copy;
    auto r = PartitionLog::open(o);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    auto& reopened = *r;
    expect_latest(*reopened, want);
    EXPECT_EQ(reopened->log_end_offset(), log->log_end_offset());
    // Never a mix: each segment is a source or a cleaned one whole, and nothing the protocol
    // leaves behind stays.
    for (const auto& seg : sizes(copy, reopened->segment_base_offsets())) {
      EXPECT_TRUE(old_segments.count(seg) || new_segments.count(seg))
          << seg.first << " " << seg.second;
    }
    for (const auto& e : std::filesystem::directory_iterator(copy)) {
      std::string name = e.path().filename().string();
      EXPECT_FALSE(name.ends_with(kCleanedSuffix) || name.ends_with(kSwapSuffix) ||
                   name.ends_with(kDeletedSuffix))
          << name;
    }
    // A later pass over the recovered log reaches the same result.
    Cleaner c(1 << 20, 0.9, nullptr, &clock_);
    ASSERT_TRUE(c.clean(*reopened).is_ok());
    expect_latest(*reopened, want);
  }
}

TEST_F(CleanerTest, RetentionKeepsSegmentsOfACompactOnlyLog) {
  config_.retention_ms = 1;
  auto log = open();
  write_updates(*log, 200, 10);
  clock_.advance_ms(1000);
  auto r = log->enforce_retention();
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(*r, 0);
  LogConfig both = config_;
  both.cleanup_delete = true;
  log->update_config(both);
  r = log->enforce_retention();
  ASSERT_TRUE(r.is_ok());
  EXPECT_GT(*r, 0);
}

TEST_F(CleanerTest, TheDirtiestLogIsCleanedFirstAndOnlyPastTheRatio) {
  auto a = open();
  write_updates(*a, 400, 10);
  std::vector<std::shared_ptr<PartitionLog>> logs{a};
  auto lc = log_cleaner(logs);
  EXPECT_TRUE(round(*lc));
  // Everything is clean now: below min.cleanable.dirty.ratio, nothing to do.
  EXPECT_FALSE(round(*lc));
  EXPECT_EQ(lc->passes(), 1);
  // A policy change without compact (IncrementalAlterConfigs) stops the cleaning of the log.
  write_updates(*a, 400, 10);
  LogConfig del = config_;
  del.cleanup_compact = false;
  a->update_config(del);
  EXPECT_FALSE(round(*lc));
  a->update_config(config_);
  EXPECT_GT(cleanable_view(*a, clock_.wall_ms()).dirty_ratio(), 0.5);
  EXPECT_TRUE(round(*lc));
}

TEST(IoThrottleTest, BytesChargedNeverOutrunTheRate) {
  ManualClock clock;
  int64_t slept_ns = 0;
  IoThrottle t(1000.0, &clock, [&](int64_t ns) {
    slept_ns += ns;
    clock.advance_ms(ns / 1'000'000);
  });
  for (int i = 0; i < 100; ++i) t.charge(100);  // 10,000 bytes at 1,000 bytes/s
  // One second's burst, then the rest paid by waiting: at least 9 s.
  EXPECT_GE(slept_ns, 9'000'000'000LL - 100'000'000LL);
  EXPECT_EQ(t.charged(), 10'000u);
}

// Kafka's LogCleaner.reconfigure, what a dynamic log.cleaner.* key does: the threads stop and
// start again with the new count, rate, map share and backoff, and go on cleaning; after stop()
// nothing starts them again.
TEST_F(CleanerTest, ReconfigureRestartsTheThreadsWithTheNewSettings) {
  auto log = open();
  auto want = write_updates(*log, 400, 20);
  std::vector<std::shared_ptr<PartitionLog>> logs{log};
  CleanerOptions co;
  co.clock = &clock_;
  co.threads = 1;
  co.backoff_ms = 60'000;  // only a restart or a wake() starts a round after the first
  LogCleaner lc(co, [&logs] { return logs; });
  // Before start(): the settings are taken, nothing runs.
  CleanerOptions next = co;
  next.threads = 2;
  lc.reconfigure(next);
  EXPECT_EQ(lc.running_threads(), 0u);
  lc.start();
  EXPECT_EQ(lc.running_threads(), 2u);
  next.threads = 3;
  next.dedupe_buffer_bytes = 3 << 20;
  next.io_max_bytes_per_second = 5e6;
  next.io_buffer_bytes = 3 << 16;
  next.backoff_ms = 50;
  lc.reconfigure(next);
  EXPECT_EQ(lc.running_threads(), 3u);
  EXPECT_EQ(lc.map_bytes_per_thread(), 1u << 20);
  EXPECT_EQ(lc.io_buffer_bytes_per_thread(), 1u << 16);
  EXPECT_EQ(lc.throttle().rate(), 5e6);
  EXPECT_EQ(lc.options().backoff_ms, 50);
  // The restarted threads clean the log (the first round of a thread runs at once).
  for (int i = 0; i < 3000 && lc.passes() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(lc.passes(), 0);
  lc.stop();
  expect_latest(*log, want);
  lc.reconfigure(co);
  EXPECT_EQ(lc.running_threads(), 0u);
  EXPECT_EQ(lc.options().threads, 1);
}

// Kafka's uncleanable partitions: a log a pass cannot clean for good (here a batch with more
// keys than the whole map holds) is reported and skipped by later rounds, not retried forever.
TEST_F(CleanerTest, ALogNoPassCanCleanIsUncleanableAndSkipped) {
  auto log = open();
  append_kv(*log, {{"a", "1"}, {"b", "1"}, {"c", "1"}});
  seal(*log);
  std::vector<std::shared_ptr<PartitionLog>> logs{log};
  auto lc = log_cleaner(logs);
  EXPECT_TRUE(lc->uncleanable_logs().empty());
  Cleaner one_key(2 * OffsetMap::kSlotBytes, 0.5, nullptr, &clock_);
  auto r = lc->clean_dirtiest(one_key);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_EQ(lc->uncleanable_logs().size(), 1u);
  EXPECT_EQ(lc->uncleanable_logs().front(), log);
  // Skipped from now on, even by a cleaner that could clean it.
  EXPECT_FALSE(round(*lc));
}

TEST(OffsetMapTest, BoundedAndLastPutWins) {
  OffsetMap m(100 * OffsetMap::kSlotBytes, 0.5);
  EXPECT_EQ(m.slots(), 100u);
  EXPECT_EQ(m.max_entries(), 50u);
  for (int i = 0; i < 50; ++i) {
    std::string k = "k" + std::to_string(i);
    EXPECT_TRUE(m.put(as_bytes(k), i));
  }
  EXPECT_TRUE(m.full());
  EXPECT_FALSE(m.put(as_bytes(std::string_view("new")), 99));
  EXPECT_TRUE(m.put(as_bytes(std::string_view("k3")), 100));
  EXPECT_EQ(*m.get(as_bytes(std::string_view("k3"))), 100);
  EXPECT_FALSE(m.get(as_bytes(std::string_view("new"))).has_value());
  EXPECT_EQ(m.latest_offset(), 100);
  m.clear();
  EXPECT_EQ(m.size(), 0u);
}

// The dedupe buffer is memory only while a pass uses it: a broker with no compacted log holds
// none of log.cleaner.dedupe.buffer.size (the hostile ControllerQueueTest's RSS bound saw 128 MiB
// appear when the cleaner threads started).
TEST(OffsetMapTest, HoldsMemoryOnlyWhileUsed) {
  OffsetMap m(1 << 20);
  EXPECT_FALSE(m.allocated());
  EXPECT_FALSE(m.get(as_bytes(std::string_view("k"))).has_value());
  EXPECT_FALSE(m.allocated());
  EXPECT_TRUE(m.put(as_bytes(std::string_view("k")), 7));
  EXPECT_TRUE(m.allocated());
  EXPECT_EQ(*m.get(as_bytes(std::string_view("k"))), 7);
  m.release();
  EXPECT_FALSE(m.allocated());
  EXPECT_EQ(m.size(), 0u);
  EXPECT_FALSE(m.get(as_bytes(std::string_view("k"))).has_value());
  m.clear();
  EXPECT_TRUE(m.allocated());
  EXPECT_EQ(m.slots(), (1u << 20) / OffsetMap::kSlotBytes);
}

// The table starts small and doubles up to the bound, keeping every entry: a pass over few keys
// probes a table that fits the CPU's caches, and a pass over many still gets the whole bound.
TEST(OffsetMapTest, GrowsWithItsKeysUpToTheBound) {
  OffsetMap m(4 << 20, 0.9);
  const size_t n = m.max_entries();
  ASSERT_GT(n, 100'000u);
  EXPECT_TRUE(m.put(as_bytes(std::string_view("first")), 0));
  EXPECT_LT(m.table_slots(), m.slots() / 8);
  for (size_t i = 1; i < n; ++i) {
    std::string k = "k" + std::to_string(i);
    ASSERT_TRUE(m.put(as_bytes(k), static_cast<int64_t>(i)));
  }
  EXPECT_EQ(m.table_slots(), m.slots());
  EXPECT_TRUE(m.full());
  EXPECT_FALSE(m.put(as_bytes(std::string_view("one more")), 1));
  EXPECT_EQ(*m.get(as_bytes(std::string_view("first"))), 0);
  for (size_t i = 1; i < n; ++i) {
    std::string k = "k" + std::to_string(i);
    ASSERT_EQ(m.get(as_bytes(k)).value_or(-1), static_cast<int64_t>(i)) << k;
  }
  m.clear();
  EXPECT_EQ(m.size(), 0u);
  EXPECT_LT(m.table_slots(), m.slots() / 8);
  EXPECT_FALSE(m.get(as_bytes(std::string_view("first"))).has_value());
}

TEST(OffsetMapTest, AKeysHashStandsForTheKey) {
  OffsetMap m(1 << 20, 0.9);
  const auto key = as_bytes(std::string_view("user-42"));
  const OffsetMap::KeyHash h = OffsetMap::hash(key);
  m.prefetch(h);  // before any slot exists: a no-op
  EXPECT_FALSE(m.get(h).has_value());
  ASSERT_TRUE(m.put(h, 7));
  EXPECT_EQ(m.get(key).value_or(-1), 7);  // put by hash, found by key
  ASSERT_TRUE(m.put(key, 9));
  EXPECT_EQ(m.get(h).value_or(-1), 9);  // and the other way round, one entry
  EXPECT_EQ(m.size(), 1u);
  const OffsetMap::KeyHash other = OffsetMap::hash(as_bytes(std::string_view("user-43")));
  EXPECT_TRUE(other.h1 != h.h1 || other.h2 != h.h2);
  m.prefetch(other);
  EXPECT_FALSE(m.get(other).has_value());
}

}  // namespace
}  // namespace eddy::log::testing
