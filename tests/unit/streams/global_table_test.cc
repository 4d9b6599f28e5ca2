// GlobalKTable through the test driver: stream-global table joins on a key derived from the
// record, the global sub-topology in describe(), queries of the global store, and the rules of
// global stores in the Processor API.
#include <gtest/gtest.h>

#include "eddy/streams/streams_builder.h"
#include "eddy/streams/topology_test_driver.h"

namespace eddy::streams {
namespace {

using KV = std::pair<std::string, std::string>;

// Orders keyed by order id, valued "<user>:<item>"; the users table is keyed by user id.
std::string user_of(const std::string&, const std::string& order) {
  return order.substr(0, order.find(':'));
}

TEST(GlobalKTable, StreamJoinsLookUpTheKeyTheSelectorDerives) {
  StreamsBuilder b;
  auto users = b.globalTable<std::string, std::string>("users");
  auto orders = b.stream<std::string, std::string>("orders");
  orders
      .join(
          users, user_of,
          [](const std::string& order, const std::string& region) { return order + "@" + region; })
      .to("joined");
  orders
      .leftJoin(users, user_of,
                [](const std::string& order, const std::string* region) {
                  return order + "@" + (region ? *region : "unknown");
                })
      .to("left");
  TopologyTestDriver d(b.build());
  auto u = d.createInputTopic<std::string, std::string>("users");
  auto o = d.createInputTopic<std::string, std::string>("orders");
  o.pipeInput("o1", "alice:book", 0);  // alice unknown yet: the inner join drops it
  u.pipeInput("alice", "eu", 1);
  o.pipeInput("o2", "alice:pen", 2);
  u.pipeInput("alice", "us", 3);  // table updates emit nothing
  o.pipeInput("o3", "alice:ink", 4);
  u.pipeTombstone("alice", 5);
  o.pipeInput("o4", "alice:cup", 6);
  o.pipeValue("bob:hat", 7);  // a null key still joins: the selector reads the value
  u.pipeInput("bob", "asia", 8);
  o.pipeValue("bob:cap", 9);
  auto joined = d.createOutputTopic<std::string, std::string>("joined").readValuesToList();
  EXPECT_EQ(joined, (std::vector<std::string>{"alice:pen@eu", "alice:ink@us", "bob:cap@asia"}));
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("left").readValuesToList()),
            (std::vector<std::string>{"alice:book@unknown", "alice:pen@eu", "alice:ink@us",
                                      "alice:cup@unknown", "bob:hat@unknown", "bob:cap@asia"}));
}

TEST(GlobalKTable, OutputKeepsTheStreamKeyAndTheGlobalStoreIsQueryable) {
  StreamsBuilder b;
  auto users = b.globalTable<std::string, std::string>(
      "users", {}, Materialized<std::string, std::string>::as("users-store"));
  b.stream<std::string, std::string>("orders")
      .join(
          users, user_of,
          [](const std::string& order, const std::string& region) { return order + "@" + region; })
      .to("joined");
  TopologyTestDriver d(b.build());
  d.createInputTopic<std::string, std::string>("users").pipeInput("alice", "eu", 0);
  d.createInputTopic<std::string, std::string>("orders").pipeInput("o1", "alice:book", 1);
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("joined").readKeyValuesToList()),
            (std::vector<KV>{{"o1", "alice:book@eu"}}));
  EXPECT_EQ((d.getKeyValueStore<std::string, std::string>("users-store").get("alice")), "eu");
  // Global stores have no changelog: their topic is the changelog.
  EXPECT_TRUE(d.output("test-app-users-store-changelog").empty());
}

TEST(GlobalKTable, DescribeShowsTheGlobalSubTopologyThatGeneratesNoTasks) {
  StreamsBuilder b;
  auto users = b.globalTable<std::string, std::string>("users");
  b.stream<std::string, std::string>("orders")
      .leftJoin(users, user_of,
                [](const std::string& o, const std::string* r) { return o + (r ? *r : ""); })
      .to("out");
  EXPECT_EQ(b.build().describe(),
            "Topologies:\n"
            "   Sub-topology: 0 for global store (will not generate tasks)\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [users])\n"
            "      --> KTABLE-SOURCE-0000000001\n"
            "    Processor: KTABLE-SOURCE-0000000001 (stores: [users-STATE-STORE-0000000001])\n"
            "      --> none\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "\n"
            "   Sub-topology: 1\n"
            "    Source: KSTREAM-SOURCE-0000000002 (topics: [orders])\n"
            "      --> KSTREAM-LEFTJOIN-0000000003\n"
            "    Processor: KSTREAM-LEFTJOIN-0000000003 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000004\n"
            "      <-- KSTREAM-SOURCE-0000000002\n"
            "    Sink: KSTREAM-SINK-0000000004 (topic: out)\n"
            "      <-- KSTREAM-LEFTJOIN-0000000003\n"
            "\n");
}

// A Processor API node that reads the global store without being connected to it.
class Lookup : public Processor {
 public:
  void init(ProcessorContext& c) override { c_ = &c; }
  void process(const Record& r) override {
    auto* users = dynamic_cast<KeyValueStore*>(c_->state_store("users-store"));
    auto region = users ? users->get(std::any_cast<std::string>(r.value)) : std::nullopt;
    c_->forward(Record{r.key, std::string(region.value_or("none")), r.timestamp_ms, {}});
  }

 private:
  ProcessorContext* c_ = nullptr;
};

TEST(GlobalKTable, ProcessorApiGlobalStoreIsReadByAnyProcessorButConnectedToNone) {
  auto strings = erase(serdes::String());
  Topology t;
  t.addGlobalStore(stores::persistentKeyValueStore("users-store"), "users-source", strings, strings,
                   "users", "users-updater",
                   detail::tableSourceProcessor("users-store", strings, strings));
  t.addSource("orders-source", {"orders"}, strings, strings);
  t.addProcessor("lookup", [] { return std::make_unique<Lookup>(); }, {"orders-source"});
  t.addSink("sink", "out", strings, strings, {"lookup"});
  EXPECT_THROW(t.connectProcessorAndStateStores("lookup", {"users-store"}), std::invalid_argument);
  {
    TopologyTestDriver d(t);
    d.createInputTopic<std::string, std::string>("users").pipeInput("alice", "eu", 0);
    d.createInputTopic<std::string, std::string>("orders").pipeInput("o1", "alice", 1);
    EXPECT_EQ((d.createOutputTopic<std::string, std::string>("out").readValuesToList()),
              (std::vector<std::string>{"eu"}));
  }
  // Nothing may run downstream of the updater: it runs on every instance.
  t.addProcessor("after-updater", [] { return std::make_unique<Lookup>(); }, {"users-updater"});
  EXPECT_THROW(t.describe(), std::invalid_argument);
}

}  // namespace
}  // namespace eddy::streams
