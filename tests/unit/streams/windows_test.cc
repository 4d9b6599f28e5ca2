// Windowed aggregations through the test driver: tumbling, hopping and session windows with
// event time, out-of-order and late records against the grace period, and suppression until
// window close. Plus a property test of TimeWindows::windowsFor.
#include <gtest/gtest.h>

#include <random>

#include "eddy/streams/streams_builder.h"
#include "eddy/streams/topology_test_driver.h"

namespace eddy::streams {
namespace {

using std::chrono::milliseconds;
using WK = Windowed<std::string>;

struct Out {
  std::string key;
  int64_t start, end;
  std::optional<int64_t> value;
  bool operator==(const Out&) const = default;
};

std::vector<Out> read(TopologyTestDriver& d, const std::string& topic) {
  std::vector<Out> out;
  for (auto& r : d.createOutputTopic<WK, int64_t>(topic).readRecordsToList()) {
    out.push_back({r.key->key, r.key->window.start_ms, r.key->window.end_ms, r.value});
  }
  return out;
}

TEST(StreamsWindows, TumblingCountAcceptsOutOfOrderRecordsWithinGraceAndDropsLateOnes) {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(milliseconds(10), milliseconds(5)))
      .count(Materialized<std::string, int64_t>::as("counts"))
      .toStream()
      .to("out");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x", 1);   // [0,10)
  in.pipeInput("a", "x", 12);  // [10,20); stream time 12
  in.pipeInput("a", "x", 8);   // out of order, [0,10) still open: 10 > 12 - 5
  in.pipeInput("a", "x", 16);  // stream time 16: [0,10) closes (10 <= 16 - 5 = 11)
  in.pipeInput("a", "x", 9);   // late: dropped
  in.pipeInput("b", "x", 19);
  EXPECT_EQ(
      (read(d, "out")),
      (std::vector<Out>{
          {"a", 0, 10, 1}, {"a", 10, 20, 1}, {"a", 0, 10, 2}, {"a", 10, 20, 2}, {"b", 10, 20, 1}}));
  auto store = d.getWindowStore<std::string, int64_t>("counts");
  EXPECT_EQ((store.fetch("a", 0, 100)),
            (std::vector<std::pair<int64_t, int64_t>>{{0, 2}, {10, 2}}));
}

TEST(StreamsWindows, HoppingWindowsCountARecordInEveryWindowThatContainsIt) {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeWithNoGrace(milliseconds(10)).advanceBy(milliseconds(5)))
      .count()
      .toStream()
      .to("out");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x", 7);
  in.pipeInput("a", "x", 11);
  EXPECT_EQ(
      (read(d, "out")),
      (std::vector<Out>{{"a", 0, 10, 1}, {"a", 5, 15, 1}, {"a", 5, 15, 2}, {"a", 10, 20, 1}}));
}

TEST(StreamsWindows, SuppressEmitsOnlyTheFinalCountOfEachWindowAfterItCloses) {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(milliseconds(10), milliseconds(2)))
      .count()
      .suppressUntilWindowCloses()
      .toStream()
      .to("out");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x", 1);
  in.pipeInput("a", "x", 5);
  in.pipeInput("b", "x", 9);
  in.pipeInput("a", "x", 11);  // stream time 11: [0,10) closes at 12
  EXPECT_TRUE(read(d, "out").empty());
  in.pipeInput("a", "x", 10);  // within [10,20), stream time stays 11
  in.pipeInput("c", "x", 12);  // stream time 12: [0,10) is final
  EXPECT_EQ((read(d, "out")), (std::vector<Out>{{"a", 0, 10, 2}, {"b", 0, 10, 1}}));
  in.pipeInput("c", "x", 30);
  EXPECT_EQ((read(d, "out")), (std::vector<Out>{{"a", 10, 20, 2}, {"c", 10, 20, 1}}));
}

TEST(StreamsWindows, SessionWindowsMergeRecordsCloserThanTheGapAndRetractMergedSessions) {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(SessionWindows::ofInactivityGapAndGrace(milliseconds(5), milliseconds(0)))
      .count()
      .toStream()
      .to("out");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x", 0);
  in.pipeInput("a", "x", 10);  // gap 10 > 5: a new session
  in.pipeInput("a", "x", 5);   // bridges both: one session [0,10]
  EXPECT_EQ((read(d, "out")), (std::vector<Out>{{"a", 0, 0, 1},
                                                {"a", 10, 10, 1},
                                                {"a", 0, 0, std::nullopt},
                                                {"a", 10, 10, std::nullopt},
                                                {"a", 0, 10, 3}}));
  in.pipeInput("a", "x", 30);  // stream time 30
  in.pipeInput("a", "x", 12);  // its session [0,12] would end before 30 - 0: late, dropped
  EXPECT_EQ((read(d, "out")), (std::vector<Out>{{"a", 30, 30, 1}}));
}

TEST(StreamsWindows, SessionSuppressionEmitsOnlyTheFinalSession) {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(SessionWindows::ofInactivityGapWithNoGrace(milliseconds(5)))
      .count()
      .suppressUntilWindowCloses()
      .toStream()
      .to("out");
  TopologyTestDriver d(b.build());
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x", 0);
  in.pipeInput("a", "x", 3);
  in.pipeInput("a", "x", 100);
  EXPECT_EQ((read(d, "out")), (std::vector<Out>{{"a", 0, 3, 2}}));
}

Topology slidingCount(int64_t grace_ms) {
  StreamsBuilder b;
  b.stream<std::string, std::string>("in")
      .groupByKey()
      .windowedBy(
          SlidingWindows::ofTimeDifferenceAndGrace(milliseconds(10), milliseconds(grace_ms)))
      .count()
      .toStream()
      .to("out");
  return b.build();
}

TEST(StreamsWindows, SlidingWindowsAreDefinedByRecordTimestampsAndRefoldedByOutOfOrderRecords) {
  TopologyTestDriver d(slidingCount(100));
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x", 100);
  EXPECT_EQ(read(d, "out"), (std::vector<Out>{{"a", 90, 100, 1}}));
  in.pipeInput("a", "x", 105);  // its left window, and 100's right window [101, 111]
  EXPECT_EQ(read(d, "out"), (std::vector<Out>{{"a", 95, 105, 2}, {"a", 101, 111, 1}}));
  in.pipeInput("a", "x", 120);  // 105 is more than 10 before: alone in [110, 120]
  EXPECT_EQ(read(d, "out"), (std::vector<Out>{{"a", 110, 120, 1}}));
  in.pipeInput("a", "x", 112);  // out of order: its left and right windows, 105's right window,
                                // and 120's left window, which now holds it
  EXPECT_EQ(read(d, "out"),
            (std::vector<Out>{
                {"a", 102, 112, 2}, {"a", 106, 116, 1}, {"a", 110, 120, 2}, {"a", 113, 123, 1}}));
}

TEST(StreamsWindows, SlidingWindowsDropLateRecordsAndUpdateOnlyOpenWindows) {
  TopologyTestDriver d(slidingCount(0));
  auto in = d.createInputTopic<std::string, std::string>("in");
  in.pipeInput("a", "x", 100);
  in.pipeInput("a", "x", 200);
  read(d, "out");
  in.pipeInput("a", "x", 150);  // every window holding 150 ends by 160 < 200: dropped
  EXPECT_TRUE(read(d, "out").empty());
  in.pipeInput("a", "x", 195);  // its left window [185, 195] is closed; [190, 200] is not
  EXPECT_EQ(read(d, "out"), (std::vector<Out>{{"a", 190, 200, 2}, {"a", 196, 206, 1}}));
}

// Property: windowsFor(t) returns exactly the aligned windows [s, s + size) with s a multiple of
// advance, s >= 0 and s <= t < s + size, in start order.
TEST(StreamsWindows, WindowsForReturnsExactlyTheAlignedWindowsContainingTheTimestamp) {
  std::mt19937_64 rng(18);
  for (int i = 0; i < 20000; ++i) {
    int64_t size = 1 + int64_t(rng() % 1000);
    int64_t advance = 1 + int64_t(rng() % size);
    int64_t t = int64_t(rng() % 100000);
    auto ws = TimeWindows::ofSizeWithNoGrace(milliseconds(size))
                  .advanceBy(milliseconds(advance))
                  .windowsFor(t);
    std::vector<Window> expected;
    for (int64_t s = 0; s <= t; s += advance) {
      if (t < s + size) expected.push_back({s, s + size});
    }
    ASSERT_EQ(ws, expected) << "size " << size << " advance " << advance << " t " << t;
  }
}

}  // namespace
}  // namespace eddy::streams
