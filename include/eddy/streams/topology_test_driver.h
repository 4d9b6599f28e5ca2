// TopologyTestDriver: runs a Topology without a broker, record in, record out (Kafka's
// TopologyTestDriver). Every sub-topology runs as one task of partition 0; a record written to a
// topic that a sub-topology reads (a repartition topic) is processed right after the input record
// that caused it, so a test sees the whole cascade once pipeInput returns. Changelog records are
// kept too and can be read like any output topic ("<application.id>-<store>-changelog").
// Wall-clock time is virtual and moves only with advanceWallClockTime.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eddy/streams/store_views.h"
#include "eddy/streams/topology.h"

namespace eddy::streams {

struct RawRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp_ms = 0;
};

template <class K, class V>
struct TestRecord {
  std::optional<K> key;
  std::optional<V> value;
  int64_t timestamp_ms = 0;
};

class TopologyTestDriver;

template <class K, class V>
class TestInputTopic {
 public:
  TestInputTopic(TopologyTestDriver* d, std::string topic, Serde<K> k, Serde<V> v)
      : d_(d), topic_(std::move(topic)), k_(std::move(k)), v_(std::move(v)) {}
  void pipeInput(const K& key, const V& value, int64_t timestamp_ms) {
    pipe(k_.serializer(key), v_.serializer(value), timestamp_ms);
  }
  void pipeInput(const K& key, const V& value) { pipeInput(key, value, now_ms_); }
  // A record without a key.
  void pipeValue(const V& value, int64_t timestamp_ms) {
    pipe(std::nullopt, v_.serializer(value), timestamp_ms);
  }
  void pipeValue(const V& value) { pipeValue(value, now_ms_); }
  void pipeTombstone(const K& key, int64_t timestamp_ms) {
    pipe(k_.serializer(key), std::nullopt, timestamp_ms);
  }
  // The timestamp of records piped without one.
  void advanceTime(std::chrono::milliseconds d) { now_ms_ += d.count(); }

 private:
  void pipe(std::optional<std::string> k, std::optional<std::string> v, int64_t ts);
  TopologyTestDriver* d_;
  std::string topic_;
  Serde<K> k_;
  Serde<V> v_;
  int64_t now_ms_ = 0;
};

template <class K, class V>
class TestOutputTopic {
 public:
  TestOutputTopic(TopologyTestDriver* d, std::string topic, Serde<K> k, Serde<V> v)
      : d_(d), topic_(std::move(topic)), k_(std::move(k)), v_(std::move(v)) {}
  bool isEmpty() const { return getQueueSize() == 0; }
  size_t getQueueSize() const;
  TestRecord<K, V> readRecord();
  std::pair<K, V> readKeyValue() {
    TestRecord<K, V> r = readRecord();
    return {r.key.value_or(K{}), r.value.value_or(V{})};
  }
  V readValue() { return readRecord().value.value_or(V{}); }
  std::vector<std::pair<K, V>> readKeyValuesToList() {
    std::vector<std::pair<K, V>> out;
    while (!isEmpty()) out.push_back(readKeyValue());
    return out;
  }
  std::vector<V> readValuesToList() {
    std::vector<V> out;
    while (!isEmpty()) out.push_back(readValue());
    return out;
  }
  std::vector<TestRecord<K, V>> readRecordsToList() {
    std::vector<TestRecord<K, V>> out;
    while (!isEmpty()) out.push_back(readRecord());
    return out;
  }
  // The latest value per key; a tombstone removes the key.
  std::map<K, V> readKeyValuesToMap() {
    std::map<K, V> out;
    while (!isEmpty()) {
      TestRecord<K, V> r = readRecord();
      if (!r.key) continue;
      if (r.value) {
        out[*r.key] = *r.value;
      } else {
        out.erase(*r.key);
      }
    }
    return out;
  }

 private:
  TopologyTestDriver* d_;
  std::string topic_;
  Serde<K> k_;
  Serde<V> v_;
};

class TopologyTestDriver {
 public:
  // config keys: "application.id" (default "test-app"), "state.dir" (default: a fresh temporary
  // directory, removed by the destructor).
  explicit TopologyTestDriver(const Topology& topology,
                              std::map<std::string, std::string> config = {},
                              int64_t initial_wall_clock_ms = 0);
  ~TopologyTestDriver();
  TopologyTestDriver(const TopologyTestDriver&) = delete;
  TopologyTestDriver& operator=(const TopologyTestDriver&) = delete;

  template <class K, class V>
  TestInputTopic<K, V> createInputTopic(const std::string& topic, const Serde<K>& k = {},
                                        const Serde<V>& v = {}) {
    return TestInputTopic<K, V>(this, topic, or_default(k), or_default(v));
  }
  template <class K, class V>
  TestOutputTopic<K, V> createOutputTopic(const std::string& topic, const Serde<K>& k = {},
                                          const Serde<V>& v = {}) {
    return TestOutputTopic<K, V>(this, topic, or_default(k), or_default(v));
  }
  void advanceWallClockTime(std::chrono::milliseconds d);

  template <class K, class V>
  ReadOnlyKeyValueStore<K, V> getKeyValueStore(const std::string& name, const Serde<K>& k = {},
                                               const Serde<V>& v = {}) {
    auto* s = dynamic_cast<const KeyValueStore*>(getStateStore(name));
    return ReadOnlyKeyValueStore<K, V>(
        s ? std::vector<const KeyValueStore*>{s} : std::vector<const KeyValueStore*>{}, k, v);
  }
  template <class K, class V>
  ReadOnlyWindowStore<K, V> getWindowStore(const std::string& name, const Serde<K>& k = {},
                                           const Serde<V>& v = {}) {
    auto* s = dynamic_cast<const WindowStore*>(getStateStore(name));
    return ReadOnlyWindowStore<K, V>(
        s ? std::vector<const WindowStore*>{s} : std::vector<const WindowStore*>{}, k, v);
  }
  StateStore* getStateStore(const std::string& name);

  // Untyped access, for the typed topics above.
  void pipe(const std::string& topic, std::optional<std::string> key,
            std::optional<std::string> value, int64_t timestamp_ms);
  std::deque<RawRecord>& output(const std::string& topic);
  const std::string& applicationId() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

template <class K, class V>
void TestInputTopic<K, V>::pipe(std::optional<std::string> k, std::optional<std::string> v,
                                int64_t ts) {
  d_->pipe(topic_, std::move(k), std::move(v), ts);
}

template <class K, class V>
size_t TestOutputTopic<K, V>::getQueueSize() const {
  return d_->output(topic_).size();
}

template <class K, class V>
TestRecord<K, V> TestOutputTopic<K, V>::readRecord() {
  auto& q = d_->output(topic_);
  if (q.empty()) throw std::out_of_range("no record in output topic " + topic_);
  RawRecord raw = std::move(q.front());
  q.pop_front();
  TestRecord<K, V> r;
  if (raw.key) r.key = k_.deserializer(*raw.key);
  if (raw.value) r.value = v_.deserializer(*raw.value);
  r.timestamp_ms = raw.timestamp_ms;
  return r;
}

}  // namespace eddy::streams
