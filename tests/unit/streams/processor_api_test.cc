// The Processor API through the test driver: a hand-written processor with a state store and
// punctuators on stream time and wall-clock time.
#include <gtest/gtest.h>

#include "eddy/streams/topology.h"
#include "eddy/streams/topology_test_driver.h"

namespace eddy::streams {
namespace {

using std::chrono::milliseconds;

// Sums values per key into a store; every 10 ms of stream time emits all sums; on wall-clock
// time emits the number of keys.
class SumProcessor : public Processor {
 public:
  void init(ProcessorContext& c) override {
    Processor::init(c);
    store_ = dynamic_cast<KeyValueStore*>(c.state_store("sums"));
    c.schedule(milliseconds(10), PunctuationType::kStreamTime, [this](int64_t t) {
      store_->all([&](std::string_view k, std::string_view v) {
        context().forward(Record{std::string(k), std::string(v), t, {}}, "SINK");
        return true;
      });
    });
    c.schedule(milliseconds(1000), PunctuationType::kWallClockTime, [this](int64_t t) {
      context().forward(
          Record{std::string("keys"), std::to_string(store_->approximate_num_entries()), t, {}},
          "SINK");
    });
  }
  void process(const Record& r) override {
    const auto& k = as<std::string>(r.key);
    auto old = store_->get(k);
    int64_t sum = (old ? std::stoll(*old) : 0) + std::stoll(as<std::string>(r.value));
    store_->put(k, std::to_string(sum));
  }

 private:
  KeyValueStore* store_ = nullptr;
};

Topology sumTopology() {
  Topology t;
  t.addSource<std::string, std::string>("SOURCE", {"in"}, serdes::String(), serdes::String());
  t.addProcessor("SUM", [] { return std::make_unique<SumProcessor>(); }, {"SOURCE"});
  t.addStateStore(stores::inMemoryKeyValueStore("sums"), {"SUM"});
  t.addSink<std::string, std::string>("SINK", "out", serdes::String(), serdes::String(), {"SUM"});
  return t;
}

TEST(StreamsProcessorApi,
     StreamTimePunctuatorFiresAtTheFirstRecordAndThenEveryIntervalOfStreamTime) {
  TopologyTestDriver d(sumTopology());
  auto in = d.createInputTopic<std::string, std::string>("in");
  auto out = d.createOutputTopic<std::string, std::string>("out");
  in.pipeInput("a", "1", 3);  // first record: fires at stream time 3 (after processing)
  EXPECT_EQ(out.readRecordsToList().size(), 1u);
  in.pipeInput("a", "2", 9);  // next due at 10
  EXPECT_TRUE(out.isEmpty());
  in.pipeInput("b", "5", 4);  // out of order: stream time stays 9
  EXPECT_TRUE(out.isEmpty());
  in.pipeInput("a", "4", 35);  // a jump of several intervals fires once
  auto r = out.readRecordsToList();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(*r[0].key, "a");
  EXPECT_EQ(*r[0].value, "7");
  EXPECT_EQ(r[0].timestamp_ms, 35);
  EXPECT_EQ(*r[1].value, "5");
  in.pipeInput("a", "0", 39);  // next due at 40
  EXPECT_TRUE(out.isEmpty());
  in.pipeInput("a", "0", 40);
  EXPECT_EQ(out.getQueueSize(), 2u);
}

TEST(StreamsProcessorApi, WallClockPunctuatorFollowsTheDriversVirtualClock) {
  TopologyTestDriver d(sumTopology(), {}, 5000);
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "1", 0);
  in.pipeInput("b", "1", 0);
  auto out = d.createOutputTopic<std::string, std::string>("out");
  out.readRecordsToList();  // the stream-time punctuation
  d.advanceWallClockTime(milliseconds(999));
  EXPECT_TRUE(out.isEmpty());
  d.advanceWallClockTime(milliseconds(1));
  auto r = out.readRecord();
  EXPECT_EQ(*r.key, "keys");
  EXPECT_EQ(*r.value, "2");
  EXPECT_EQ(r.timestamp_ms, 6000);
}

TEST(StreamsProcessorApi, DescribeListsStoresAndSubtopologies) {
  EXPECT_EQ(sumTopology().describe(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: SOURCE (topics: [in])\n"
            "      --> SUM\n"
            "    Processor: SUM (stores: [sums])\n"
            "      --> SINK\n"
            "      <-- SOURCE\n"
            "    Sink: SINK (topic: out)\n"
            "      <-- SUM\n"
            "\n");
}

TEST(StreamsProcessorApi, InvalidTopologiesAreRefused) {
  Topology t;
  t.addSource<std::string, std::string>("S", {"in"}, serdes::String(), serdes::String());
  EXPECT_THROW(
      (t.addSource<std::string, std::string>("S2", {"in"}, serdes::String(), serdes::String())),
      std::invalid_argument);
  EXPECT_THROW(t.addProcessor("P", [] { return std::unique_ptr<Processor>(); }, {"missing"}),
               std::invalid_argument);
  EXPECT_THROW(t.addStateStore(stores::inMemoryKeyValueStore("s"), {"S"}), std::invalid_argument);
}

}  // namespace
}  // namespace eddy::streams
