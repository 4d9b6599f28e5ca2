// State stores as processors see them: key-value, window and session stores over bytes.
//
// Keys and values are serialized bytes (Kafka Streams' "bytes stores"); the DSL's processors and
// the typed read-only views (ReadOnlyKeyValueStore<K,V> in kafka_streams.h) put the Serdes around
// them. Every store can be backed by a compacted changelog topic
// "<application.id>-<store>-changelog" whose partition is the task's partition: each write is also
// sent there, and a task that starts (or moves to another instance) replays the changelog into
// its stores before it processes: from the offset its checkpoint gives for a persistent store kept
// from an earlier run, from the beginning into an empty store otherwise. Stores are owned by their
// task and used only from the task's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::streams {

// Visits entries in key order; return false to stop early.
using BytesVisitor = std::function<bool(std::string_view key, std::string_view value)>;

class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual const std::string& name() const = 0;
  virtual bool persistent() const = 0;
  // Makes every write durable in the local store (before the task commits its offsets).
  virtual void flush() = 0;
  // Applies one changelog record while restoring (a null value deletes), without logging it.
  virtual void restore(std::string_view key, std::optional<std::string_view> value) = 0;
};

class KeyValueStore : public StateStore {
 public:
  virtual std::optional<std::string> get(std::string_view key) const = 0;
  virtual void put(std::string_view key, std::string_view value) = 0;
  virtual void remove(std::string_view key) = 0;
  // Entries with from <= key <= to (byte order).
  virtual void range(std::string_view from, std::string_view to, const BytesVisitor& v) const = 0;
  virtual void all(const BytesVisitor& v) const = 0;
  virtual uint64_t approximate_num_entries() const = 0;
};

// Values per (key, window start); windows older than the retention period (measured from the
// largest window start put) are dropped.
class WindowStore : public StateStore {
 public:
  using Visitor =
      std::function<bool(std::string_view key, int64_t window_start_ms, std::string_view value)>;
  virtual void put(std::string_view key, int64_t window_start_ms,
                   std::optional<std::string_view> value) = 0;
  virtual std::optional<std::string> fetch(std::string_view key, int64_t window_start_ms) const = 0;
  // The windows of `key` with time_from <= start <= time_to, by start time.
  virtual void fetch(std::string_view key, int64_t time_from_ms, int64_t time_to_ms,
                     const Visitor& v) const = 0;
  virtual void all(const Visitor& v) const = 0;
};

// Values per (key, session start, session end).
class SessionStore : public StateStore {
 public:
  using Visitor = std::function<bool(std::string_view key, int64_t start_ms, int64_t end_ms,
                                     std::string_view value)>;
  // Sessions of `key` with end >= earliest_end and start <= latest_start.
  virtual void find_sessions(std::string_view key, int64_t earliest_end_ms, int64_t latest_start_ms,
                             const Visitor& v) const = 0;
  virtual void put(std::string_view key, int64_t start_ms, int64_t end_ms,
                   std::string_view value) = 0;
  virtual void remove(std::string_view key, int64_t start_ms, int64_t end_ms) = 0;
  virtual void all(const Visitor& v) const = 0;
};

enum class StoreKind { kKeyValue, kWindow, kSession };

// What a task needs to create a store: Kafka's StoreBuilder, reduced to a description.
struct StoreSpec {
  std::string name;
  StoreKind kind = StoreKind::kKeyValue;
  bool persistent = true;                   // RocksDB under state.dir; false: in memory
  bool logging = true;                      // backed by a changelog topic
  int64_t retention_ms = 24 * 3600 * 1000;  // window and session stores
};

namespace stores {
inline StoreSpec inMemoryKeyValueStore(std::string name) {
  return {std::move(name), StoreKind::kKeyValue, false, true, 0};
}
inline StoreSpec persistentKeyValueStore(std::string name) {
  return {std::move(name), StoreKind::kKeyValue, true, true, 0};
}
inline StoreSpec inMemoryWindowStore(std::string name, std::chrono::milliseconds retention) {
  return {std::move(name), StoreKind::kWindow, false, true, retention.count()};
}
inline StoreSpec persistentWindowStore(std::string name, std::chrono::milliseconds retention) {
  return {std::move(name), StoreKind::kWindow, true, true, retention.count()};
}
inline StoreSpec withLoggingDisabled(StoreSpec s) {
  s.logging = false;
  return s;
}
}  // namespace stores

}  // namespace eddy::streams
