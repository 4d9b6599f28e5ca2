// Typed read-only views of state stores: interactive queries (KafkaStreams::store) and test
// assertions (TopologyTestDriver). A view spans the store's instances in every local task; with a
// lock (KafkaStreams), each read holds it, so reads never overlap the processing thread's writes.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "eddy/streams/serde.h"
#include "eddy/streams/state_store.h"

namespace eddy::streams {

template <class K, class V>
class ReadOnlyKeyValueStore {
 public:
  ReadOnlyKeyValueStore(std::vector<const KeyValueStore*> stores, Serde<K> k, Serde<V> v,
                        std::shared_ptr<std::mutex> lock = nullptr)
      : stores_(std::move(stores)), k_(or_default(k)), v_(or_default(v)), lock_(std::move(lock)) {}
  std::optional<V> get(const K& key) const {
    std::string kb = k_.serializer(key);
    auto held = hold();
    for (const auto* s : stores_) {
      if (auto b = s->get(kb)) return v_.deserializer(*b);
    }
    return std::nullopt;
  }
  // Every entry, in key-byte order within each task's store.
  std::vector<std::pair<K, V>> all() const {
    std::vector<std::pair<K, V>> out;
    auto held = hold();
    for (const auto* s : stores_) {
      s->all([&](std::string_view k, std::string_view v) {
        out.emplace_back(k_.deserializer(k), v_.deserializer(v));
        return true;
      });
    }
    return out;
  }
  uint64_t approximateNumEntries() const {
    uint64_t n = 0;
    auto held = hold();
    for (const auto* s : stores_) n += s->approximate_num_entries();
    return n;
  }

 private:
  std::unique_lock<std::mutex> hold() const {
    return lock_ ? std::unique_lock<std::mutex>(*lock_) : std::unique_lock<std::mutex>();
  }
  std::vector<const KeyValueStore*> stores_;
  Serde<K> k_;
  Serde<V> v_;
  std::shared_ptr<std::mutex> lock_;
};

template <class K, class V>
class ReadOnlyWindowStore {
 public:
  ReadOnlyWindowStore(std::vector<const WindowStore*> stores, Serde<K> k, Serde<V> v,
                      std::shared_ptr<std::mutex> lock = nullptr)
      : stores_(std::move(stores)), k_(or_default(k)), v_(or_default(v)), lock_(std::move(lock)) {}
  // (window start, value) of `key`'s windows starting in [from, to].
  std::vector<std::pair<int64_t, V>> fetch(const K& key, int64_t from_ms, int64_t to_ms) const {
    std::vector<std::pair<int64_t, V>> out;
    std::string kb = k_.serializer(key);
    auto held = hold();
    for (const auto* s : stores_) {
      s->fetch(kb, from_ms, to_ms, [&](std::string_view, int64_t start, std::string_view v) {
        out.emplace_back(start, v_.deserializer(v));
        return true;
      });
    }
    return out;
  }

 private:
  std::unique_lock<std::mutex> hold() const {
    return lock_ ? std::unique_lock<std::mutex>(*lock_) : std::unique_lock<std::mutex>();
  }
  std::vector<const WindowStore*> stores_;
  Serde<K> k_;
  Serde<V> v_;
  std::shared_ptr<std::mutex> lock_;
};

}  // namespace eddy::streams
