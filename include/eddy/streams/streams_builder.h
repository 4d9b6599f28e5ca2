// The Streams DSL: StreamsBuilder, KStream, KTable, GlobalKTable and (in grouped_stream.h,
// included below) grouped/windowed streams, with Kafka Streams' operator and node names. Every
// operator adds nodes to one Topology; the typed wrappers here only adapt user functions to the
// untyped processors of detail/dsl.h.
//
// Null keys and values: a record with a null value is dropped by the operators that call a user
// function with the value (filter, map, mapValues, flatMap, selectKey, groupBy, aggregations,
// joins); a null key reaches a user function as K{}; grouping drops records with a null key.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eddy/streams/detail/dsl.h"
#include "eddy/streams/topology.h"
#include "eddy/streams/windows.h"

namespace eddy::streams {

template <class K, class V>
struct Consumed {
  Serde<K> key;
  Serde<V> value;
  TimestampExtractor extractor;
  static Consumed with(Serde<K> k, Serde<V> v) { return {std::move(k), std::move(v), {}}; }
  Consumed withTimestampExtractor(TimestampExtractor e) const {
    Consumed c = *this;
    c.extractor = std::move(e);
    return c;
  }
};

template <class K, class V>
struct Produced {
  Serde<K> key;
  Serde<V> value;
  StreamPartitioner partitioner;
  static Produced with(Serde<K> k, Serde<V> v) { return {std::move(k), std::move(v), {}}; }
};

template <class K, class V>
struct Grouped {
  std::string name;
  Serde<K> key;
  Serde<V> value;
  static Grouped as(std::string n) { return {std::move(n), {}, {}}; }
  static Grouped with(Serde<K> k, Serde<V> v) { return {{}, std::move(k), std::move(v)}; }
};

template <class K, class V>
struct Materialized {
  std::string name;
  Serde<K> key;
  Serde<V> value;
  bool persistent = true;
  bool logging = true;
  static Materialized as(std::string n) { return {std::move(n), {}, {}, true, true}; }
  Materialized withKeySerde(Serde<K> s) const {
    auto m = *this;
    m.key = std::move(s);
    return m;
  }
  Materialized withValueSerde(Serde<V> s) const {
    auto m = *this;
    m.value = std::move(s);
    return m;
  }
  Materialized inMemory() const {
    auto m = *this;
    m.persistent = false;
    return m;
  }
  Materialized withLoggingDisabled() const {
    auto m = *this;
    m.logging = false;
    return m;
  }
};

namespace detail {
template <class T>
const T& ref(const std::any& a) {
  static const T empty{};
  return a.has_value() ? *std::any_cast<T>(&a) : empty;
}
// A value a join may lack (Kafka's null): nullptr when `a` is empty.
template <class T>
const T* ptr(const std::any& a) {
  return a.has_value() ? std::any_cast<T>(&a) : nullptr;
}
template <class VA, class I>
std::function<std::any()> anyInit(I init) {
  return [init] { return std::any(VA(init())); };
}
template <class K, class V, class VA, class F>
auto anyAdder(F adder) {
  return [adder](const std::any& k, const std::any& v, const std::any& agg) {
    return std::any(VA(adder(ref<K>(k), ref<V>(v), ref<VA>(agg))));
  };
}
template <class T>
Serde<T> need(const Serde<T>& s, const std::string& what) {
  Serde<T> r = or_default(s);
  if (!r) throw std::invalid_argument(what + ": no serde for this type; pass one");
  return r;
}
}  // namespace detail

class StreamsBuilder;
template <class K, class V>
class KStream;
template <class K, class V>
class KTable;
template <class K, class V>
class KGroupedStream;

// Kafka's GlobalKTable: a table kept in full on every instance, from every partition of its
// topic, so a KStream joins it on any key it derives (no co-partitioning, no repartition).
template <class K, class V>
class GlobalKTable {
 public:
  GlobalKTable(std::string store, Serde<K> k, Serde<V> v)
      : store_(std::move(store)), key_(std::move(k)), value_(std::move(v)) {}
  const std::string& queryableStoreName() const { return store_; }
  const Serde<K>& keySerde() const { return key_; }
  const Serde<V>& valueSerde() const { return value_; }

 private:
  std::string store_;
  Serde<K> key_;
  Serde<V> value_;
};

class StreamsBuilder {
 public:
  template <class K, class V>
  KStream<K, V> stream(const std::vector<std::string>& topics, const Consumed<K, V>& c = {});
  template <class K, class V>
  KStream<K, V> stream(const std::string& topic, const Consumed<K, V>& c = {}) {
    return stream<K, V>(std::vector<std::string>{topic}, c);
  }
  // A changelog stream read into a materialized table.
  template <class K, class V>
  KTable<K, V> table(const std::string& topic, const Consumed<K, V>& c = {},
                     const Materialized<K, V>& m = {});
  // A topic read into a GlobalKTable (its store is never logged: the topic is its changelog).
  template <class K, class V>
  GlobalKTable<K, V> globalTable(const std::string& topic, const Consumed<K, V>& c = {},
                                 const Materialized<K, V>& m = {});
  Topology build() const { return topology_; }

  // Kafka's generated names: "KSTREAM-FILTER-0000000003".
  std::string newName(const std::string& prefix) {
    std::string n = std::to_string(index_++);
    return prefix + "-" + std::string(10 - std::min<size_t>(10, n.size()), '0') + n;
  }
  std::string newStoreName(const std::string& prefix) { return newName(prefix + "-STATE-STORE"); }
  Topology& topology() { return topology_; }

 private:
  // A topic read into a table (KTable or GlobalKTable): its node and store names, Serdes and
  // the processor that writes each record into the store.
  template <class K, class V>
  struct SourceTable {
    std::string source, processor, store;
    Serde<K> key;
    Serde<V> value;
    ProcessorSupplier updater;
  };
  template <class K, class V>
  SourceTable<K, V> sourceTable(const std::string& topic, const Consumed<K, V>& c,
                                const Materialized<K, V>& m);

  Topology topology_;
  int index_ = 0;
};

template <class K, class V>
class BranchedKStream;

template <class K, class V>
class KStream {
 public:
  KStream(StreamsBuilder* b, std::string node, Serde<K> k, Serde<V> v, bool repartition = false)
      : b_(b),
        node_(std::move(node)),
        key_(std::move(k)),
        value_(std::move(v)),
        repartition_required_(repartition) {}

  template <class P>
  KStream filter(P pred) const {
    return add<K, V>("KSTREAM-FILTER",
                     detail::filterProcessor([pred](const std::any& k, const std::any& v) {
                       return pred(detail::ref<K>(k), detail::ref<V>(v));
                     }),
                     key_, value_, repartition_required_);
  }
  template <class P>
  KStream filterNot(P pred) const {
    return filter([pred](const K& k, const V& v) { return !pred(k, v); });
  }
  // f(key, value) -> std::pair<KR, VR>; the key changes, so a later grouping repartitions.
  template <class F, class R = std::invoke_result_t<F, const K&, const V&>>
  KStream<typename R::first_type, typename R::second_type> map(F f) const {
    using KR = typename R::first_type;
    using VR = typename R::second_type;
    return add<KR, VR>("KSTREAM-MAP",
                       detail::mapProcessor([f](const std::any& k, const std::any& v) {
                         R r = f(detail::ref<K>(k), detail::ref<V>(v));
                         return detail::AnyKeyValue{std::move(r.first), std::move(r.second)};
                       }),
                       {}, {}, true);
  }
  template <class F, class VR = std::invoke_result_t<F, const V&>>
  KStream<K, VR> mapValues(F f) const {
    return add<K, VR>("KSTREAM-MAPVALUES",
                      detail::mapProcessor([f](const std::any& k, const std::any& v) {
                        return detail::AnyKeyValue{k, VR(f(detail::ref<V>(v)))};
                      }),
                      key_, {}, repartition_required_);
  }
  template <class F, class KR = std::invoke_result_t<F, const K&, const V&>>
  KStream<KR, V> selectKey(F f) const {
    return add<KR, V>("KSTREAM-KEY-SELECT",
                      detail::mapProcessor([f](const std::any& k, const std::any& v) {
                        return detail::AnyKeyValue{KR(f(detail::ref<K>(k), detail::ref<V>(v))), v};
                      }),
                      {}, value_, true);
  }
  // f(key, value) -> iterable of std::pair<KR, VR>.
  template <class F, class C = std::invoke_result_t<F, const K&, const V&>,
            class R = typename C::value_type>
  KStream<typename R::first_type, typename R::second_type> flatMap(F f) const {
    using KR = typename R::first_type;
    using VR = typename R::second_type;
    return add<KR, VR>("KSTREAM-FLATMAP",
                       detail::flatMapProcessor([f](const std::any& k, const std::any& v) {
                         std::vector<detail::AnyKeyValue> out;
                         for (auto& r : f(detail::ref<K>(k), detail::ref<V>(v))) {
                           out.push_back({KR(r.first), VR(r.second)});
                         }
                         return out;
                       }),
                       {}, {}, true);
  }
  // f(value) -> iterable of VR.
  template <class F, class C = std::invoke_result_t<F, const V&>, class VR = typename C::value_type>
  KStream<K, VR> flatMapValues(F f) const {
    return add<K, VR>("KSTREAM-FLATMAPVALUES",
                      detail::flatMapProcessor([f](const std::any& k, const std::any& v) {
                        std::vector<detail::AnyKeyValue> out;
                        for (auto& r : f(detail::ref<V>(v))) out.push_back({k, VR(r)});
                        return out;
                      }),
                      key_, {}, repartition_required_);
  }
  template <class F>
  KStream peek(F f) const {
    return add<K, V>("KSTREAM-PEEK",
                     detail::peekProcessor([f](const std::any& k, const std::any& v) {
                       f(detail::ref<K>(k), detail::ref<V>(v));
                     }),
                     key_, value_, repartition_required_);
  }
  template <class F>
  void foreach (F f) const {
    peekLike("KSTREAM-FOREACH", f);
  }
  KStream merge(const KStream& other) const {
    std::string name = b_->newName("KSTREAM-MERGE");
    b_->topology().addProcessor(name, detail::passThroughProcessor(), {node_, other.node_});
    return KStream(b_, name, key_, value_, repartition_required_ || other.repartition_required_);
  }
  BranchedKStream<K, V> split(const std::string& prefix = "") const {
    return BranchedKStream<K, V>(*this, prefix);
  }
  void to(const std::string& topic, const Produced<K, V>& p = {}) const {
    b_->topology().addSink(
        b_->newName("KSTREAM-SINK"), topic,
        erase(detail::need(p.key ? p.key : key_, "to(" + topic + ") key")),
        erase(detail::need(p.value ? p.value : value_, "to(" + topic + ") value")), {node_},
        p.partitioner);
  }
  // A user processor (Processor API) in the DSL; its output types are KR, VR.
  template <class KR, class VR>
  KStream<KR, VR> process(ProcessorSupplier supplier,
                          const std::vector<std::string>& stores = {}) const {
    std::string name = b_->newName("KSTREAM-PROCESSOR");
    b_->topology().addProcessor(name, std::move(supplier), {node_});
    if (!stores.empty()) b_->topology().connectProcessorAndStateStores(name, stores);
    return KStream<KR, VR>(b_, name, {}, {}, true);
  }

  KGroupedStream<K, V> groupByKey(const Grouped<K, V>& g = {}) const {
    return KGroupedStream<K, V>(b_, node_, g.key ? g.key : key_, g.value ? g.value : value_,
                                repartition_required_, g.name);
  }
  template <class F, class KR = std::invoke_result_t<F, const K&, const V&>>
  KGroupedStream<KR, V> groupBy(F f, const Grouped<KR, V>& g = {}) const {
    return selectKey(f).groupByKey(Grouped<KR, V>{g.name, g.key, g.value ? g.value : value_});
  }

  // Stream-table joins: each stream record joins the table's current value for its key.
  template <class VT, class F, class VR = std::invoke_result_t<F, const V&, const VT&>>
  KStream<K, VR> join(const KTable<K, VT>& table, F joiner) const {
    return tableJoin<false, VT, VR>(table, joiner);
  }
  // The joiner gets nullptr when the table has no value for the key.
  template <class VT, class F, class VR = std::invoke_result_t<F, const V&, const VT*>>
  KStream<K, VR> leftJoin(const KTable<K, VT>& table, F joiner) const {
    return tableJoin<true, VT, VR>(table, joiner);
  }
  // Stream-GlobalKTable joins: each stream record joins the table's current value for
  // selector(key, value) -> GK; the output keeps the stream's key. leftJoin's joiner gets nullptr
  // when the table has no value for that key.
  template <class GK, class GV, class S, class F,
            class VR = std::invoke_result_t<F, const V&, const GV&>>
  KStream<K, VR> join(const GlobalKTable<GK, GV>& table, S selector, F joiner) const {
    return globalJoin<false, GK, GV, VR>(table, selector, joiner);
  }
  template <class GK, class GV, class S, class F,
            class VR = std::invoke_result_t<F, const V&, const GV*>>
  KStream<K, VR> leftJoin(const GlobalKTable<GK, GV>& table, S selector, F joiner) const {
    return globalJoin<true, GK, GV, VR>(table, selector, joiner);
  }
  // Windowed stream-stream inner join; output timestamp is the later of the two records'.
  template <class VO, class F, class VR = std::invoke_result_t<F, const V&, const VO&>>
  KStream<K, VR> join(const KStream<K, VO>& other, F joiner, JoinWindows windows) const {
    return streamJoin<VR>(
        other,
        [joiner](const std::any& a, const std::any& b) {
          return std::any(VR(joiner(detail::ref<V>(a), detail::ref<VO>(b))));
        },
        windows, detail::JoinKind::kInner);
  }
  // Windowed stream-stream left join: a left record that no right record joins within the window
  // is emitted once with nullptr for the right value, after its window has closed.
  template <class VO, class F, class VR = std::invoke_result_t<F, const V&, const VO*>>
  KStream<K, VR> leftJoin(const KStream<K, VO>& other, F joiner, JoinWindows windows) const {
    return streamJoin<VR>(
        other,
        [joiner](const std::any& a, const std::any& b) {
          return std::any(VR(joiner(detail::ref<V>(a), detail::ptr<VO>(b))));
        },
        windows, detail::JoinKind::kLeft);
  }
  // Windowed stream-stream outer join: records of either side that no record of the other side
  // joins are emitted once, with nullptr for the missing side, after their window has closed.
  template <class VO, class F, class VR = std::invoke_result_t<F, const V*, const VO*>>
  KStream<K, VR> outerJoin(const KStream<K, VO>& other, F joiner, JoinWindows windows) const {
    return streamJoin<VR>(
        other,
        [joiner](const std::any& a, const std::any& b) {
          return std::any(VR(joiner(detail::ptr<V>(a), detail::ptr<VO>(b))));
        },
        windows, detail::JoinKind::kOuter);
  }

  const std::string& node() const { return node_; }
  const Serde<K>& keySerde() const { return key_; }
  const Serde<V>& valueSerde() const { return value_; }
  StreamsBuilder* builder() const { return b_; }

 private:
  template <class KR, class VR>
  KStream<KR, VR> add(const std::string& prefix, ProcessorSupplier s, Serde<KR> k, Serde<VR> v,
                      bool repartition) const {
    std::string name = b_->newName(prefix);
    b_->topology().addProcessor(name, std::move(s), {node_});
    return KStream<KR, VR>(b_, name, std::move(k), std::move(v), repartition);
  }
  template <class VR, class VO>
  KStream<K, VR> streamJoin(const KStream<K, VO>& other, detail::AnyValueJoiner j, JoinWindows w,
                            detail::JoinKind kind) const;
  template <class F>
  void peekLike(const std::string& prefix, F f) const {
    add<K, V>(prefix, detail::peekProcessor([f](const std::any& k, const std::any& v) {
                f(detail::ref<K>(k), detail::ref<V>(v));
              }),
              key_, value_, false);
  }
  template <bool left, class VT, class VR, class F>
  static detail::AnyValueJoiner tableJoiner(F joiner) {
    if constexpr (left) {
      return [joiner](const std::any& v, const std::any& t) {
        return std::any(VR(joiner(detail::ref<V>(v), detail::ptr<VT>(t))));
      };
    } else {
      return [joiner](const std::any& v, const std::any& t) {
        return std::any(VR(joiner(detail::ref<V>(v), detail::ref<VT>(t))));
      };
    }
  }
  template <bool left, class GK, class GV, class VR, class S, class F>
  KStream<K, VR> globalJoin(const GlobalKTable<GK, GV>& table, S selector, F joiner) const {
    std::string name = b_->newName(left ? "KSTREAM-LEFTJOIN" : "KSTREAM-JOIN");
    // Not connected to the global store: every processor reads it (Kafka's describe() lists
    // no store for this node either).
    b_->topology().addProcessor(
        name,
        detail::streamTableJoinProcessor(
            table.queryableStoreName(), erase(detail::need(table.keySerde(), "join key")),
            erase(detail::need(table.valueSerde(), "join table value")),
            tableJoiner<left, GV, VR>(joiner), left,
            [selector](const std::any& k, const std::any& v) {
              return std::any(GK(selector(detail::ref<K>(k), detail::ref<V>(v))));
            }),
        {node_});
    return KStream<K, VR>(b_, name, key_, {}, repartition_required_);
  }
  template <bool left, class VT, class VR, class F>
  KStream<K, VR> tableJoin(const KTable<K, VT>& table, F joiner) const {
    const std::string& store = table.queryableStoreName();
    if (store.empty()) throw std::invalid_argument("join: the table must be materialized");
    detail::AnyValueJoiner j = tableJoiner<left, VT, VR>(joiner);
    std::string name = b_->newName(left ? "KSTREAM-LEFTJOIN" : "KSTREAM-JOIN");
    b_->topology().addProcessor(
        name,
        detail::streamTableJoinProcessor(
            store, erase(detail::need(table.keySerde(), "join key")),
            erase(detail::need(table.valueSerde(), "join table value")), j, left),
        {node_});
    b_->topology().connectProcessorAndStateStores(name, {store});
    return KStream<K, VR>(b_, name, key_, {}, repartition_required_);
  }

  StreamsBuilder* b_;
  std::string node_;
  Serde<K> key_;
  Serde<V> value_;
  bool repartition_required_;
};

// KStream::split(): branches in order; a record goes to the first branch whose predicate matches.
template <class K, class V>
class BranchedKStream {
 public:
  BranchedKStream(KStream<K, V> s, std::string prefix)
      : s_(std::move(s)), prefix_(std::move(prefix)) {}
  template <class P>
  BranchedKStream& branch(P pred, const std::string& name = "") {
    preds_.push_back([pred](const std::any& k, const std::any& v) {
      return pred(detail::ref<K>(k), detail::ref<V>(v));
    });
    names_.push_back(name.empty() ? std::to_string(preds_.size()) : name);
    return *this;
  }
  // Returns the branches by "<prefix><name>"; the default branch takes the rest.
  std::map<std::string, KStream<K, V>> defaultBranch(const std::string& name = "0") {
    preds_.push_back({});
    names_.push_back(name);
    return build();
  }
  std::map<std::string, KStream<K, V>> noDefaultBranch() { return build(); }

 private:
  std::map<std::string, KStream<K, V>> build() {
    StreamsBuilder* b = s_.builder();
    std::string branch = b->newName("KSTREAM-BRANCH");
    std::vector<std::string> children;
    for (size_t i = 0; i < preds_.size(); ++i)
      children.push_back(branch + "-" + prefix_ + names_[i]);
    b->topology().addProcessor(branch, detail::branchProcessor(preds_, children), {s_.node()});
    std::map<std::string, KStream<K, V>> out;
    for (size_t i = 0; i < children.size(); ++i) {
      b->topology().addProcessor(children[i], detail::passThroughProcessor(), {branch});
      out.emplace(prefix_ + names_[i],
                  KStream<K, V>(b, children[i], s_.keySerde(), s_.valueSerde()));
    }
    return out;
  }
  KStream<K, V> s_;
  std::string prefix_;
  std::vector<detail::AnyPredicate> preds_;
  std::vector<std::string> names_;
};

template <class K, class V>
class KTable {
 public:
  KTable(StreamsBuilder* b, std::string node, Serde<K> k, Serde<V> v, std::string store,
         int64_t grace_ms = -1)
      : b_(b),
        node_(std::move(node)),
        key_(std::move(k)),
        value_(std::move(v)),
        store_(std::move(store)),
        grace_ms_(grace_ms) {}

  KStream<K, V> toStream() const {
    std::string name = b_->newName("KTABLE-TOSTREAM");
    b_->topology().addProcessor(name, detail::toStreamProcessor(), {node_});
    return KStream<K, V>(b_, name, key_, value_);
  }
  template <class P>
  KTable filter(P pred) const {
    std::string name = b_->newName("KTABLE-FILTER");
    b_->topology().addProcessor(
        name, detail::tableFilterProcessor([pred](const std::any& k, const std::any& v) {
          return pred(detail::ref<K>(k), detail::ref<V>(v));
        }),
        {node_});
    return KTable(b_, name, key_, value_, "", grace_ms_);
  }
  template <class F, class VR = std::invoke_result_t<F, const V&>>
  KTable<K, VR> mapValues(F f) const {
    std::string name = b_->newName("KTABLE-MAPVALUES");
    b_->topology().addProcessor(
        name, detail::tableMapValuesProcessor([f](const std::any& k, const std::any& v) {
          return detail::AnyKeyValue{k, VR(f(detail::ref<V>(v)))};
        }),
        {node_});
    return KTable<K, VR>(b_, name, key_, {}, "", grace_ms_);
  }
  // Emits each window's final result once, when stream time passes its end plus grace
  // (Kafka's suppress(Suppressed.untilWindowCloses(unbounded()))).
  KTable suppressUntilWindowCloses() const {
    if (grace_ms_ < 0)
      throw std::invalid_argument("suppress: only windowed tables have a close time");
    std::string name = b_->newName("KTABLE-SUPPRESS");
    std::string store = b_->newStoreName("KTABLE-SUPPRESS");
    detail::WindowOf window_of;
    if constexpr (requires(K k) { k.window; }) {
      window_of = [](const std::any& k) { return detail::ref<K>(k).window; };
    }
    b_->topology().addProcessor(
        name,
        detail::suppressUntilWindowClosesProcessor(store, erase(detail::need(key_, "suppress key")),
                                                   erase(detail::need(value_, "suppress value")),
                                                   window_of, grace_ms_),
        {node_});
    b_->topology().addStateStore(stores::inMemoryKeyValueStore(store), {name});
    return KTable(b_, name, key_, value_, "", grace_ms_);
  }
  // Table-table joins on the key; both tables must be materialized. leftJoin passes nullptr
  // for a missing right value.
  template <class VO, class F, class VR = std::invoke_result_t<F, const V&, const VO&>>
  KTable<K, VR> join(const KTable<K, VO>& other, F joiner) const {
    return tableJoin<VO, VR>(
        other,
        [joiner](const std::any& a, const std::any& b) {
          return std::any(VR(joiner(detail::ref<V>(a), detail::ref<VO>(b))));
        },
        detail::JoinKind::kInner);
  }
  template <class VO, class F, class VR = std::invoke_result_t<F, const V&, const VO*>>
  KTable<K, VR> leftJoin(const KTable<K, VO>& other, F joiner) const {
    return tableJoin<VO, VR>(
        other,
        [joiner](const std::any& a, const std::any& b) {
          return std::any(VR(joiner(detail::ref<V>(a), detail::ptr<VO>(b))));
        },
        detail::JoinKind::kLeft);
  }
  // Either side's value may be missing (nullptr); a key that neither side has is deleted.
  template <class VO, class F, class VR = std::invoke_result_t<F, const V*, const VO*>>
  KTable<K, VR> outerJoin(const KTable<K, VO>& other, F joiner) const {
    return tableJoin<VO, VR>(
        other,
        [joiner](const std::any& a, const std::any& b) {
          return std::any(VR(joiner(detail::ptr<V>(a), detail::ptr<VO>(b))));
        },
        detail::JoinKind::kOuter);
  }

  const std::string& queryableStoreName() const { return store_; }
  const std::string& node() const { return node_; }
  const Serde<K>& keySerde() const { return key_; }
  const Serde<V>& valueSerde() const { return value_; }

 private:
  template <class VO, class VR>
  KTable<K, VR> tableJoin(const KTable<K, VO>& other, detail::AnyValueJoiner j,
                          detail::JoinKind kind) const {
    if (store_.empty() || other.queryableStoreName().empty()) {
      throw std::invalid_argument("table-table join: both tables must be materialized");
    }
    auto& t = b_->topology();
    static constexpr const char* kThis[] = {"KTABLE-JOINTHIS", "KTABLE-LEFTJOIN-THIS",
                                            "KTABLE-OUTERTHIS"};
    static constexpr const char* kOther[] = {"KTABLE-JOINOTHER", "KTABLE-LEFTJOIN-OTHER",
                                             "KTABLE-OUTEROTHER"};
    std::string this_side = b_->newName(kThis[int(kind)]);
    std::string other_side = b_->newName(kOther[int(kind)]);
    std::string merge = b_->newName("KTABLE-MERGE");
    AnySerde k = erase(detail::need(key_, "table join key"));
    t.addProcessor(this_side,
                   detail::tableTableJoinProcessor(
                       other.queryableStoreName(), k,
                       erase(detail::need(other.valueSerde(), "table join value")), j, true, kind),
                   {node_});
    t.connectProcessorAndStateStores(this_side, {other.queryableStoreName()});
    t.addProcessor(other_side,
                   detail::tableTableJoinProcessor(
                       store_, k, erase(detail::need(value_, "table join value")), j, false, kind),
                   {other.node()});
    t.connectProcessorAndStateStores(other_side, {store_});
    t.addProcessor(merge, detail::passThroughProcessor(), {this_side, other_side});
    return KTable<K, VR>(b_, merge, key_, {}, "");
  }

  StreamsBuilder* b_;
  std::string node_;
  Serde<K> key_;
  Serde<V> value_;
  std::string store_;
  int64_t grace_ms_;  // windowed tables: the grace period of their windows
};

}  // namespace eddy::streams

#include "eddy/streams/grouped_stream.h"  // IWYU pragma: export

namespace eddy::streams {

template <class K, class V>
KStream<K, V> StreamsBuilder::stream(const std::vector<std::string>& topics,
                                     const Consumed<K, V>& c) {
  std::string name = newName("KSTREAM-SOURCE");
  Serde<K> k = or_default(c.key);
  Serde<V> v = or_default(c.value);
  topology_.addSource(name, topics, erase(detail::need(k, "stream key")),
                      erase(detail::need(v, "stream value")), c.extractor);
  return KStream<K, V>(this, name, k, v);
}

template <class K, class V>
StreamsBuilder::SourceTable<K, V> StreamsBuilder::sourceTable(const std::string& topic,
                                                              const Consumed<K, V>& c,
                                                              const Materialized<K, V>& m) {
  SourceTable<K, V> t;
  t.source = newName("KSTREAM-SOURCE");
  t.processor = newName("KTABLE-SOURCE");
  t.store = m.name.empty() ? topic + "-STATE-STORE-" + t.processor.substr(t.processor.size() - 10)
                           : m.name;
  t.key = detail::need(m.key ? m.key : c.key, "table key");
  t.value = detail::need(m.value ? m.value : c.value, "table value");
  t.updater = detail::tableSourceProcessor(t.store, erase(t.key), erase(t.value));
  return t;
}

template <class K, class V>
KTable<K, V> StreamsBuilder::table(const std::string& topic, const Consumed<K, V>& c,
                                   const Materialized<K, V>& m) {
  auto t = sourceTable(topic, c, m);
  topology_.addSource(t.source, {topic}, erase(t.key), erase(t.value), c.extractor);
  topology_.addProcessor(t.processor, t.updater, {t.source});
  topology_.addStateStore(StoreSpec{t.store, StoreKind::kKeyValue, m.persistent, m.logging, 0},
                          {t.processor});
  return KTable<K, V>(this, t.processor, t.key, t.value, t.store);
}

template <class K, class V>
GlobalKTable<K, V> StreamsBuilder::globalTable(const std::string& topic, const Consumed<K, V>& c,
                                               const Materialized<K, V>& m) {
  auto t = sourceTable(topic, c, m);
  topology_.addGlobalStore(StoreSpec{t.store, StoreKind::kKeyValue, m.persistent, false, 0},
                           t.source, erase(t.key), erase(t.value), topic, t.processor, t.updater);
  return GlobalKTable<K, V>(t.store, t.key, t.value);
}

template <class K, class V>
template <class VR, class VO>
KStream<K, VR> KStream<K, V>::streamJoin(const KStream<K, VO>& other, detail::AnyValueJoiner j,
                                         JoinWindows w, detail::JoinKind kind) const {
  auto& t = b_->topology();
  static constexpr const char* kThis[] = {"KSTREAM-JOINTHIS", "KSTREAM-LEFTTHIS",
                                          "KSTREAM-OUTERTHIS"};
  static constexpr const char* kOther[] = {"KSTREAM-JOINOTHER", "KSTREAM-LEFTOTHER",
                                           "KSTREAM-OUTEROTHER"};
  std::string this_win = b_->newName(kThis[int(kind)]);
  std::string other_win = b_->newName(kOther[int(kind)]);
  std::string this_store = this_win + "-store";
  std::string other_store = other_win + "-store";
  // Unjoined records wait here until their window closes: left ones for left and outer joins,
  // right ones for outer joins.
  std::string shared = kind == detail::JoinKind::kInner ? "" : b_->newName("KSTREAM-OUTERSHARED");
  std::string left_pending = shared.empty() ? "" : shared + "-store";
  std::string right_pending = kind == detail::JoinKind::kOuter ? shared + "-right-store" : "";
  std::string merge = b_->newName("KSTREAM-MERGE");
  AnySerde k = erase(detail::need(key_, "join key"));
  AnySerde tv = erase(detail::need(value_, "join left value"));
  AnySerde ov = erase(detail::need(other.valueSerde(), "join right value"));
  t.addProcessor(this_win,
                 detail::streamStreamJoinProcessor(this_store, other_store, k, tv, ov, j, w, true,
                                                   left_pending, right_pending),
                 {node_});
  t.addProcessor(other_win,
                 detail::streamStreamJoinProcessor(other_store, this_store, k, ov, tv, j, w, false,
                                                   left_pending, right_pending),
                 {other.node()});
  int64_t retention = w.before_ms + w.after_ms + w.grace_ms + 1;
  t.addStateStore(StoreSpec{this_store, StoreKind::kWindow, true, true, retention},
                  {this_win, other_win});
  t.addStateStore(StoreSpec{other_store, StoreKind::kWindow, true, true, retention},
                  {this_win, other_win});
  for (const auto& pending : {left_pending, right_pending}) {
    if (pending.empty()) continue;
    t.addStateStore(StoreSpec{pending, StoreKind::kKeyValue, true, true, 0}, {this_win, other_win});
  }
  t.addProcessor(merge, detail::passThroughProcessor(), {this_win, other_win});
  return KStream<K, VR>(b_, merge, key_, {}, repartition_required_);
}

}  // namespace eddy::streams
