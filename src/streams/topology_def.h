// The topology as data, shared by the test driver and the runtime: nodes, stores, and the
// sub-topologies computed from them.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "eddy/streams/topology.h"

namespace eddy::streams::internal {

enum class NodeKind { kSource, kProcessor, kSink };

struct NodeDef {
  std::string name;
  NodeKind kind = NodeKind::kProcessor;
  std::vector<std::string> parents;
  std::vector<std::string> children;  // in the order they were added
  // Source.
  std::vector<std::string> topics;
  TimestampExtractor extractor;
  // Source and sink.
  AnySerde key_serde, value_serde;
  // Processor.
  ProcessorSupplier supplier;
  std::vector<std::string> stores;
  // Sink.
  std::string topic;
  StreamPartitioner partitioner;
};

struct SubtopologyDef {
  int id = 0;
  std::vector<std::string> nodes;          // in the order they were added
  std::vector<std::string> source_topics;  // unresolved names (internal ones without prefix)
  std::vector<std::string> sink_topics;
  std::vector<std::string> stores;
  // A global store's source and updater: every instance runs it over all partitions of its topic
  // (Kafka: "for global store (will not generate tasks)").
  bool global = false;
};

struct TopologyDef {
  std::vector<std::string> order;  // node names in the order they were added
  std::map<std::string, NodeDef> nodes;
  std::map<std::string, StoreSpec> stores;
  std::set<std::string> repartition_topics;
  // Stores of GlobalKTables and addGlobalStore: one full copy per instance, readable by every
  // processor without being connected to it, restored from their source topic (no changelog).
  std::set<std::string> global_stores;

  // Sub-topologies, numbered by their first node; throws std::invalid_argument on a topology
  // that cannot run (a source topic read by two sources, a store nobody uses).
  std::vector<SubtopologyDef> subtopologies() const;
  // The source node reading `topic` (unresolved name), or nullptr.
  const NodeDef* source_for(const std::string& topic) const;
  // "<application.id>-<topic>" for internal topics, the name itself otherwise.
  std::string resolve(const std::string& application_id, const std::string& topic) const {
    return repartition_topics.count(topic) ? application_id + "-" + topic : topic;
  }
  static std::string changelog_topic(const std::string& application_id, const std::string& store) {
    return application_id + "-" + store + "-changelog";
  }
};

}  // namespace eddy::streams::internal
