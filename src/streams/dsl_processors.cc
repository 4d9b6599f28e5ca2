// The DSL's processors (see detail/dsl.h). Kafka's reference implementations are named beside each.
#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "eddy/streams/detail/dsl.h"

namespace eddy::streams::detail {

namespace {

template <class S>
S* store_of(ProcessorContext& c, const std::string& name) {
  auto* s = dynamic_cast<S*>(c.state_store(name));
  if (!s) throw std::logic_error("store " + name + " is missing or of another kind");
  return s;
}

std::string ser(const AnySerde& s, const std::any& a) {
  auto b = s.serialize(a);
  if (!b) throw std::logic_error("a null cannot be a store key or value");
  return *b;
}

template <class F>
class LambdaProcessor final : public Processor {
 public:
  explicit LambdaProcessor(F f) : f_(std::move(f)) {}
  void process(const Record& r) override { f_(context(), r); }

 private:
  F f_;
};

template <class F>
ProcessorSupplier lambda(F f) {
  return [f] { return std::make_unique<LambdaProcessor<F>>(f); };
}

}  // namespace

ProcessorSupplier filterProcessor(AnyPredicate keep) {
  return lambda([keep](ProcessorContext& c, const Record& r) {
    if (r.value.has_value() && keep(r.key, r.value)) c.forward(r);
  });
}

ProcessorSupplier mapProcessor(AnyMapper mapper) {
  return lambda([mapper](ProcessorContext& c, const Record& r) {
    if (!r.value.has_value()) return;
    AnyKeyValue kv = mapper(r.key, r.value);
    c.forward(Record{std::move(kv.key), std::move(kv.value), r.timestamp_ms, {}});
  });
}

ProcessorSupplier flatMapProcessor(AnyFlatMapper mapper) {
  return lambda([mapper](ProcessorContext& c, const Record& r) {
    if (!r.value.has_value()) return;
    for (auto& kv : mapper(r.key, r.value)) {
      c.forward(Record{std::move(kv.key), std::move(kv.value), r.timestamp_ms, {}});
    }
  });
}

ProcessorSupplier peekProcessor(AnyAction action) {
  return lambda([action](ProcessorContext& c, const Record& r) {
    if (r.value.has_value()) action(r.key, r.value);
    c.forward(r);
  });
}

ProcessorSupplier branchProcessor(std::vector<AnyPredicate> predicates,
                                  std::vector<std::string> children) {
  return lambda([predicates, children](ProcessorContext& c, const Record& r) {
    for (size_t i = 0; i < predicates.size(); ++i) {
      // KStreamBranch: the default branch (no predicate) takes whatever is left, nulls included.
      if (!predicates[i] || (r.value.has_value() && predicates[i](r.key, r.value))) {
        c.forward(r, children[i]);
        return;
      }
    }
  });
}

ProcessorSupplier passThroughProcessor() {
  return lambda([](ProcessorContext& c, const Record& r) { c.forward(r); });
}

ProcessorSupplier dropNullKeyProcessor() {
  return lambda([](ProcessorContext& c, const Record& r) {
    if (r.key.has_value()) c.forward(r);
  });
}

// KStreamAggregate / KStreamReduce.
ProcessorSupplier streamAggregateProcessor(AggregateSpec spec) {
  return lambda([spec](ProcessorContext& c, const Record& r) {
    if (!r.key.has_value() || !r.value.has_value()) return;
    auto* store = store_of<KeyValueStore>(c, spec.store);
    std::string k = ser(spec.key_serde, r.key);
    std::optional<std::string> old_bytes = store->get(k);
    std::any old;
    if (old_bytes) old = spec.agg_serde.deserialize(*old_bytes);
    std::any agg = spec.add(r.key, r.value, old_bytes ? old : spec.init());
    store->put(k, ser(spec.agg_serde, agg));
    c.forward(Record{r.key, std::move(agg), r.timestamp_ms, std::move(old)});
  });
}

// KStreamWindowAggregate: a record updates each of its windows that has not closed; a window
// closes when stream time reaches its end plus grace.
ProcessorSupplier timeWindowAggregateProcessor(AggregateSpec spec, TimeWindows windows) {
  return lambda([spec, windows](ProcessorContext& c, const Record& r) {
    if (!r.key.has_value() || !r.value.has_value()) return;
    auto* store = store_of<WindowStore>(c, spec.store);
    std::string k = ser(spec.key_serde, r.key);
    int64_t close_time = c.current_stream_time_ms() - windows.grace_ms;
    for (const Window& w : windows.windowsFor(r.timestamp_ms)) {
      if (w.end_ms <= close_time) continue;  // late: its window has closed
      std::optional<std::string> old_bytes = store->fetch(k, w.start_ms);
      std::any old;
      if (old_bytes) old = spec.agg_serde.deserialize(*old_bytes);
      std::any agg = spec.add(r.key, r.value, old_bytes ? old : spec.init());
      store->put(k, w.start_ms, ser(spec.agg_serde, agg));
      c.forward(
          Record{spec.make_windowed(r.key, w), std::move(agg), r.timestamp_ms, std::move(old)});
    }
  });
}

// KStreamSessionWindowAggregate: the record's session [t, t] absorbs every session of the key that
// ends within `gap` before t or starts within `gap` after it; the merged sessions are replaced.
ProcessorSupplier sessionWindowAggregateProcessor(AggregateSpec spec, SessionWindows windows) {
  return lambda([spec, windows](ProcessorContext& c, const Record& r) {
    if (!r.key.has_value() || !r.value.has_value()) return;
    auto* store = store_of<SessionStore>(c, spec.store);
    std::string k = ser(spec.key_serde, r.key);
    int64_t t = r.timestamp_ms;
    int64_t close_time = c.current_stream_time_ms() - windows.grace_ms;
    struct Merged {
      Window w;
      std::any value;
    };
    std::vector<Merged> merged;
    Window session{t, t};
    std::any agg = spec.init();
    store->find_sessions(
        k, t - windows.gap_ms, t + windows.gap_ms,
        [&](std::string_view, int64_t start, int64_t end, std::string_view v) {
          std::any value = spec.agg_serde.deserialize(v);
          agg = spec.merge(r.key, agg, value);
          session = {std::min(session.start_ms, start), std::max(session.end_ms, end)};
          merged.push_back({{start, end}, std::move(value)});
          return true;
        });
    if (session.end_ms < close_time) return;  // late: the session has closed
    for (auto& m : merged) {
      if (m.w == session) continue;
      store->remove(k, m.w.start_ms, m.w.end_ms);
      c.forward(Record{spec.make_windowed(r.key, m.w), {}, r.timestamp_ms, std::move(m.value)});
    }
    agg = spec.add(r.key, r.value, agg);
    store->put(k, session.start_ms, session.end_ms, ser(spec.agg_serde, agg));
    c.forward(Record{spec.make_windowed(r.key, session), std::move(agg), r.timestamp_ms, {}});
  });
}

namespace {

// KTableSuppressProcessor with untilWindowCloses: the buffer is a logged key-value store
// (entries [u64 window end][u64 timestamp][value]) with an in-memory index by window end,
// rebuilt from the store on init (after restore).
class SuppressProcessor final : public Processor {
 public:
  SuppressProcessor(std::string store, AnySerde key_serde, AnySerde value_serde, WindowOf window_of,
                    int64_t grace_ms)
      : store_name_(std::move(store)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        window_of_(std::move(window_of)),
        grace_ms_(grace_ms) {}

  void init(ProcessorContext& c) override {
    Processor::init(c);
    store_ = store_of<KeyValueStore>(c, store_name_);
    store_->all([&](std::string_view k, std::string_view v) {
      by_end_.emplace(get(v, 0), std::string(k));
      return true;
    });
  }
  void process(const Record& r) override {
    std::string k = ser(key_serde_, r.key);
    if (!r.value.has_value()) {
      // A superseded session: never final, so it is dropped from the buffer, not emitted.
      if (auto old = store_->get(k)) {
        erase_index(get(*old, 0), k);
        store_->remove(k);
      }
    } else {
      int64_t end = window_of_(r.key).end_ms;
      if (auto old = store_->get(k)) erase_index(get(*old, 0), k);
      std::string v;
      put(v, end);
      put(v, r.timestamp_ms);
      v += ser(value_serde_, r.value);
      store_->put(k, v);
      by_end_.emplace(end, k);
    }
    emit_closed(context().current_stream_time_ms());
  }

 private:
  void emit_closed(int64_t stream_time) {
    while (!by_end_.empty() && by_end_.begin()->first <= stream_time - grace_ms_) {
      std::string k = by_end_.begin()->second;
      by_end_.erase(by_end_.begin());
      auto v = store_->get(k);
      if (!v) continue;
      store_->remove(k);
      Record out;
      out.key = key_serde_.deserialize(k);
      out.value = value_serde_.deserialize(std::string_view(*v).substr(16));
      out.timestamp_ms = get(*v, 8);
      context().forward(out);
    }
  }
  void erase_index(int64_t end, const std::string& k) {
    auto [b, e] = by_end_.equal_range(end);
    for (auto it = b; it != e; ++it) {
      if (it->second == k) {
        by_end_.erase(it);
        return;
      }
    }
  }
  static void put(std::string& s, int64_t v) {
    for (int i = 7; i >= 0; --i) s.push_back(char(uint64_t(v) >> (8 * i)));
  }
  static int64_t get(std::string_view s, size_t at) {
    uint64_t u = 0;
    for (size_t i = 0; i < 8; ++i) u = (u << 8) | uint8_t(s[at + i]);
    return int64_t(u);
  }

  std::string store_name_;
  AnySerde key_serde_, value_serde_;
  WindowOf window_of_;
  int64_t grace_ms_;
  KeyValueStore* store_ = nullptr;
  std::multimap<int64_t, std::string> by_end_;
};

}  // namespace

ProcessorSupplier suppressUntilWindowClosesProcessor(std::string store, AnySerde key_serde,
                                                     AnySerde value_serde, WindowOf window_of,
                                                     int64_t grace_ms) {
  if (!window_of) throw std::invalid_argument("suppress: the table's key is not windowed");
  return [=] {
    return std::make_unique<SuppressProcessor>(store, key_serde, value_serde, window_of, grace_ms);
  };
}

// KTableSource: materializes the topic and forwards each change with the previous value.
ProcessorSupplier tableSourceProcessor(std::string store, AnySerde key_serde,
                                       AnySerde value_serde) {
  return lambda([=](ProcessorContext& c, const Record& r) {
    if (!r.key.has_value()) return;
    auto* s = store_of<KeyValueStore>(c, store);
    std::string k = ser(key_serde, r.key);
    std::any old;
    if (auto b = s->get(k)) old = value_serde.deserialize(*b);
    if (r.value.has_value()) {
      s->put(k, ser(value_serde, r.value));
    } else {
      s->remove(k);
    }
    c.forward(Record{r.key, r.value, r.timestamp_ms, std::move(old)});
  });
}

// KTableFilter: a value that fails the predicate becomes a delete downstream.
ProcessorSupplier tableFilterProcessor(AnyPredicate keep) {
  return lambda([keep](ProcessorContext& c, const Record& r) {
    auto pass = [&](const std::any& v) { return v.has_value() && keep(r.key, v) ? v : std::any(); };
    std::any nv = pass(r.value), ov = pass(r.old_value);
    if (!nv.has_value() && !ov.has_value()) return;  // nothing downstream ever saw changes
    c.forward(Record{r.key, std::move(nv), r.timestamp_ms, std::move(ov)});
  });
}

ProcessorSupplier tableMapValuesProcessor(AnyMapper mapper) {
  return lambda([mapper](ProcessorContext& c, const Record& r) {
    auto map = [&](const std::any& v) {
      return v.has_value() ? mapper(r.key, v).value : std::any();
    };
    c.forward(Record{r.key, map(r.value), r.timestamp_ms, map(r.old_value)});
  });
}

ProcessorSupplier toStreamProcessor() {
  return lambda([](ProcessorContext& c, const Record& r) {
    c.forward(Record{r.key, r.value, r.timestamp_ms, {}});
  });
}

// KStreamKTableJoin: the table side only updates the store; the stream side looks up.
ProcessorSupplier streamTableJoinProcessor(std::string table_store, AnySerde key_serde,
                                           AnySerde table_value_serde, AnyValueJoiner joiner,
                                           bool left_join, AnyKeySelector key_selector) {
  return lambda([=](ProcessorContext& c, const Record& r) {
    if (!r.value.has_value() || (!key_selector && !r.key.has_value())) return;
    auto* s = store_of<KeyValueStore>(c, table_store);
    std::any lookup = key_selector ? key_selector(r.key, r.value) : r.key;
    std::any tv;
    if (auto b = s->get(ser(key_serde, lookup))) tv = table_value_serde.deserialize(*b);
    if (!tv.has_value() && !left_join) return;
    c.forward(Record{r.key, joiner(r.value, tv), r.timestamp_ms, {}});
  });
}

// KTableKTableInnerJoin / KTableKTableLeftJoin / KTableKTableOuterJoin, one side.
ProcessorSupplier tableTableJoinProcessor(std::string other_store, AnySerde key_serde,
                                          AnySerde other_value_serde, AnyValueJoiner joiner,
                                          bool this_is_left, JoinKind kind) {
  return lambda([=](ProcessorContext& c, const Record& r) {
    if (!r.key.has_value()) return;
    auto* s = store_of<KeyValueStore>(c, other_store);
    std::any other;
    if (auto b = s->get(ser(key_serde, r.key))) other = other_value_serde.deserialize(*b);
    auto join = [&](const std::any& mine) -> std::any {
      const std::any& left = this_is_left ? mine : other;
      const std::any& right = this_is_left ? other : mine;
      if (!left.has_value() && !right.has_value()) return {};
      if (!left.has_value() && kind != JoinKind::kOuter) return {};
      if (!right.has_value() && kind == JoinKind::kInner) return {};
      return joiner(left, right);
    };
    std::any nv = join(r.value), ov = join(r.old_value);
    if (!nv.has_value() && !ov.has_value()) return;
    c.forward(Record{r.key, std::move(nv), r.timestamp_ms, std::move(ov)});
  });
}

namespace {

// Several records of one key may share a timestamp: the window store value is a list,
// [u32 length][bytes] per record.
void append_value(std::string& list, std::string_view v) {
  uint32_t n = uint32_t(v.size());
  for (int i = 3; i >= 0; --i) list.push_back(char(n >> (8 * i)));
  list.append(v);
}

template <class F>
void for_each_value(std::string_view list, F f) {
  while (list.size() >= 4) {
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | uint8_t(list[i]);
    f(list.substr(4, n));
    list.remove_prefix(4 + std::min<size_t>(n, list.size() - 4));
  }
}

}  // namespace

// KStreamSlidingWindowAggregate, by refolding: the windows a record at t changes are its own
// left window [t - d, t], the left windows of the records in [t, t + d], the right windows
// [r + 1, r + 1 + d] of the records r in [t - d - 1, t - 1], and its own right window if a record
// follows within d. Each open one (end + 1 > stream time - grace) is refolded from the records it
// holds, in event-time order, and emitted; an existing right window of t is unchanged by t.
ProcessorSupplier slidingWindowAggregateProcessor(AggregateSpec spec, SlidingWindows windows,
                                                  std::string records_store) {
  return lambda([spec, windows, records_store](ProcessorContext& c, const Record& r) {
    if (!r.key.has_value() || !r.value.has_value()) return;
    int64_t t = r.timestamp_ms, d = windows.time_difference_ms;
    int64_t close_time = c.current_stream_time_ms() - windows.grace_ms;
    if (t + d + 1 <= close_time) return;  // late: every window holding t has closed
    auto* records = store_of<WindowStore>(c, records_store);
    auto* aggs = store_of<WindowStore>(c, spec.store);
    std::string k = ser(spec.key_serde, r.key);
    std::string list = records->fetch(k, t).value_or("");
    append_value(list, ser(spec.value_serde, r.value));
    records->put(k, t, list);
    std::set<int64_t> starts{t - d};
    bool followed = false;
    records->fetch(k, t - d - 1, t + d, [&](std::string_view, int64_t rt, std::string_view) {
      if (rt >= t) starts.insert(rt - d);
      if (rt < t) starts.insert(rt + 1);
      if (rt > t) followed = true;
      return true;
    });
    bool own_right_exists = aggs->fetch(k, t + 1).has_value();
    if (followed && !own_right_exists) starts.insert(t + 1);
    for (int64_t start : starts) {
      int64_t end = start + d;
      if (end + 1 <= close_time) continue;
      std::any agg = spec.init();
      records->fetch(k, start, end, [&](std::string_view, int64_t, std::string_view values) {
        for_each_value(values, [&](std::string_view v) {
          agg = spec.add(r.key, spec.value_serde.deserialize(v), agg);
        });
        return true;
      });
      std::any old;
      if (auto b = aggs->fetch(k, start)) old = spec.agg_serde.deserialize(*b);
      aggs->put(k, start, ser(spec.agg_serde, agg));
      c.forward(Record{spec.make_windowed(r.key, Window{start, end}), std::move(agg),
                       std::max(t, start), std::move(old)});
    }
  });
}

namespace {

// Pending (not yet joined) left records of a left join: [u64 time][key] -> value list.
std::string pending_key(int64_t t, std::string_view key) {
  std::string out;
  uint64_t u = uint64_t(t) ^ (uint64_t(1) << 63);
  for (int i = 7; i >= 0; --i) out.push_back(char(u >> (8 * i)));
  out.append(key);
  return out;
}

int64_t pending_time(std::string_view pk) {
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | uint8_t(pk[i]);
  return int64_t(u ^ (uint64_t(1) << 63));
}

}  // namespace

// KStreamKStreamJoin, one side. A left (outer) join keeps each left (left or right) record that
// has found no record of the other side in its side's pending store and emits it with a null
// other value only when its join window has closed (t + after + grace < stream time for a left
// record, t + before + grace for a right one), as Kafka does since KIP-633, so a record that is
// joined later is never also emitted unjoined. Closed records of both sides go out in time order,
// left first at equal times (Kafka's shared store orders them so).
ProcessorSupplier streamStreamJoinProcessor(std::string this_store, std::string other_store,
                                            AnySerde key_serde, AnySerde this_value_serde,
                                            AnySerde other_value_serde, AnyValueJoiner joiner,
                                            JoinWindows windows, bool this_is_left,
                                            std::string left_pending, std::string right_pending) {
  const AnySerde& left_serde = this_is_left ? this_value_serde : other_value_serde;
  const AnySerde& right_serde = this_is_left ? other_value_serde : this_value_serde;
  return lambda([=](ProcessorContext& c, const Record& r) {
    if (!r.key.has_value() || !r.value.has_value()) return;
    int64_t t = r.timestamp_ms;
    auto pending_of = [&](const std::string& name) {
      return name.empty() ? nullptr : store_of<KeyValueStore>(c, name);
    };
    KeyValueStore* lefts = pending_of(left_pending);
    KeyValueStore* rights = pending_of(right_pending);
    KeyValueStore* mine_pending = this_is_left ? lefts : rights;
    KeyValueStore* other_pending = this_is_left ? rights : lefts;
    auto emit_closed = [&] {
      struct Closed {
        int64_t t;
        bool right;
        std::string pk, values;
      };
      std::vector<Closed> closed;
      auto collect = [&](KeyValueStore* store, int64_t open_ms, bool right) {
        if (!store) return;
        store->all([&](std::string_view pk, std::string_view values) {
          int64_t pt = pending_time(pk);
          if (pt + open_ms >= c.current_stream_time_ms()) return false;
          closed.push_back({pt, right, std::string(pk), std::string(values)});
          return true;
        });
      };
      collect(lefts, windows.after_ms + windows.grace_ms, false);
      collect(rights, windows.before_ms + windows.grace_ms, true);
      std::stable_sort(closed.begin(), closed.end(), [](const Closed& a, const Closed& b) {
        return a.t != b.t ? a.t < b.t : a.right < b.right;
      });
      for (const auto& e : closed) {
        std::any key = key_serde.deserialize(std::string_view(e.pk).substr(8));
        for_each_value(e.values, [&](std::string_view v) {
          std::any out = e.right ? joiner(std::any(), right_serde.deserialize(v))
                                 : joiner(left_serde.deserialize(v), std::any());
          c.forward(Record{key, std::move(out), e.t, {}});
        });
        (e.right ? rights : lefts)->remove(e.pk);
      }
    };
    // Too late to join anything the other side still holds (KStreamKStreamJoin drops it too).
    if (t + windows.after_ms + windows.before_ms + windows.grace_ms < c.current_stream_time_ms()) {
      emit_closed();
      return;
    }
    auto* mine = store_of<WindowStore>(c, this_store);
    auto* other = store_of<WindowStore>(c, other_store);
    std::string k = ser(key_serde, r.key);
    std::string v = ser(this_value_serde, r.value);
    std::string list = mine->fetch(k, t).value_or("");
    append_value(list, v);
    mine->put(k, t, list);
    int64_t from = this_is_left ? t - windows.before_ms : t - windows.after_ms;
    int64_t to = this_is_left ? t + windows.after_ms : t + windows.before_ms;
    bool joined = false;
    other->fetch(k, from, to, [&](std::string_view, int64_t other_t, std::string_view values) {
      for_each_value(values, [&](std::string_view ov_bytes) {
        std::any ov = other_value_serde.deserialize(ov_bytes);
        std::any out = this_is_left ? joiner(r.value, ov) : joiner(ov, r.value);
        c.forward(Record{r.key, std::move(out), std::max(t, other_t), {}});
      });
      // This record joins the other side's records at other_t: they are no longer pending.
      if (other_pending) other_pending->remove(pending_key(other_t, k));
      joined = true;
      return true;
    });
    if (mine_pending && !joined) {
      std::string pk = pending_key(t, k);
      std::string values = mine_pending->get(pk).value_or("");
      append_value(values, v);
      mine_pending->put(pk, values);
    }
    emit_closed();
  });
}

}  // namespace eddy::streams::detail
