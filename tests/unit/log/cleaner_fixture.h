#pragma once
// The log cleaner tests' fixture (log_cleaner_test.cc, log_cleaner_read_test.cc): a log with small
// segments and compact policy, writers of keyed batches, a reader of every record that checks the
// offsets are contiguous, and one cleaning pass.

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "log/log_cleaner.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_reader.h"
#include "tests/unit/log/log_fixture.h"

namespace eddy::log::testing {

struct Rec {
  int64_t offset;
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone
};

inline std::string str(ByteSpan b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

class CleanerTest : public LogFixture {
 protected:
  CleanerTest() {
    config_.segment_bytes = 4096;
    config_.cleanup_compact = true;
    config_.cleanup_delete = false;
    config_.delete_retention_ms = 10'000;
    config_.segment_ms = 100;  // seal() rolls by segment.ms
  }

  // A log of two batches, `first` then {c: 1}, sealed; `damage` rewrites the segment's bytes on
  // disk (past what a bad disk or peer leaves), and the log is opened again.
  std::shared_ptr<PartitionLog> with_first_batch_damaged(
      const std::vector<std::pair<std::string, std::optional<std::string>>>& first,
      const std::function<void(Bytes&)>& damage) {
    auto log = open();
    append_kv(*log, first);
    append_kv(*log, {{"c", "1"}});
    seal(*log);
    EXPECT_TRUE(log->close().is_ok());
    log.reset();
    std::string path = segment_path(dir(), 0, ".log");
    Bytes data = read_file(path);
    damage(data);
    write_file(path, data);
    return open();
  }

  // One batch of `records` (key, value) pairs; a nullopt value is a tombstone.
  int64_t append_kv(PartitionLog& log,
                    const std::vector<std::pair<std::string, std::optional<std::string>>>& kvs,
                    records::BatchOptions o = {}) {
    records::BatchBuilder b(o);
    for (const auto& [k, v] : kvs) {
      std::optional<ByteSpan> value;
      if (v) value = as_bytes(*v);
      b.append(clock_.wall_ms(), as_bytes(k), value);
    }
    Bytes batch = *b.build();
    auto r = log.append(batch, LeaderEpoch(0));
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? r->base_offset.value() : -1;
  }

  // Every record readable, in offset order, and checks that the batches' offsets are contiguous
  // from the log start (fillers cover the holes).
  std::vector<Rec> read_records(const PartitionLog& log) {
    std::vector<Rec> out;
    int64_t cur = log.log_start_offset().value();
    int64_t expect_next = cur;
    for (int i = 0; i < 1000000 && cur < log.log_end_offset().value(); ++i) {
      auto r = log.read(Offset(cur), 1 << 20, log.log_end_offset());
      EXPECT_TRUE(r.is_ok()) << r.status().to_string();
      if (!r.is_ok() || r->records.empty()) break;
      Bytes bytes = *r->records.read_all();
      size_t pos = 0;
      while (pos < bytes.size()) {
        auto h = records::read_batch_header(bytes.data() + pos);
        EXPECT_EQ(h.base_offset, expect_next);
        expect_next = h.next_offset();
        auto d = records::decode_batch(ByteSpan(bytes.data() + pos, h.size_bytes()));
        EXPECT_TRUE(d.is_ok()) << d.status().to_string();
        if (d.is_ok()) {
          for (const auto& rec : d->records) {
            std::optional<std::string> v;
            if (rec.value) v = str(*rec.value);
            out.push_back({rec.offset, rec.key ? str(*rec.key) : "", v});
          }
        }
        pos += h.size_bytes();
      }
      cur = r->next_offset.value();
    }
    EXPECT_EQ(expect_next, log.log_end_offset().value());
    return out;
  }

  // The latest record per key among `recs`.
  static std::map<std::string, Rec> latest(const std::vector<Rec>& recs) {
    std::map<std::string, Rec> m;
    for (const Rec& r : recs) m.insert_or_assign(r.key, r);
    return m;
  }

  // Writes `updates` records over `keys` keys, 10 per batch, and rolls so that all is sealed.
  std::map<std::string, Rec> write_updates(PartitionLog& log, int updates, int keys) {
    std::vector<Rec> written;
    std::vector<std::pair<std::string, std::optional<std::string>>> batch;
    for (int i = 0; i < updates; ++i) {
      std::string k = "key-" + std::to_string(i % keys);
      batch.emplace_back(k, "value-" + std::to_string(i) + std::string(20, 'x'));
      if (batch.size() == 10 || i + 1 == updates) {
        int64_t base = append_kv(log, batch);
        for (size_t j = 0; j < batch.size(); ++j) {
          written.push_back({base + static_cast<int64_t>(j), batch[j].first, batch[j].second});
        }
        batch.clear();
      }
    }
    seal(log);
    return latest(written);
  }

  // Rolls the active segment (segment.ms passes) and flushes: everything written is cleanable.
  void seal(PartitionLog& log) {
    clock_.advance_ms(config_.segment_ms + 1);
    append_kv(log, {{"roll", "r"}});
    ASSERT_TRUE(log.flush().is_ok());
  }

  CleanStats clean(PartitionLog& log, uint64_t map_bytes = 1 << 20) {
    Cleaner c(map_bytes, 0.9, nullptr, &clock_,
              [this](const std::string&, const CleanerCorruption& e) { corrupt_.push_back(e); });
    auto r = c.clean(log);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? *r : CleanStats{};
  }

  // A LogCleaner over `logs` on the test clock, whose rounds the test runs (round()).
  std::unique_ptr<LogCleaner> log_cleaner(const std::vector<std::shared_ptr<PartitionLog>>& logs) {
    CleanerOptions co;
    co.clock = &clock_;
    return std::make_unique<LogCleaner>(co, [&logs] { return logs; });
  }

  // One round of `lc`: whether it cleaned a log.
  bool round(LogCleaner& lc) {
    Cleaner c(1 << 20, 0.9, nullptr, &clock_);
    auto r = lc.clean_dirtiest(c);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() && *r;
  }

  void expect_latest(const PartitionLog& log, const std::map<std::string, Rec>& want) {
    std::vector<Rec> got = read_records(log);
    std::map<std::string, Rec> got_latest = latest(got);
    for (const auto& [k, r] : want) {
      if (k == "roll") continue;
      ASSERT_TRUE(got_latest.count(k)) << k;
      EXPECT_EQ(got_latest[k].offset, r.offset) << k;
      EXPECT_EQ(got_latest[k].value, r.value) << k;
    }
  }

  std::vector<CleanerCorruption> corrupt_;
};

}  // namespace eddy::log::testing
