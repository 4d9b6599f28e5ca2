// Typed read-only views of state stores: interactive queries (KafkaStreams::store) and test
// assertions (TopologyTestDriver). A view spans the store's instances in every local task; with a
// lock per stream thread (KafkaStreams), each read holds them all and finds the stores under
// them, so reads never overlap the processing threads' writes nor outlive a closed task's store.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "eddy/streams/serde.h"
#include "eddy/streams/state_store.h"

namespace eddy::streams {

// Takes every lock, in order (each stream thread's; a thread only ever holds its own).
inline std::vector<std::unique_lock<std::mutex>> hold_all(
    const std::vector<std::shared_ptr<std::mutex>>& locks) {
  std::vector<std::unique_lock<std::mutex>> held;
  for (const auto& l : locks) held.emplace_back(*l);
  return held;
}

// The stores a view reads, found again at each read while the view holds the locks: a task (or
// standby) closed between two reads takes its store with it, and the view no longer reads it.
template <class Store>
using StoreResolver = std::function<std::vector<const Store*>()>;

template <class K, class V>
class ReadOnlyKeyValueStore {
 public:
  ReadOnlyKeyValueStore(std::vector<const KeyValueStore*> stores, Serde<K> k, Serde<V> v,
                        std::vector<std::shared_ptr<std::mutex>> locks = {})
      : ReadOnlyKeyValueStore([stores] { return stores; }, std::move(k), std::move(v),
                              std::move(locks)) {}
  ReadOnlyKeyValueStore(StoreResolver<KeyValueStore> stores, Serde<K> k, Serde<V> v,
                        std::vector<std::shared_ptr<std::mutex>> locks)
      : stores_(std::move(stores)),
        k_(or_default(k)),
        v_(or_default(v)),
        locks_(std::move(locks)) {}
  std::optional<V> get(const K& key) const {
    std::string kb = k_.serializer(key);
    auto held = hold();
    for (const auto* s : stores_()) {
      if (auto b = s->get(kb)) return v_.deserializer(*b);
    }
    return std::nullopt;
  }
  // Every entry, in key-byte order within each task's store.
  std::vector<std::pair<K, V>> all() const {
    std::vector<std::pair<K, V>> out;
    auto held = hold();
    for (const auto* s : stores_()) {
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
    for (const auto* s : stores_()) n += s->approximate_num_entries();
    return n;
  }

 private:
  std::vector<std::unique_lock<std::mutex>> hold() const { return hold_all(locks_); }
  StoreResolver<KeyValueStore> stores_;
  Serde<K> k_;
  Serde<V> v_;
  std::vector<std::shared_ptr<std::mutex>> locks_;
};

template <class K, class V>
class ReadOnlyWindowStore {
 public:
  ReadOnlyWindowStore(std::vector<const WindowStore*> stores, Serde<K> k, Serde<V> v,
                      std::vector<std::shared_ptr<std::mutex>> locks = {})
      : ReadOnlyWindowStore([stores] { return stores; }, std::move(k), std::move(v),
                            std::move(locks)) {}
  ReadOnlyWindowStore(StoreResolver<WindowStore> stores, Serde<K> k, Serde<V> v,
                      std::vector<std::shared_ptr<std::mutex>> locks)
      : stores_(std::move(stores)),
        k_(or_default(k)),
        v_(or_default(v)),
        locks_(std::move(locks)) {}
  // (window start, value) of `key`'s windows starting in [from, to].
  std::vector<std::pair<int64_t, V>> fetch(const K& key, int64_t from_ms, int64_t to_ms) const {
    std::vector<std::pair<int64_t, V>> out;
    std::string kb = k_.serializer(key);
    auto held = hold();
    for (const auto* s : stores_()) {
      s->fetch(kb, from_ms, to_ms, [&](std::string_view, int64_t start, std::string_view v) {
        out.emplace_back(start, v_.deserializer(v));
        return true;
      });
    }
    return out;
  }

 private:
  std::vector<std::unique_lock<std::mutex>> hold() const { return hold_all(locks_); }
  StoreResolver<WindowStore> stores_;
  Serde<K> k_;
  Serde<V> v_;
  std::vector<std::shared_ptr<std::mutex>> locks_;
};

}  // namespace eddy::streams
