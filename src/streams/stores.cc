#include "streams/stores.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

namespace eddy::streams::internal {

namespace {

class InMemoryKv final : public BytesKv {
 public:
  std::optional<std::string> get(std::string_view key) const override {
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  void put(std::string_view key, std::string_view value) override {
    auto it = map_.find(key);
    if (it == map_.end()) {
      map_.emplace(std::string(key), std::string(value));
    } else {
      it->second.assign(value);
    }
  }
  void remove(std::string_view key) override {
    auto it = map_.find(key);
    if (it != map_.end()) map_.erase(it);
  }
  void range(std::string_view from, std::string_view to, const BytesVisitor& v) const override {
    for (auto it = map_.lower_bound(from); it != map_.end() && std::string_view(it->first) <= to;
         ++it) {
      if (!v(it->first, it->second)) return;
    }
  }
  void all(const BytesVisitor& v) const override {
    for (const auto& [k, val] : map_) {
      if (!v(k, val)) return;
    }
  }
  uint64_t size() const override { return map_.size(); }
  void flush() override {}

 private:
  std::map<std::string, std::string, std::less<>> map_;
};

class RocksDbKv final : public BytesKv {
 public:
  explicit RocksDbKv(const std::string& dir) {
    rocksdb::Options options;
    options.create_if_missing = true;
    // The changelog makes the store durable; RocksDB's own WAL would only write everything twice.
    write_options_.disableWAL = true;
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(options, dir, &db);
    if (!s.ok()) throw std::runtime_error("rocksdb open " + dir + ": " + s.ToString());
    db_.reset(db);
  }
  std::optional<std::string> get(std::string_view key) const override {
    std::string v;
    auto s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &v);
    if (s.IsNotFound()) return std::nullopt;
    check(s, "get");
    return v;
  }
  void put(std::string_view key, std::string_view value) override {
    check(db_->Put(write_options_, rocksdb::Slice(key.data(), key.size()),
                   rocksdb::Slice(value.data(), value.size())),
          "put");
  }
  void remove(std::string_view key) override {
    check(db_->Delete(write_options_, rocksdb::Slice(key.data(), key.size())), "delete");
  }
  void range(std::string_view from, std::string_view to, const BytesVisitor& v) const override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
      std::string_view k(it->key().data(), it->key().size());
      if (k > to) break;
      if (!v(k, std::string_view(it->value().data(), it->value().size()))) return;
    }
    check(it->status(), "iterate");
  }
  void all(const BytesVisitor& v) const override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!v(std::string_view(it->key().data(), it->key().size()),
             std::string_view(it->value().data(), it->value().size()))) {
        return;
      }
    }
    check(it->status(), "iterate");
  }
  uint64_t size() const override {
    uint64_t n = 0;
    db_->GetIntProperty("rocksdb.estimate-num-keys", &n);
    return n;
  }
  void flush() override { check(db_->Flush(rocksdb::FlushOptions()), "flush"); }

 private:
  static void check(const rocksdb::Status& s, const char* what) {
    if (!s.ok()) throw std::runtime_error(std::string("rocksdb ") + what + ": " + s.ToString());
  }
  rocksdb::WriteOptions write_options_;
  std::unique_ptr<rocksdb::DB> db_;
};

void put_u64(std::string& out, int64_t v) {
  uint64_t u = uint64_t(v) ^ (uint64_t(1) << 63);
  for (int i = 7; i >= 0; --i) out.push_back(char(u >> (8 * i)));
}

int64_t get_u64(std::string_view b) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | uint8_t(b[i]);
  return int64_t(u ^ (uint64_t(1) << 63));
}

std::string key_prefix(std::string_view key) {
  std::string out;
  uint32_t n = uint32_t(key.size());
  for (int i = 3; i >= 0; --i) out.push_back(char(n >> (8 * i)));
  out.append(key);
  return out;
}

// Splits [u32 len][key][rest]; false if `composite` is not that shape with `rest_size` bytes.
bool split_prefix(std::string_view composite, size_t rest_size, std::string_view* key,
                  std::string_view* rest) {
  if (composite.size() < 4) return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | uint8_t(composite[i]);
  if (composite.size() != 4 + size_t(n) + rest_size) return false;
  *key = composite.substr(4, n);
  *rest = composite.substr(4 + n);
  return true;
}

class KeyValueStoreImpl final : public KeyValueStore {
 public:
  KeyValueStoreImpl(StoreSpec spec, std::unique_ptr<BytesKv> kv, ChangelogSink log)
      : spec_(std::move(spec)), kv_(std::move(kv)), log_(std::move(log)) {}
  const std::string& name() const override { return spec_.name; }
  bool persistent() const override { return spec_.persistent; }
  void flush() override { kv_->flush(); }
  void restore(std::string_view key, std::optional<std::string_view> value) override {
    if (value) {
      kv_->put(key, *value);
    } else {
      kv_->remove(key);
    }
  }
  std::optional<std::string> get(std::string_view key) const override { return kv_->get(key); }
  void put(std::string_view key, std::string_view value) override {
    kv_->put(key, value);
    if (log_) log_(key, value);
  }
  void remove(std::string_view key) override {
    kv_->remove(key);
    if (log_) log_(key, std::nullopt);
  }
  void range(std::string_view from, std::string_view to, const BytesVisitor& v) const override {
    kv_->range(from, to, v);
  }
  void all(const BytesVisitor& v) const override { kv_->all(v); }
  uint64_t approximate_num_entries() const override { return kv_->size(); }
  // Drops an entry without logging it (expiry: the changelog's retention drops it there).
  void expire(std::string_view key) { kv_->remove(key); }

 private:
  StoreSpec spec_;
  std::unique_ptr<BytesKv> kv_;
  ChangelogSink log_;
};

// Expires entries by time: the index maps each entry's time to its composite keys.
class TimeIndex {
 public:
  void add(int64_t t, std::string_view composite) { index_[t].emplace(composite); }
  void erase(int64_t t, std::string_view composite) {
    auto it = index_.find(t);
    if (it == index_.end()) return;
    it->second.erase(std::string(composite));
    if (it->second.empty()) index_.erase(it);
  }
  // Removes (and passes to `drop`) every entry with time < cutoff.
  void expire_before(int64_t cutoff, const std::function<void(const std::string&)>& drop) {
    while (!index_.empty() && index_.begin()->first < cutoff) {
      for (const auto& k : index_.begin()->second) drop(k);
      index_.erase(index_.begin());
    }
  }

 private:
  std::map<int64_t, std::set<std::string>> index_;
};

// What window and session stores share: a key-value store of composite keys, each entry with a
// time (window start, session end) in the expiry index; entries older than the retention period,
// counted from the latest time written, are dropped.
template <class Base>
class TimedStore : public Base {
 public:
  TimedStore(StoreSpec spec, std::unique_ptr<KeyValueStoreImpl> kv)
      : spec_(std::move(spec)), kv_(std::move(kv)) {}
  const std::string& name() const override { return spec_.name; }
  bool persistent() const override { return spec_.persistent; }
  void flush() override { kv_->flush(); }

 protected:
  // Writes (or with a null value deletes) composite key `ck` of time `t`; a restore is not logged.
  void apply(std::string_view ck, int64_t t, std::optional<std::string_view> value, bool log) {
    if (!log) {
      kv_->restore(ck, value);
    } else if (value) {
      kv_->put(ck, *value);
    } else {
      kv_->remove(ck);
    }
    if (!value) {
      index_.erase(t, ck);
      return;
    }
    index_.add(t, ck);
    if (t <= observed_) return;
    observed_ = t;
    index_.expire_before(horizon(), [&](const std::string& k) { kv_->expire(k); });
  }
  // Entries with a time before this are expired.
  int64_t horizon() const { return observed_ - spec_.retention_ms; }
  // Indexes the entries a reopened persistent store already holds (kept from an earlier run with
  // its checkpoint), so they expire as if they had been written in this run.
  void index_existing(const std::function<bool(std::string_view, int64_t*)>& time_of) {
    std::vector<std::pair<int64_t, std::string>> found;
    kv_->all([&](std::string_view ck, std::string_view) {
      int64_t t = 0;
      if (time_of(ck, &t)) found.emplace_back(t, std::string(ck));
      return true;
    });
    for (const auto& [t, ck] : found) {
      index_.add(t, ck);
      observed_ = std::max(observed_, t);
    }
    index_.expire_before(horizon(), [&](const std::string& k) { kv_->expire(k); });
  }

  StoreSpec spec_;
  std::unique_ptr<KeyValueStoreImpl> kv_;

 private:
  TimeIndex index_;
  int64_t observed_ = INT64_MIN / 2;
};

class WindowStoreImpl final : public TimedStore<WindowStore> {
 public:
  WindowStoreImpl(StoreSpec spec, std::unique_ptr<KeyValueStoreImpl> kv)
      : TimedStore(std::move(spec), std::move(kv)) {
    index_existing([](std::string_view ck, int64_t* t) {
      std::string_view k;
      return parse_window_key(ck, &k, t);
    });
  }
  void restore(std::string_view key, std::optional<std::string_view> value) override {
    std::string_view k;
    int64_t start;
    if (parse_window_key(key, &k, &start)) apply(key, start, value, false);
  }
  void put(std::string_view key, int64_t start, std::optional<std::string_view> value) override {
    if (start < horizon()) return;  // already expired
    apply(window_key(key, start), start, value, true);
  }
  std::optional<std::string> fetch(std::string_view key, int64_t start) const override {
    if (start < horizon()) return std::nullopt;
    return kv_->get(window_key(key, start));
  }
  void fetch(std::string_view key, int64_t from, int64_t to, const Visitor& v) const override {
    from = std::max(from, horizon());
    if (from > to) return;
    kv_->range(window_key(key, from), window_key(key, to),
               [&](std::string_view ck, std::string_view value) {
                 std::string_view k;
                 int64_t start;
                 parse_window_key(ck, &k, &start);
                 return v(k, start, value);
               });
  }
  void all(const Visitor& v) const override {
    kv_->all([&](std::string_view ck, std::string_view value) {
      std::string_view k;
      int64_t start;
      if (!parse_window_key(ck, &k, &start)) return true;
      return v(k, start, value);
    });
  }
};

std::string session_key(std::string_view key, int64_t start, int64_t end) {
  std::string out = key_prefix(key);
  put_u64(out, end);
  put_u64(out, start);
  return out;
}

bool parse_session_key(std::string_view ck, std::string_view* key, int64_t* start, int64_t* end) {
  std::string_view rest;
  if (!split_prefix(ck, 16, key, &rest)) return false;
  *end = get_u64(rest);
  *start = get_u64(rest.substr(8));
  return true;
}

class SessionStoreImpl final : public TimedStore<SessionStore> {
 public:
  SessionStoreImpl(StoreSpec spec, std::unique_ptr<KeyValueStoreImpl> kv)
      : TimedStore(std::move(spec), std::move(kv)) {
    index_existing([](std::string_view ck, int64_t* end) {
      std::string_view k;
      int64_t start = 0;
      return parse_session_key(ck, &k, &start, end);
    });
  }
  void restore(std::string_view key, std::optional<std::string_view> value) override {
    std::string_view k;
    int64_t start, end;
    if (parse_session_key(key, &k, &start, &end)) apply(key, end, value, false);
  }
  void find_sessions(std::string_view key, int64_t earliest_end, int64_t latest_start,
                     const Visitor& v) const override {
    earliest_end = std::max(earliest_end, horizon());
    kv_->range(session_key(key, INT64_MIN, earliest_end), session_key(key, INT64_MAX, INT64_MAX),
               [&](std::string_view ck, std::string_view value) {
                 std::string_view k;
                 int64_t start, end;
                 parse_session_key(ck, &k, &start, &end);
                 if (start > latest_start) return true;
                 return v(k, start, end, value);
               });
  }
  void put(std::string_view key, int64_t start, int64_t end, std::string_view value) override {
    if (end < horizon()) return;
    apply(session_key(key, start, end), end, value, true);
  }
  void remove(std::string_view key, int64_t start, int64_t end) override {
    apply(session_key(key, start, end), end, std::nullopt, true);
  }
  void all(const Visitor& v) const override {
    kv_->all([&](std::string_view ck, std::string_view value) {
      std::string_view k;
      int64_t start, end;
      if (!parse_session_key(ck, &k, &start, &end)) return true;
      return v(k, start, end, value);
    });
  }
};

}  // namespace

std::string window_key(std::string_view key, int64_t start_ms) {
  std::string out = key_prefix(key);
  put_u64(out, start_ms);
  return out;
}

bool parse_window_key(std::string_view composite, std::string_view* key, int64_t* start_ms) {
  std::string_view rest;
  if (!split_prefix(composite, 8, key, &rest)) return false;
  *start_ms = get_u64(rest);
  return true;
}

std::unique_ptr<BytesKv> make_in_memory_kv() { return std::make_unique<InMemoryKv>(); }

std::unique_ptr<BytesKv> make_rocksdb_kv(const std::string& dir) {
  return std::make_unique<RocksDbKv>(dir);
}

bool persistent_store_exists(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dir + "/CURRENT", ec);
}

std::unique_ptr<StateStore> make_store(const StoreSpec& spec, const std::string& dir,
                                       ChangelogSink log, bool keep_existing) {
  std::unique_ptr<BytesKv> engine;
  if (spec.persistent) {
    if (!keep_existing) std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    engine = make_rocksdb_kv(dir);
  } else {
    engine = make_in_memory_kv();
  }
  auto kv = std::make_unique<KeyValueStoreImpl>(spec, std::move(engine),
                                                spec.logging ? std::move(log) : ChangelogSink{});
  switch (spec.kind) {
    case StoreKind::kKeyValue:
      return kv;
    case StoreKind::kWindow:
      return std::make_unique<WindowStoreImpl>(spec, std::move(kv));
    case StoreKind::kSession:
      return std::make_unique<SessionStoreImpl>(spec, std::move(kv));
  }
  throw std::logic_error("unknown store kind");
}

}  // namespace eddy::streams::internal
