// Topology: the graph of sources, processors, sinks and state stores an application runs.
//
// Built either directly (the Processor API) or by StreamsBuilder. Nodes connected through parents
// or through a shared state store form a sub-topology; each sub-topology runs as one task per
// partition of its source topics. Topics whose names the topology marks internal (repartition
// topics) are prefixed with "<application.id>-" when the application runs, and are created by it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "eddy/streams/processor.h"
#include "eddy/streams/serde.h"

namespace eddy::streams {

// Event time of a record: Kafka's TimestampExtractor. The default is the record's own timestamp.
using TimestampExtractor = std::function<int64_t(const Record& record, int64_t partition_time_ms)>;

// Picks the partition of a record sent to a sink, from its serialized key and value;
// unset: Kafka's default partitioner (murmur2 of the key bytes).
using StreamPartitioner =
    std::function<int32_t(const std::optional<std::string>& key_bytes, int32_t num_partitions)>;

namespace internal {
struct TopologyDef;
}

class Topology {
 public:
  Topology();
  ~Topology();
  Topology(const Topology&);
  Topology& operator=(const Topology&);

  Topology& addSource(const std::string& name, const std::vector<std::string>& topics,
                      AnySerde key_serde, AnySerde value_serde, TimestampExtractor extractor = {});
  template <class K, class V>
  Topology& addSource(const std::string& name, const std::vector<std::string>& topics,
                      const Serde<K>& key, const Serde<V>& value) {
    return addSource(name, topics, erase(or_default(key)), erase(or_default(value)));
  }
  Topology& addProcessor(const std::string& name, ProcessorSupplier supplier,
                         const std::vector<std::string>& parents);
  Topology& addSink(const std::string& name, const std::string& topic, AnySerde key_serde,
                    AnySerde value_serde, const std::vector<std::string>& parents,
                    StreamPartitioner partitioner = {});
  template <class K, class V>
  Topology& addSink(const std::string& name, const std::string& topic, const Serde<K>& key,
                    const Serde<V>& value, const std::vector<std::string>& parents) {
    return addSink(name, topic, erase(or_default(key)), erase(or_default(value)), parents);
  }
  Topology& addStateStore(const StoreSpec& store, const std::vector<std::string>& processors);
  // Kafka's addGlobalStore: `store` (its logging is turned off: `topic` is its changelog) is kept
  // in full on every instance by `processor` from every partition of `topic`, read by source
  // `source`. Any processor reads it through ProcessorContext::state_store without being
  // connected to it.
  Topology& addGlobalStore(StoreSpec store, const std::string& source, AnySerde key_serde,
                           AnySerde value_serde, const std::string& topic,
                           const std::string& processor, ProcessorSupplier supplier);
  Topology& connectProcessorAndStateStores(const std::string& processor,
                                           const std::vector<std::string>& stores);
  // Marks a topic as internal: a repartition topic named "<application.id>-<topic>".
  Topology& markRepartitionTopic(const std::string& topic);

  // Kafka's TopologyDescription text ("Topologies:\n   Sub-topology: 0\n    Source: ...").
  std::string describe() const;

  const internal::TopologyDef& def() const { return *def_; }

 private:
  std::unique_ptr<internal::TopologyDef> def_;
};

}  // namespace eddy::streams
