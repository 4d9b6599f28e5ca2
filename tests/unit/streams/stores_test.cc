// State stores: both engines behave the same, window stores expire by retention, and a store
// rebuilt from its changelog equals the original.
#include "streams/stores.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace eddy::streams::internal {
namespace {

struct Logged {
  std::vector<std::pair<std::string, std::optional<std::string>>> records;
  ChangelogSink sink() {
    return [this](std::string_view k, std::optional<std::string_view> v) {
      records.emplace_back(std::string(k),
                           v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    };
  }
};

class StoresTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("eddy-stores-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    for (char& c : dir_) {
      if (c == '/') continue;
      if (!isalnum(uint8_t(c)) && c != '-') c = '_';
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<StateStore> make(StoreSpec spec, Logged* log, const std::string& sub) {
    spec.persistent = GetParam();
    return make_store(spec, dir_ + "/" + sub, log ? log->sink() : ChangelogSink{});
  }
  std::string dir_;
};

TEST_P(StoresTest, KeyValueStoreRangesInByteOrderAndLogsEveryWrite) {
  Logged log;
  auto s = make(stores::inMemoryKeyValueStore("kv"), &log, "a");
  auto* kv = dynamic_cast<KeyValueStore*>(s.get());
  kv->put("b", "2");
  kv->put("a", "1");
  kv->put("c", "3");
  kv->remove("b");
  EXPECT_EQ(kv->get("a"), "1");
  EXPECT_EQ(kv->get("b"), std::nullopt);
  std::vector<std::string> keys;
  kv->range("a", "c", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "c"}));
  ASSERT_EQ(log.records.size(), 4u);
  EXPECT_EQ(log.records[3].first, "b");
  EXPECT_FALSE(log.records[3].second.has_value());

  // Restoring the changelog into an empty store gives the same contents.
  auto copy = make(stores::inMemoryKeyValueStore("kv"), nullptr, "b");
  for (auto& [k, v] : log.records) {
    copy->restore(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
  }
  auto* ckv = dynamic_cast<KeyValueStore*>(copy.get());
  EXPECT_EQ(ckv->get("a"), "1");
  EXPECT_EQ(ckv->get("b"), std::nullopt);
  EXPECT_EQ(ckv->get("c"), "3");
}

TEST_P(StoresTest, WindowStoreFetchesByTimeAndExpiresWindowsOlderThanRetention) {
  Logged log;
  auto s = make(stores::inMemoryWindowStore("w", std::chrono::milliseconds(100)), &log, "w");
  auto* w = dynamic_cast<WindowStore*>(s.get());
  w->put("k", 0, "a");
  w->put("k", 50, "b");
  w->put("kk", 50, "other key");  // a longer key with the same prefix stays apart
  w->put("k", 120, "c");          // retention 100: window 0 (< 20) expires
  std::vector<std::pair<int64_t, std::string>> got;
  w->fetch("k", 0, 1000, [&](std::string_view, int64_t t, std::string_view v) {
    got.emplace_back(t, std::string(v));
    return true;
  });
  EXPECT_EQ(got, (std::vector<std::pair<int64_t, std::string>>{{50, "b"}, {120, "c"}}));
  w->put("k", 10, "too old");  // ignored
  EXPECT_EQ(w->fetch("k", 10), std::nullopt);
  EXPECT_EQ(log.records.size(), 4u);  // expiry is not logged: changelog retention drops it
}

TEST(StoresKeys, WindowKeysOfNegativeAndPositiveTimesSortByTime) {
  EXPECT_LT(window_key("k", -5), window_key("k", 0));
  EXPECT_LT(window_key("k", 0), window_key("k", 1));
  EXPECT_LT(window_key("k", 255), window_key("k", 256));
  std::string_view key;
  int64_t t;
  ASSERT_TRUE(parse_window_key(window_key("abc", -7), &key, &t));
  EXPECT_EQ(key, "abc");
  EXPECT_EQ(t, -7);
  EXPECT_FALSE(parse_window_key("xy", &key, &t));
}

TEST_P(StoresTest, ChangelogRecordsWithMalformedWindowKeysAreSkippedOnRestore) {
  auto s = make(stores::inMemoryWindowStore("w", std::chrono::milliseconds(100)), nullptr, "m");
  s->restore("xy", std::string_view("short"));  // not [len][key][start]
  s->restore(std::string("\0\0\0\x09k", 5) + std::string(8, '\0'), std::string_view("bad len"));
  s->restore(window_key("k", 5), std::string_view("good"));
  auto* w = dynamic_cast<WindowStore*>(s.get());
  int entries = 0;
  w->all([&](std::string_view k, int64_t t, std::string_view v) {
    EXPECT_EQ(k, "k");
    EXPECT_EQ(t, 5);
    EXPECT_EQ(v, "good");
    ++entries;
    return true;
  });
  EXPECT_EQ(entries, 1);
}

// A persistent store kept by its task checkpoint (RocksDB only: nothing in memory survives).
TEST(StoresReopen, AReopenedWindowStoreKeepsItsWindowsAndExpiresThemByRetention) {
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("eddy-stores-reopen-" + std::to_string(::getpid())))
                        .string();
  std::filesystem::remove_all(dir);
  auto spec = stores::persistentWindowStore("w", std::chrono::milliseconds(100));
  {
    auto s = make_store(spec, dir, ChangelogSink{});
    auto* w = dynamic_cast<WindowStore*>(s.get());
    w->put("k", 0, "a");
    w->put("k", 50, "b");
    s->flush();
  }
  auto s = make_store(spec, dir, ChangelogSink{}, /*keep_existing=*/true);
  auto* w = dynamic_cast<WindowStore*>(s.get());
  EXPECT_EQ(w->fetch("k", 0), "a");
  EXPECT_EQ(w->fetch("k", 50), "b");
  w->put("k", 120, "c");  // retention 100 from 120: the kept window 0 expires, 50 stays
  EXPECT_EQ(w->fetch("k", 0), std::nullopt);
  int entries = 0;
  w->all([&](std::string_view, int64_t, std::string_view) { return ++entries > 0; });
  EXPECT_EQ(entries, 2);
  s.reset();
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Engines, StoresTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "RocksDb" : "InMemory"; });

}  // namespace
}  // namespace eddy::streams::internal
