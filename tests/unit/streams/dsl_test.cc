// Known-answer tests of the stateless DSL operators, grouping and aggregations, through the
// TopologyTestDriver.
#include <gtest/gtest.h>

#include <sstream>

#include "eddy/streams/streams_builder.h"
#include "eddy/streams/topology_test_driver.h"
#include "streams/topology_def.h"

namespace eddy::streams {
namespace {

using KV = std::pair<std::string, std::string>;

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(StreamsDsl, FilterKeepsMatchingRecordsAndFilterNotTheOthers) {
  StreamsBuilder b;
  auto s = b.stream<std::string, int32_t>("in");
  s.filter([](const std::string&, int32_t v) { return v % 2 == 0; }).to("even");
  s.filterNot([](const std::string&, int32_t v) { return v % 2 == 0; }).to("odd");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, int32_t>("in");
  for (int32_t i = 1; i <= 5; ++i) in.pipeInput("k" + std::to_string(i), i, i);
  auto even = d.createOutputTopic<std::string, int32_t>("even");
  auto odd = d.createOutputTopic<std::string, int32_t>("odd");
  EXPECT_EQ(even.readKeyValuesToList(),
            (std::vector<std::pair<std::string, int32_t>>{{"k2", 2}, {"k4", 4}}));
  EXPECT_EQ(odd.readKeyValuesToList(),
            (std::vector<std::pair<std::string, int32_t>>{{"k1", 1}, {"k3", 3}, {"k5", 5}}));
}

TEST(StreamsDsl, MapMapValuesSelectKeyAndFlatMapTransformRecordsKeepingTimestamps) {
  StreamsBuilder b;
  auto s = b.stream<std::string, std::string>("in");
  s.map([](const std::string& k, const std::string& v) {
     return std::make_pair(v, k);
   }).to("swapped");
  s.mapValues([](const std::string& v) { return int64_t(v.size()); }).to("lengths");
  s.selectKey([](const std::string&, const std::string& v) { return v.substr(0, 1); }).to("first");
  s.flatMap([](const std::string& k, const std::string& v) {
     std::vector<KV> out;
     for (auto& w : words(v)) out.emplace_back(w, k);
     return out;
   }).to("flat");
  s.flatMapValues([](const std::string& v) { return words(v); }).to("flatvalues");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "hello big world", 42);
  auto swapped = d.createOutputTopic<std::string, std::string>("swapped").readRecord();
  EXPECT_EQ(*swapped.key, "hello big world");
  EXPECT_EQ(*swapped.value, "a");
  EXPECT_EQ(swapped.timestamp_ms, 42);
  EXPECT_EQ((d.createOutputTopic<std::string, int64_t>("lengths").readKeyValue()),
            (std::pair<std::string, int64_t>{"a", 15}));
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("first").readKeyValue()),
            KV("h", "hello big world"));
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("flat").readKeyValuesToList()),
            (std::vector<KV>{{"hello", "a"}, {"big", "a"}, {"world", "a"}}));
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("flatvalues").readKeyValuesToList()),
            (std::vector<KV>{{"a", "hello"}, {"a", "big"}, {"a", "world"}}));
}

TEST(StreamsDsl, SplitSendsEachRecordToTheFirstMatchingBranchAndTheRestToTheDefault) {
  StreamsBuilder b;
  auto branches = b.stream<std::string, int32_t>("in")
                      .split("b-")
                      .branch([](const std::string&, int32_t v) { return v < 10; }, "small")
                      .branch([](const std::string&, int32_t v) { return v < 100; }, "medium")
                      .defaultBranch("large");
  ASSERT_EQ(branches.size(), 3u);
  branches.at("b-small").to("small");
  branches.at("b-medium").to("medium");
  branches.at("b-large").to("large");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, int32_t>("in");
  for (int32_t v : {5, 50, 500, 7}) in.pipeInput("k", v, 0);
  EXPECT_EQ((d.createOutputTopic<std::string, int32_t>("small").getQueueSize()), 2u);
  EXPECT_EQ((d.createOutputTopic<std::string, int32_t>("medium").readValue()), 50);
  EXPECT_EQ((d.createOutputTopic<std::string, int32_t>("large").readValue()), 500);
}

TEST(StreamsDsl, MergePeekAndForeachSeeEveryRecordOfBothStreams) {
  StreamsBuilder b;
  std::vector<std::string> peeked, seen;
  auto a = b.stream<std::string, std::string>("a");
  auto c = b.stream<std::string, std::string>("c");
  a.merge(c)
      .peek([&](const std::string& k, const std::string&) { peeked.push_back(k); })
      .foreach ([&](const std::string& k, const std::string& v) { seen.push_back(k + v); });
  TopologyTestDriver d(b.build());
  d.createInputTopic<std::string, std::string>("a").pipeInput("1", "x", 0);
  d.createInputTopic<std::string, std::string>("c").pipeInput("2", "y", 0);
  EXPECT_EQ(peeked, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(seen, (std::vector<std::string>{"1x", "2y"}));
}

TEST(StreamsDsl, NullValuesAreDroppedByValueFunctionsButWrittenByTo) {
  StreamsBuilder b;
  auto s = b.stream<std::string, std::string>("in");
  s.to("copy");
  s.mapValues([](const std::string& v) { return v + "!"; }).to("mapped");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeTombstone("gone", 1);
  in.pipeInput("k", "v", 2);
  auto copy = d.createOutputTopic<std::string, std::string>("copy").readRecordsToList();
  ASSERT_EQ(copy.size(), 2u);
  EXPECT_FALSE(copy[0].value.has_value());
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("mapped").readKeyValuesToList()),
            (std::vector<KV>{{"k", "v!"}}));
}

Topology wordCount() {
  StreamsBuilder b;
  b.stream<std::string, std::string>("streams-plaintext-input")
      .flatMapValues([](const std::string& line) { return words(line); })
      .groupBy([](const std::string&, const std::string& w) { return w; })
      .count(Materialized<std::string, int64_t>::as("counts-store"))
      .toStream()
      .to("streams-wordcount-output");
  return b.build();
}

TEST(StreamsDsl, WordCountCountsThroughTheRepartitionTopic) {
  TopologyTestDriver d(wordCount());
  auto in = d.createInputTopic<std::string, std::string>("streams-plaintext-input");
  in.pipeValue("all streams lead to kafka", 1);
  in.pipeValue("hello kafka streams", 2);
  auto out = d.createOutputTopic<std::string, int64_t>("streams-wordcount-output");
  auto counts = out.readKeyValuesToMap();
  EXPECT_EQ(counts,
            (std::map<std::string, int64_t>{
                {"all", 1}, {"streams", 2}, {"lead", 1}, {"to", 1}, {"kafka", 2}, {"hello", 1}}));
  auto store = d.getKeyValueStore<std::string, int64_t>("counts-store");
  EXPECT_EQ(store.get("kafka"), 2);
  EXPECT_EQ(store.get("absent"), std::nullopt);
  // The repartition topic and the changelog carry the records a real cluster would see.
  EXPECT_EQ(d.output("test-app-counts-store-repartition").size(), 8u);
  auto changelog = d.createOutputTopic<std::string, int64_t>("test-app-counts-store-changelog");
  EXPECT_EQ(changelog.readKeyValuesToMap(), counts);
}

TEST(StreamsDsl, WordCountDescribesLikeKafkaStreams) {
  EXPECT_EQ(wordCount().describe(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [streams-plaintext-input])\n"
            "      --> KSTREAM-FLATMAPVALUES-0000000001\n"
            "    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])\n"
            "      --> KSTREAM-KEY-SELECT-0000000002\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])\n"
            "      --> counts-store-repartition-filter\n"
            "      <-- KSTREAM-FLATMAPVALUES-0000000001\n"
            "    Processor: counts-store-repartition-filter (stores: [])\n"
            "      --> counts-store-repartition-sink\n"
            "      <-- KSTREAM-KEY-SELECT-0000000002\n"
            "    Sink: counts-store-repartition-sink (topic: counts-store-repartition)\n"
            "      <-- counts-store-repartition-filter\n"
            "\n"
            "   Sub-topology: 1\n"
            "    Source: counts-store-repartition-source (topics: [counts-store-repartition])\n"
            "      --> KSTREAM-AGGREGATE-0000000003\n"
            "    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts-store])\n"
            "      --> KTABLE-TOSTREAM-0000000004\n"
            "      <-- counts-store-repartition-source\n"
            "    Processor: KTABLE-TOSTREAM-0000000004 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000005\n"
            "      <-- KSTREAM-AGGREGATE-0000000003\n"
            "    Sink: KSTREAM-SINK-0000000005 (topic: streams-wordcount-output)\n"
            "      <-- KTABLE-TOSTREAM-0000000004\n"
            "\n");
}

TEST(StreamsDsl, GroupByKeyWithoutKeyChangeNeedsNoRepartitionTopic) {
  StreamsBuilder b;
  b.stream<std::string, int64_t>("in").groupByKey().count().toStream().to("out");
  Topology t = b.build();
  EXPECT_EQ(t.def().repartition_topics.size(), 0u);
  EXPECT_EQ(t.def().subtopologies().size(), 1u);
}

TEST(StreamsDsl, ReduceAndAggregateFoldEachKeysValues) {
  StreamsBuilder b;
  auto g = b.stream<std::string, int64_t>("in").groupByKey();
  g.reduce([](int64_t a, int64_t v) { return std::max(a, v); },
           Materialized<std::string, int64_t>::as("max").inMemory())
      .toStream()
      .to("max");
  g.aggregate([] { return std::string(); },
              [](const std::string&, int64_t v, const std::string& agg) {
                return agg + (agg.empty() ? "" : ",") + std::to_string(v);
              },
              Materialized<std::string, std::string>::as("list"))
      .toStream()
      .to("list");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, int64_t>("in");
  in.pipeInput("a", 3, 0);
  in.pipeInput("a", 1, 1);
  in.pipeInput("b", 9, 2);
  in.pipeInput("a", 7, 3);
  EXPECT_EQ((d.createOutputTopic<std::string, int64_t>("max").readKeyValuesToList()),
            (std::vector<std::pair<std::string, int64_t>>{{"a", 3}, {"a", 3}, {"b", 9}, {"a", 7}}));
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("list").readKeyValuesToMap()),
            (std::map<std::string, std::string>{{"a", "3,1,7"}, {"b", "9"}}));
}

TEST(StreamsDsl, GroupingDropsRecordsWithoutKey) {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in").groupByKey().count().toStream().to("out");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeValue("no key", 0);
  in.pipeInput("k", "v", 0);
  auto out = d.createOutputTopic<std::string, int64_t>("out").readKeyValuesToList();
  EXPECT_EQ(out, (std::vector<std::pair<std::string, int64_t>>{{"k", 1}}));
}

TEST(StreamsDsl, TableFilterMapValuesAndToStreamFollowTheTablesChanges) {
  StreamsBuilder b;
  auto t = b.table<std::string, int64_t>("prices");
  t.filter([](const std::string&, int64_t p) { return p >= 10; })
      .mapValues([](int64_t p) { return std::to_string(p) + " EUR"; })
      .toStream()
      .to("expensive");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, int64_t>("prices");
  in.pipeInput("apple", 5, 0);
  in.pipeInput("pear", 12, 1);
  in.pipeInput("pear", 3, 2);  // leaves the filter: a delete downstream
  in.pipeInput("fig", 20, 3);
  in.pipeTombstone("fig", 4);
  auto out = d.createOutputTopic<std::string, std::string>("expensive").readRecordsToList();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(*out[0].value, "12 EUR");
  EXPECT_FALSE(out[1].value.has_value());
  EXPECT_EQ(*out[2].value, "20 EUR");
  EXPECT_FALSE(out[3].value.has_value());
  EXPECT_EQ(*out[3].key, "fig");
}

TEST(StreamsDsl, AValueThatIsNotItsTypeFailsTheTaskWithASerializationError) {
  StreamsBuilder b;
  b.stream<std::string, int32_t>("in").to("out");
  TopologyTestDriver d(b.build());
  // Three bytes are no 4-byte int: Kafka's default LogAndFail handling stops processing.
  EXPECT_THROW(d.pipe("in", std::string("k"), std::string("abc"), 0), SerializationError);
  EXPECT_TRUE(d.output("out").empty());
}

TEST(StreamsDsl, MissingSerdeForAUserTypeIsReportedWhenTheTopologyIsBuilt) {
  struct Point {
    int x = 0;
  };
  StreamsBuilder b;
  auto s = b.stream<std::string, std::string>("in").mapValues(
      [](const std::string&) { return Point{}; });
  EXPECT_THROW(s.to("out"), std::invalid_argument);
}

}  // namespace
}  // namespace eddy::streams
