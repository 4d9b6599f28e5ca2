#include "eddy/streams/topology.h"

#include <functional>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "streams/topology_def.h"

namespace eddy::streams {

using internal::NodeDef;
using internal::NodeKind;

Topology::Topology() : def_(std::make_unique<internal::TopologyDef>()) {}
Topology::~Topology() = default;
Topology::Topology(const Topology& o) : def_(std::make_unique<internal::TopologyDef>(*o.def_)) {}
Topology& Topology::operator=(const Topology& o) {
  def_ = std::make_unique<internal::TopologyDef>(*o.def_);
  return *this;
}

namespace {

void add_node(internal::TopologyDef& def, NodeDef node) {
  if (node.name.empty()) throw std::invalid_argument("a node needs a name");
  if (def.nodes.count(node.name)) {
    throw std::invalid_argument("node " + node.name + " is already added");
  }
  for (const auto& p : node.parents) {
    auto it = def.nodes.find(p);
    if (it == def.nodes.end()) {
      throw std::invalid_argument("parent " + p + " of " + node.name + " is not added");
    }
    if (it->second.kind == NodeKind::kSink) {
      throw std::invalid_argument("sink " + p + " cannot be the parent of " + node.name);
    }
    it->second.children.push_back(node.name);
  }
  def.order.push_back(node.name);
  def.nodes.emplace(node.name, std::move(node));
}

}  // namespace

Topology& Topology::addSource(const std::string& name, const std::vector<std::string>& topics,
                              AnySerde key_serde, AnySerde value_serde,
                              TimestampExtractor extractor) {
  if (topics.empty()) throw std::invalid_argument("source " + name + " needs a topic");
  if (!key_serde || !value_serde) {
    throw std::invalid_argument("source " + name + " has no serde for its key or value type");
  }
  for (const auto& t : topics) {
    if (def_->source_for(t)) {
      throw std::invalid_argument("topic " + t + " is already read by another source");
    }
  }
  NodeDef n;
  n.name = name;
  n.kind = NodeKind::kSource;
  n.topics = topics;
  n.key_serde = std::move(key_serde);
  n.value_serde = std::move(value_serde);
  n.extractor = std::move(extractor);
  add_node(*def_, std::move(n));
  return *this;
}

Topology& Topology::addProcessor(const std::string& name, ProcessorSupplier supplier,
                                 const std::vector<std::string>& parents) {
  if (parents.empty()) throw std::invalid_argument("processor " + name + " needs a parent");
  NodeDef n;
  n.name = name;
  n.kind = NodeKind::kProcessor;
  n.parents = parents;
  n.supplier = std::move(supplier);
  add_node(*def_, std::move(n));
  return *this;
}

Topology& Topology::addSink(const std::string& name, const std::string& topic, AnySerde key_serde,
                            AnySerde value_serde, const std::vector<std::string>& parents,
                            StreamPartitioner partitioner) {
  if (parents.empty()) throw std::invalid_argument("sink " + name + " needs a parent");
  if (!key_serde || !value_serde) {
    throw std::invalid_argument("sink " + name + " has no serde for its key or value type");
  }
  NodeDef n;
  n.name = name;
  n.kind = NodeKind::kSink;
  n.parents = parents;
  n.topic = topic;
  n.key_serde = std::move(key_serde);
  n.value_serde = std::move(value_serde);
  n.partitioner = std::move(partitioner);
  add_node(*def_, std::move(n));
  return *this;
}

Topology& Topology::addStateStore(const StoreSpec& store,
                                  const std::vector<std::string>& processors) {
  if (def_->stores.count(store.name)) {
    throw std::invalid_argument("store " + store.name + " is already added");
  }
  def_->stores.emplace(store.name, store);
  for (const auto& p : processors) connectProcessorAndStateStores(p, {store.name});
  return *this;
}

Topology& Topology::addGlobalStore(StoreSpec store, const std::string& source, AnySerde key_serde,
                                   AnySerde value_serde, const std::string& topic,
                                   const std::string& processor, ProcessorSupplier supplier) {
  store.logging = false;
  addSource(source, {topic}, std::move(key_serde), std::move(value_serde));
  addProcessor(processor, std::move(supplier), {source});
  addStateStore(store, {processor});
  def_->global_stores.insert(store.name);
  return *this;
}

Topology& Topology::connectProcessorAndStateStores(const std::string& processor,
                                                   const std::vector<std::string>& stores) {
  auto it = def_->nodes.find(processor);
  if (it == def_->nodes.end() || it->second.kind != NodeKind::kProcessor) {
    throw std::invalid_argument(processor + " is not a processor");
  }
  for (const auto& s : stores) {
    if (!def_->stores.count(s)) throw std::invalid_argument("store " + s + " is not added");
    if (def_->global_stores.count(s)) {
      throw std::invalid_argument("global store " + s +
                                  " is readable by every processor; it is not connected");
    }
    it->second.stores.push_back(s);
  }
  return *this;
}

Topology& Topology::markRepartitionTopic(const std::string& topic) {
  def_->repartition_topics.insert(topic);
  return *this;
}

namespace internal {

const NodeDef* TopologyDef::source_for(const std::string& topic) const {
  for (const auto& [name, n] : nodes) {
    if (n.kind != NodeKind::kSource) continue;
    for (const auto& t : n.topics) {
      if (t == topic) return &n;
    }
  }
  return nullptr;
}

std::vector<SubtopologyDef> TopologyDef::subtopologies() const {
  // Union-find over node indexes: parent links and shared stores join nodes.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < order.size(); ++i) index[order[i]] = i;
  std::vector<size_t> up(order.size());
  std::iota(up.begin(), up.end(), 0);
  std::function<size_t(size_t)> find = [&](size_t i) {
    return up[i] == i ? i : up[i] = find(up[i]);
  };
  auto join = [&](size_t a, size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) up[std::max(a, b)] = std::min(a, b);
  };
  std::map<std::string, size_t> store_user;
  for (size_t i = 0; i < order.size(); ++i) {
    const NodeDef& n = nodes.at(order[i]);
    for (const auto& p : n.parents) join(i, index.at(p));
    for (const auto& s : n.stores) {
      auto [it, fresh] = store_user.emplace(s, i);
      if (!fresh) join(i, it->second);
    }
  }
  for (const auto& [s, spec] : stores) {
    if (!store_user.count(s)) throw std::invalid_argument("store " + s + " has no processor");
  }
  std::map<size_t, size_t> root_to_id;
  std::vector<SubtopologyDef> out;
  for (size_t i = 0; i < order.size(); ++i) {
    size_t r = find(i);
    auto [it, fresh] = root_to_id.emplace(r, out.size());
    if (fresh) {
      out.emplace_back();
      out.back().id = int(it->second);
    }
    SubtopologyDef& st = out[it->second];
    const NodeDef& n = nodes.at(order[i]);
    st.nodes.push_back(n.name);
    for (const auto& t : n.topics) st.source_topics.push_back(t);
    if (n.kind == NodeKind::kSink) st.sink_topics.push_back(n.topic);
    for (const auto& s : n.stores) {
      if (std::find(st.stores.begin(), st.stores.end(), s) == st.stores.end()) {
        st.stores.push_back(s);
      }
      st.global |= global_stores.count(s) > 0;
    }
  }
  for (const auto& st : out) {
    if (st.source_topics.empty()) {
      throw std::invalid_argument("sub-topology of " + st.nodes.front() + " has no source");
    }
    // Nothing runs downstream of a global store's updater: it runs on every instance.
    if (st.global && (st.nodes.size() != 2 || st.stores.size() != 1)) {
      throw std::invalid_argument("global store of " + st.nodes.front() +
                                  ": only its source and processor may use it");
    }
  }
  return out;
}

}  // namespace internal

std::string Topology::describe() const {
  std::ostringstream o;
  o << "Topologies:\n";
  auto list = [](const std::vector<std::string>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s + "]";
  };
  for (const auto& st : def_->subtopologies()) {
    o << "   Sub-topology: " << st.id
      << (st.global ? " for global store (will not generate tasks)" : "") << "\n";
    for (const auto& name : st.nodes) {
      const NodeDef& n = def_->nodes.at(name);
      switch (n.kind) {
        case NodeKind::kSource:
          o << "    Source: " << n.name << " (topics: " << list(n.topics) << ")\n";
          break;
        case NodeKind::kProcessor:
          o << "    Processor: " << n.name << " (stores: " << list(n.stores) << ")\n";
          break;
        case NodeKind::kSink:
          o << "    Sink: " << n.name << " (topic: " << n.topic << ")\n";
          break;
      }
      if (n.kind != NodeKind::kSink) {
        o << "      --> " << (n.children.empty() ? "none" : "");
        for (size_t i = 0; i < n.children.size(); ++i) o << (i ? ", " : "") << n.children[i];
        o << "\n";
      }
      if (!n.parents.empty()) {
        o << "      <-- ";
        for (size_t i = 0; i < n.parents.size(); ++i) o << (i ? ", " : "") << n.parents[i];
        o << "\n";
      }
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace eddy::streams
