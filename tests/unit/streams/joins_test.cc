// Joins through the test driver: stream-table, table-table (inner, left, outer) and windowed
// stream-stream (inner, left, outer).
#include <gtest/gtest.h>

#include "eddy/streams/streams_builder.h"
#include "eddy/streams/topology_test_driver.h"

namespace eddy::streams {
namespace {

using std::chrono::milliseconds;
using KV = std::pair<std::string, std::string>;

TEST(StreamsJoins, StreamTableJoinEnrichesWithTheTablesCurrentValue) {
  StreamsBuilder b;
  auto users = b.table<std::string, std::string>("users");
  auto clicks = b.stream<std::string, std::string>("clicks");
  clicks
      .join(users,
            [](const std::string& page, const std::string& region) { return page + "@" + region; })
      .to("joined");
  clicks
      .leftJoin(users,
                [](const std::string& page, const std::string* region) {
                  return page + "@" + (region ? *region : "unknown");
                })
      .to("left");
  TopologyTestDriver d(b.build());
  auto u = d.createInputTopic<std::string, std::string>("users");
  auto c = d.createInputTopic<std::string, std::string>("clicks");
  c.pipeInput("alice", "home", 0);  // no user yet: inner join drops, left join pads
  u.pipeInput("alice", "eu", 1);
  c.pipeInput("alice", "cart", 2);
  u.pipeInput("alice", "us", 3);
  c.pipeInput("alice", "pay", 4);
  u.pipeTombstone("alice", 5);
  c.pipeInput("alice", "bye", 6);
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("joined").readKeyValuesToList()),
            (std::vector<KV>{{"alice", "cart@eu"}, {"alice", "pay@us"}}));
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("left").readKeyValuesToList()),
            (std::vector<KV>{{"alice", "home@unknown"},
                             {"alice", "cart@eu"},
                             {"alice", "pay@us"},
                             {"alice", "bye@unknown"}}));
}

TEST(StreamsJoins, TableTableJoinEmitsOnUpdatesOfEitherSide) {
  StreamsBuilder b;
  auto left = b.table<std::string, std::string>("left");
  auto right = b.table<std::string, std::string>("right");
  left.join(right, [](const std::string& l, const std::string& r) { return l + "+" + r; })
      .toStream()
      .to("inner");
  TopologyTestDriver d(b.build());
  auto l = d.createInputTopic<std::string, std::string>("left");
  auto r = d.createInputTopic<std::string, std::string>("right");
  l.pipeInput("k", "a", 0);  // no right value: nothing
  r.pipeInput("k", "x", 1);
  l.pipeInput("k", "b", 2);
  r.pipeTombstone("k", 3);  // the join result is deleted
  auto out = d.createOutputTopic<std::string, std::string>("inner").readRecordsToList();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(*out[0].value, "a+x");
  EXPECT_EQ(*out[1].value, "b+x");
  EXPECT_FALSE(out[2].value.has_value());
}

TEST(StreamsJoins, TableTableLeftJoinPadsAMissingRightValue) {
  StreamsBuilder b;
  auto left = b.table<std::string, std::string>("left");
  auto right = b.table<std::string, std::string>("right");
  left.leftJoin(right, [](const std::string& l,
                          const std::string* r) { return l + "+" + (r ? *r : "null"); })
      .toStream()
      .to("out");
  TopologyTestDriver d(b.build());
  d.createInputTopic<std::string, std::string>("left").pipeInput("k", "a", 0);
  d.createInputTopic<std::string, std::string>("right").pipeInput("k", "x", 1);
  EXPECT_EQ((d.createOutputTopic<std::string, std::string>("out").readKeyValuesToList()),
            (std::vector<KV>{{"k", "a+null"}, {"k", "a+x"}}));
}

TEST(StreamsJoins, StreamStreamJoinPairsRecordsWithinTheTimeDifference) {
  StreamsBuilder b;
  auto orders = b.stream<std::string, std::string>("orders");
  auto payments = b.stream<std::string, std::string>("payments");
  orders
      .join(
          payments, [](const std::string& o, const std::string& p) { return o + "/" + p; },
          JoinWindows::ofTimeDifferenceAndGrace(milliseconds(10), milliseconds(0)))
      .to("paid");
  TopologyTestDriver d(b.build());
  auto o = d.createInputTopic<std::string, std::string>("orders");
  auto p = d.createInputTopic<std::string, std::string>("payments");
  o.pipeInput("o1", "book", 100);
  p.pipeInput("o1", "card", 105);    // within 10 ms: joins
  p.pipeInput("o2", "cash", 106);    // no order o2 yet
  o.pipeInput("o2", "pen", 115);     // 9 ms after the payment: joins
  p.pipeInput("o1", "refund", 120);  // 20 ms after the order: no join
  o.pipeInput("o1", "book2", 111);   // joins card (6 ms before) and refund (9 ms after)
  auto out = d.createOutputTopic<std::string, std::string>("paid").readRecordsToList();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(*out[0].value, "book/card");
  EXPECT_EQ(out[0].timestamp_ms, 105);
  EXPECT_EQ(*out[1].value, "pen/cash");
  EXPECT_EQ(out[1].timestamp_ms, 115);
  EXPECT_EQ(*out[2].value, "book2/card");
  EXPECT_EQ(*out[3].value, "book2/refund");
  EXPECT_EQ(out[3].timestamp_ms, 120);
}

TEST(StreamsJoins, StreamStreamLeftJoinEmitsUnmatchedLeftRecordsOnlyAfterTheirWindowCloses) {
  StreamsBuilder b;
  auto orders = b.stream<std::string, std::string>("orders");
  auto payments = b.stream<std::string, std::string>("payments");
  orders
      .leftJoin(
          payments,
          [](const std::string& o, const std::string* p) { return o + "/" + (p ? *p : "unpaid"); },
          JoinWindows::ofTimeDifferenceAndGrace(milliseconds(10), milliseconds(0)))
      .to("out");
  TopologyTestDriver d(b.build());
  auto o = d.createInputTopic<std::string, std::string>("orders");
  auto p = d.createInputTopic<std::string, std::string>("payments");
  auto out = d.createOutputTopic<std::string, std::string>("out");
  o.pipeInput("o1", "book", 100);
  o.pipeInput("o2", "pen", 105);
  EXPECT_TRUE(out.isEmpty());  // o1 and o2 may still be paid
  p.pipeInput("o1", "card", 103);
  EXPECT_EQ((out.readKeyValuesToList()), (std::vector<KV>{{"o1", "book/card"}}));
  o.pipeInput("o3", "ink", 116);  // stream time 116: o2's window (105 + 10) has closed
  auto r = out.readRecordsToList();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(*r[0].key, "o2");
  EXPECT_EQ(*r[0].value, "pen/unpaid");
  EXPECT_EQ(r[0].timestamp_ms, 105);
  p.pipeInput("o3", "cash", 120);  // o3 joins late but within its window: no unpaid result
  EXPECT_EQ((out.readKeyValuesToList()), (std::vector<KV>{{"o3", "ink/cash"}}));
  o.pipeInput("o4", "cup", 200);
  EXPECT_TRUE(out.isEmpty());
}

std::string or_null(const std::string* s) { return s ? *s : "null"; }

TEST(StreamsJoins, StreamStreamOuterJoinEmitsUnmatchedRecordsOfBothSidesAfterTheirWindowsClose) {
  StreamsBuilder b;
  auto orders = b.stream<std::string, std::string>("orders");
  auto payments = b.stream<std::string, std::string>("payments");
  orders
      .outerJoin(
          payments,
          [](const std::string* o, const std::string* p) { return or_null(o) + "/" + or_null(p); },
          JoinWindows::ofTimeDifferenceAndGrace(milliseconds(10), milliseconds(0)))
      .to("out");
  TopologyTestDriver d(b.build());
  auto o = d.createInputTopic<std::string, std::string>("orders");
  auto p = d.createInputTopic<std::string, std::string>("payments");
  auto out = d.createOutputTopic<std::string, std::string>("out");
  o.pipeInput("o1", "book", 100);
  p.pipeInput("o1", "x", 102);  // joins: neither side is emitted unmatched later
  EXPECT_EQ((out.readKeyValuesToList()), (std::vector<KV>{{"o1", "book/x"}}));
  p.pipeInput("o2", "cash", 104);  // no order o2: waits for its window
  o.pipeInput("o3", "ink", 105);   // no payment o3: waits
  EXPECT_TRUE(out.isEmpty());
  o.pipeInput("o4", "cup", 116);  // stream time 116 closes o2's (104 + 10) and o3's (105 + 10)
  auto r = out.readRecordsToList();
  ASSERT_EQ(r.size(), 2u);  // in time order, each with its own timestamp
  EXPECT_EQ(*r[0].key, "o2");
  EXPECT_EQ(*r[0].value, "null/cash");
  EXPECT_EQ(r[0].timestamp_ms, 104);
  EXPECT_EQ(*r[1].key, "o3");
  EXPECT_EQ(*r[1].value, "ink/null");
  EXPECT_EQ(r[1].timestamp_ms, 105);
  p.pipeInput("o4", "card", 118);  // o4 joins within its window
  p.pipeInput("o6", "gift", 130);  // a right record first ...
  o.pipeInput("o6", "hat", 135);   // ... joined by a later left one
  EXPECT_EQ((out.readKeyValuesToList()), (std::vector<KV>{{"o4", "cup/card"}, {"o6", "hat/gift"}}));
  o.pipeInput("o7", "end", 300);  // every window before has closed: nothing was left unmatched
  EXPECT_TRUE(out.isEmpty());
}

TEST(StreamsJoins, TableTableOuterJoinKeepsAKeyWhileEitherSideHasIt) {
  StreamsBuilder b;
  auto left = b.table<std::string, std::string>("left");
  auto right = b.table<std::string, std::string>("right");
  left.outerJoin(right, [](const std::string* l,
                           const std::string* r) { return or_null(l) + "+" + or_null(r); })
      .toStream()
      .to("out");
  TopologyTestDriver d(b.build());
  auto l = d.createInputTopic<std::string, std::string>("left");
  auto r = d.createInputTopic<std::string, std::string>("right");
  l.pipeInput("k", "a", 0);
  r.pipeInput("k", "x", 1);
  l.pipeTombstone("k", 2);  // the right value alone still joins
  r.pipeTombstone("k", 3);  // neither side: the key is deleted
  r.pipeInput("j", "y", 4);
  auto out = d.createOutputTopic<std::string, std::string>("out").readRecordsToList();
  std::vector<std::pair<std::string, std::optional<std::string>>> got;
  for (const auto& rec : out) got.emplace_back(*rec.key, rec.value);
  EXPECT_EQ(
      got,
      (std::vector<std::pair<std::string, std::optional<std::string>>>{
          {"k", "a+null"}, {"k", "a+x"}, {"k", "null+x"}, {"k", std::nullopt}, {"j", "null+y"}}));
}

}  // namespace
}  // namespace eddy::streams
