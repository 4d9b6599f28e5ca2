// Grouped and windowed streams of the Streams DSL: KGroupedStream and its time, session and
// sliding windowed forms, whose aggregations make KTables. Part of streams_builder.h, which
// includes it after KStream and KTable; include that header, not this one.
#pragma once

#include "eddy/streams/streams_builder.h"

namespace eddy::streams {

template <class K, class V>
class TimeWindowedKStream;
template <class K, class V>
class SessionWindowedKStream;
template <class K, class V>
class SlidingWindowedKStream;

template <class K, class V>
class KGroupedStream {
 public:
  KGroupedStream(StreamsBuilder* b, std::string node, Serde<K> k, Serde<V> v, bool repartition,
                 std::string name)
      : b_(b),
        node_(std::move(node)),
        key_(std::move(k)),
        value_(std::move(v)),
        repartition_(repartition),
        name_(std::move(name)) {}

  KTable<K, int64_t> count(const Materialized<K, int64_t>& m = {}) const {
    return aggregate([] { return int64_t(0); }, [](const K&, const V&, int64_t n) { return n + 1; },
                     m);
  }
  template <class F>
  KTable<K, V> reduce(F reducer, const Materialized<K, V>& m = {}) const {
    Materialized<K, V> mm = m;
    if (!mm.value) mm.value = value_;
    return addAggregate<K, V>(
        "KSTREAM-REDUCE", mm, [] { return std::any(); },
        [reducer](const std::any&, const std::any& v, const std::any& agg) {
          if (!agg.has_value()) return v;
          return std::any(V(reducer(detail::ref<V>(agg), detail::ref<V>(v))));
        });
  }
  template <class I, class F, class VA = std::invoke_result_t<I>>
  KTable<K, VA> aggregate(I init, F adder, const Materialized<K, VA>& m = {}) const {
    return addAggregate<K, VA>("KSTREAM-AGGREGATE", m, detail::anyInit<VA>(init),
                               detail::anyAdder<K, V, VA>(adder));
  }
  TimeWindowedKStream<K, V> windowedBy(TimeWindows w) const { return {*this, w}; }
  SessionWindowedKStream<K, V> windowedBy(SessionWindows w) const { return {*this, w}; }
  SlidingWindowedKStream<K, V> windowedBy(SlidingWindows w) const { return {*this, w}; }

  // Adds the repartition topic when the key changed upstream; returns the node to aggregate from.
  std::string sourceFor(const std::string& base) const {
    if (!repartition_) return node_;
    std::string n = (name_.empty() ? base : name_) + "-repartition";
    auto& t = b_->topology();
    t.addProcessor(n + "-filter", detail::dropNullKeyProcessor(), {node_});
    AnySerde k = erase(detail::need(key_, "repartition " + n + " key"));
    AnySerde v = erase(detail::need(value_, "repartition " + n + " value"));
    t.addSink(n + "-sink", n, k, v, {n + "-filter"});
    t.markRepartitionTopic(n);
    t.addSource(n + "-source", {n}, k, v);
    return n + "-source";
  }
  // Adds one aggregation (plain: KT = K; windowed or session: KT = Windowed<K>), its store and,
  // when the key changed upstream, the repartition topic before it.
  template <class KT, class VA, class M>
  KTable<KT, VA> addAggregate(const std::string& prefix, const M& m, std::function<std::any()> init,
                              decltype(detail::AggregateSpec::add) add,
                              decltype(detail::AggregateSpec::merge) merge = {},
                              TimeWindows time = {}, SessionWindows session = {},
                              std::optional<SlidingWindows> sliding = {}) const {
    std::string name = b_->newName(prefix);
    std::string store = m.name.empty() ? b_->newStoreName(prefix) : m.name;
    Serde<K> k = detail::need(m.key ? m.key : key_, prefix + " key");
    Serde<VA> va = detail::need(m.value, prefix + " value");
    std::string src = sourceFor(store);
    detail::AggregateSpec spec{store,
                               erase(k),
                               erase(va),
                               std::move(init),
                               std::move(add),
                               std::move(merge),
                               [](const std::any& key, Window w) {
                                 return std::any(Windowed<K>{detail::ref<K>(key), w});
                               },
                               {}};
    auto& t = b_->topology();
    if constexpr (std::is_same_v<KT, K>) {
      t.addProcessor(name, detail::streamAggregateProcessor(spec), {src});
      t.addStateStore(StoreSpec{store, StoreKind::kKeyValue, m.persistent, m.logging, 0}, {name});
      return KTable<K, VA>(b_, name, k, va, store);
    } else if (sliding) {
      // The records, by timestamp, and the windows' aggregates, by start: both kept for two time
      // differences plus grace (a late record within grace refolds windows up to d before it).
      spec.value_serde = erase(detail::need(value_, prefix + " value"));
      std::string records = store + "-records";
      int64_t retention = 2 * sliding->time_difference_ms + sliding->grace_ms + 1;
      t.addProcessor(name, detail::slidingWindowAggregateProcessor(spec, *sliding, records), {src});
      t.addStateStore(StoreSpec{store, StoreKind::kWindow, m.persistent, m.logging, retention},
                      {name});
      t.addStateStore(StoreSpec{records, StoreKind::kWindow, m.persistent, m.logging, retention},
                      {name});
      // Window ends are inclusive: [s, e] closes when stream time - grace passes e.
      return KTable<KT, VA>(b_, name, windowedSerde(k), va, store, sliding->grace_ms + 1);
    } else if (spec.merge) {
      t.addProcessor(name, detail::sessionWindowAggregateProcessor(spec, session), {src});
      // Retention: a record within grace may bridge a closed session to an open one up to one
      // gap away, so sessions are kept for two gaps plus grace after the latest session end.
      t.addStateStore(StoreSpec{store, StoreKind::kSession, m.persistent, m.logging,
                                2 * session.gap_ms + session.grace_ms},
                      {name});
      // A session can still grow by a record up to `gap` after its end: it closes at end + gap +
      // grace (Kafka's GraphGraceSearchUtil adds the gap the same way).
      return KTable<KT, VA>(b_, name, windowedSerde(k), va, store,
                            session.grace_ms + session.gap_ms);
    } else {
      t.addProcessor(name, detail::timeWindowAggregateProcessor(spec, time), {src});
      t.addStateStore(StoreSpec{store, StoreKind::kWindow, m.persistent, m.logging,
                                time.size_ms + time.grace_ms},
                      {name});
      return KTable<KT, VA>(b_, name, windowedSerde(k), va, store, time.grace_ms);
    }
  }

 private:
  StreamsBuilder* b_;
  std::string node_;
  Serde<K> key_;
  Serde<V> value_;
  bool repartition_;
  std::string name_;
};

template <class K, class V>
class TimeWindowedKStream {
 public:
  TimeWindowedKStream(KGroupedStream<K, V> g, TimeWindows w) : g_(std::move(g)), w_(w) {}
  KTable<Windowed<K>, int64_t> count(const Materialized<K, int64_t>& m = {}) const {
    return aggregate([] { return int64_t(0); }, [](const K&, const V&, int64_t n) { return n + 1; },
                     m);
  }
  template <class I, class F, class VA = std::invoke_result_t<I>>
  KTable<Windowed<K>, VA> aggregate(I init, F adder, const Materialized<K, VA>& m = {}) const {
    return g_.template addAggregate<Windowed<K>, VA>("KSTREAM-AGGREGATE", m,
                                                     detail::anyInit<VA>(init),
                                                     detail::anyAdder<K, V, VA>(adder), {}, w_);
  }

 private:
  KGroupedStream<K, V> g_;
  TimeWindows w_;
};

template <class K, class V>
class SessionWindowedKStream {
 public:
  SessionWindowedKStream(KGroupedStream<K, V> g, SessionWindows w) : g_(std::move(g)), w_(w) {}
  KTable<Windowed<K>, int64_t> count(const Materialized<K, int64_t>& m = {}) const {
    return aggregate([] { return int64_t(0); }, [](const K&, const V&, int64_t n) { return n + 1; },
                     [](const K&, int64_t a, int64_t b) { return a + b; }, m);
  }
  template <class I, class F, class M, class VA = std::invoke_result_t<I>>
  KTable<Windowed<K>, VA> aggregate(I init, F adder, M merger,
                                    const Materialized<K, VA>& m = {}) const {
    return g_.template addAggregate<Windowed<K>, VA>(
        "KSTREAM-SESSION-AGGREGATE", m, detail::anyInit<VA>(init),
        detail::anyAdder<K, V, VA>(adder),
        [merger](const std::any& key, const std::any& a, const std::any& c) {
          return std::any(VA(merger(detail::ref<K>(key), detail::ref<VA>(a), detail::ref<VA>(c))));
        },
        {}, w_);
  }

 private:
  KGroupedStream<K, V> g_;
  SessionWindows w_;
};

template <class K, class V>
class SlidingWindowedKStream {
 public:
  SlidingWindowedKStream(KGroupedStream<K, V> g, SlidingWindows w) : g_(std::move(g)), w_(w) {}
  KTable<Windowed<K>, int64_t> count(const Materialized<K, int64_t>& m = {}) const {
    return aggregate([] { return int64_t(0); }, [](const K&, const V&, int64_t n) { return n + 1; },
                     m);
  }
  // Each window's aggregate folds its records in event-time order.
  template <class I, class F, class VA = std::invoke_result_t<I>>
  KTable<Windowed<K>, VA> aggregate(I init, F adder, const Materialized<K, VA>& m = {}) const {
    return g_.template addAggregate<Windowed<K>, VA>(
        "KSTREAM-SLIDINGWINDOWAGGREGATE", m, detail::anyInit<VA>(init),
        detail::anyAdder<K, V, VA>(adder), {}, {}, {}, w_);
  }

 private:
  KGroupedStream<K, V> g_;
  SlidingWindows w_;
};

}  // namespace eddy::streams
