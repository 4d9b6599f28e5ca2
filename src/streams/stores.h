// State store implementations: one byte-ordered key-value engine (in memory or RocksDB) under
// every kind of store, so window and session stores, logging and restore are written once.
//
// Window and session stores keep their entries in a key-value engine under composite keys
//   window:  [u32 key length][key][u64 window start]
//   session: [u32 key length][key][u64 session end][u64 session start]
// (big-endian, sign bit flipped so negative times sort first), which keeps one key's windows
// together in time order. The changelog carries the same composite keys.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/streams/state_store.h"

namespace eddy::streams::internal {

// Receives every write of a logged store: the changelog record to send (a null value deletes).
using ChangelogSink = std::function<void(std::string_view key, std::optional<std::string_view>)>;

// A byte-ordered engine; no logging.
class BytesKv {
 public:
  virtual ~BytesKv() = default;
  virtual std::optional<std::string> get(std::string_view key) const = 0;
  virtual void put(std::string_view key, std::string_view value) = 0;
  virtual void remove(std::string_view key) = 0;
  virtual void range(std::string_view from, std::string_view to, const BytesVisitor& v) const = 0;
  virtual void all(const BytesVisitor& v) const = 0;
  virtual uint64_t size() const = 0;
  virtual void flush() = 0;
};

std::unique_ptr<BytesKv> make_in_memory_kv();
// Opens (creating) a RocksDB database in `dir`; throws std::runtime_error on failure.
std::unique_ptr<BytesKv> make_rocksdb_kv(const std::string& dir);

// A store per `spec`; RocksDB ones live under `dir`. That directory is wiped first (restore
// rebuilds the store from the changelog's beginning) unless `keep_existing`: a store whose task
// checkpoint says up to which changelog offset it is complete keeps its contents, and restore
// goes on from there. `log` is empty for a store without a changelog.
std::unique_ptr<StateStore> make_store(const StoreSpec& spec, const std::string& dir,
                                       ChangelogSink log, bool keep_existing = false);
// Whether `dir` holds a RocksDB database (its CURRENT file) that make_store can reopen.
bool persistent_store_exists(const std::string& dir);

// Composite-key helpers, exposed for tests.
std::string window_key(std::string_view key, int64_t start_ms);
bool parse_window_key(std::string_view composite, std::string_view* key, int64_t* start_ms);

}  // namespace eddy::streams::internal
