// The DSL's processors, untyped: each works on std::any keys and values through closures that
// the typed StreamsBuilder wrappers build, so the processor code is compiled once (in
// src/streams/dsl_processors.cc) for every key and value type. Not for direct use.
#pragma once

#include <any>
#include <functional>
#include <string>
#include <vector>

#include "eddy/streams/processor.h"
#include "eddy/streams/serde.h"
#include "eddy/streams/windows.h"

namespace eddy::streams::detail {

using AnyPredicate = std::function<bool(const std::any& key, const std::any& value)>;
struct AnyKeyValue {
  std::any key;
  std::any value;
};
using AnyMapper = std::function<AnyKeyValue(const std::any& key, const std::any& value)>;
using AnyFlatMapper =
    std::function<std::vector<AnyKeyValue>(const std::any& key, const std::any& value)>;
using AnyAction = std::function<void(const std::any& key, const std::any& value)>;
using AnyValueJoiner = std::function<std::any(const std::any& left, const std::any& right)>;
using MakeWindowed = std::function<std::any(const std::any& key, Window w)>;
using WindowOf = std::function<Window(const std::any& windowed_key)>;

// Aggregation into a store: value = add(key, value, previous or init()).
struct AggregateSpec {
  std::string store;
  AnySerde key_serde;
  AnySerde agg_serde;
  std::function<std::any()> init;
  std::function<std::any(const std::any& key, const std::any& value, const std::any& agg)> add;
  // Session windows: merges two sessions' aggregates.
  std::function<std::any(const std::any& key, const std::any& a, const std::any& b)> merge;
  MakeWindowed make_windowed;
  // Sliding windows: the input values are kept (a window's aggregate is refolded from them).
  AnySerde value_serde;
};

// Records with a null value are dropped by the operators that call a user function with it.
ProcessorSupplier filterProcessor(AnyPredicate keep);
ProcessorSupplier mapProcessor(AnyMapper mapper);
ProcessorSupplier flatMapProcessor(AnyFlatMapper mapper);
ProcessorSupplier peekProcessor(AnyAction action);
// Forwards each record to the child of the first predicate it matches (an empty predicate matches
// everything: the default branch).
ProcessorSupplier branchProcessor(std::vector<AnyPredicate> predicates,
                                  std::vector<std::string> children);
ProcessorSupplier passThroughProcessor();
// Before a repartition topic: a record without a key cannot be grouped (Kafka drops it too).
ProcessorSupplier dropNullKeyProcessor();

ProcessorSupplier streamAggregateProcessor(AggregateSpec spec);
ProcessorSupplier timeWindowAggregateProcessor(AggregateSpec spec, TimeWindows windows);
ProcessorSupplier sessionWindowAggregateProcessor(AggregateSpec spec, SessionWindows windows);
// Keeps each key's records in `records_store` and refolds every open window the record changes.
ProcessorSupplier slidingWindowAggregateProcessor(AggregateSpec spec, SlidingWindows windows,
                                                  std::string records_store);
// Holds each window's latest result until stream time passes window end + grace, then emits it.
ProcessorSupplier suppressUntilWindowClosesProcessor(std::string store, AnySerde key_serde,
                                                     AnySerde value_serde, WindowOf window_of,
                                                     int64_t grace_ms);

// KTable processors; records carry the previous value in Record::old_value.
ProcessorSupplier tableSourceProcessor(std::string store, AnySerde key_serde, AnySerde value_serde);
ProcessorSupplier tableFilterProcessor(AnyPredicate keep);
ProcessorSupplier tableMapValuesProcessor(AnyMapper mapper);
ProcessorSupplier toStreamProcessor();

// Stream-table join: looks the stream record's key up in the table's store. With a
// `key_selector` (a join with a GlobalKTable) the lookup key is key_selector(key, value) instead,
// and a record with a null key still joins (its selector gets K{}).
using AnyKeySelector = std::function<std::any(const std::any& key, const std::any& value)>;
ProcessorSupplier streamTableJoinProcessor(std::string table_store, AnySerde key_serde,
                                           AnySerde table_value_serde, AnyValueJoiner joiner,
                                           bool left_join, AnyKeySelector key_selector = {});
// Which unmatched records a join keeps: none (inner), the left side's (left), both (outer). The
// joiner gets an empty std::any for the missing side.
enum class JoinKind { kInner, kLeft, kOuter };
// One side of a table-table join: on an update of this side, looks up the other side's store.
// `this_is_left` orders the joiner's arguments.
ProcessorSupplier tableTableJoinProcessor(std::string other_store, AnySerde key_serde,
                                          AnySerde other_value_serde, AnyValueJoiner joiner,
                                          bool this_is_left, JoinKind kind);
// One side of a windowed stream-stream join: stores its record in its window store and joins it
// with the other side's records in [t - before, t + after] (seen from the left side). With a
// `left_pending` store (left and outer joins), left records without a match are emitted with an
// empty right value once their window closes; with a `right_pending` store (outer join), right
// records likewise with an empty left value. Both sides' processors get the same two names.
ProcessorSupplier streamStreamJoinProcessor(std::string this_store, std::string other_store,
                                            AnySerde key_serde, AnySerde this_value_serde,
                                            AnySerde other_value_serde, AnyValueJoiner joiner,
                                            JoinWindows windows, bool this_is_left,
                                            std::string left_pending, std::string right_pending);

}  // namespace eddy::streams::detail
