#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "metrics/group_metrics.h"
#include "metrics/registry.h"

namespace eddy::metrics {
namespace {

// Every line of a text exposition is a comment (HELP/TYPE) or `name{labels} value`, and every
// sample follows the TYPE line of its family (Prometheus text format 0.0.4).
void expect_valid_exposition(const std::string& text) {
  static const std::regex kSample(
      R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN))re");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  std::istringstream in(text);
  std::string line, family;
  std::set<std::string> seen;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.starts_with("# HELP ")) continue;
    if (std::regex_match(line, m, kType)) {
      family = m[1];
      EXPECT_TRUE(seen.insert(family).second) << "family twice: " << family;
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, kSample)) << "bad line: " << line;
    std::string name = m[1];
    EXPECT_TRUE(name == family || name == family + "_bucket" || name == family + "_sum" ||
                name == family + "_count")
        << name << " outside its family " << family;
  }
}

TEST(Metrics, CounterFromManyThreadsCountsEveryIncrement) {
  Registry r;
  Counter& c = r.counter("test_events_total", "events").labels();
  constexpr int kThreads = 3 * static_cast<int>(kShards);
  constexpr int kEach = 100'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) c.inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), static_cast<uint64_t>(kThreads) * kEach);
}

TEST(Metrics, HistogramFromManyThreadsKeepsCountAndSum) {
  Histogram h(latency_us_bounds(), 1e6);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (uint64_t i = 0; i < 10'000; ++i) h.observe(i);
    });
  }
  for (auto& t : threads) t.join();
  Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.count, 80'000u);
  EXPECT_EQ(s.sum, 8u * (9'999u * 10'000u / 2));
}

TEST(Metrics, HistogramBucketsAreCumulativeInSecondsWithInf) {
  Registry r;
  Histogram& h = r.histogram("test_latency_seconds", "latency", {"request"}, {100, 1000}, 1e6)
                     .labels({"Produce"});
  h.observe(50);     // <= 100 µs
  h.observe(100);    // the bound itself belongs to its bucket
  h.observe(500);    // <= 1 ms
  h.observe(5'000);  // +Inf
  std::string text = r.expose();
  expect_valid_exposition(text);
  EXPECT_NE(text.find("test_latency_seconds_bucket{request=\"Produce\",le=\"0.0001\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("test_latency_seconds_bucket{request=\"Produce\",le=\"0.001\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_bucket{request=\"Produce\",le=\"+Inf\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_sum{request=\"Produce\"} 0.00565\n"),
            std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_count{request=\"Produce\"} 4\n"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Registry r;
  r.counter("test_bytes_total", "bytes", {"topic"}).labels({"a\"b\\c\nd"}).inc(3);
  std::string text = r.expose();
  expect_valid_exposition(text);
  EXPECT_NE(text.find(R"(test_bytes_total{topic="a\"b\\c\nd"} 3)"), std::string::npos) << text;
}

TEST(Metrics, HelpAndTypeOnceFamiliesSorted) {
  Registry r;
  r.gauge("test_b", "second").labels().set(-2);
  r.counter("test_a_total", "first\nline", {"x"}).labels({"1"}).inc();
  r.counter("test_a_total", "first\nline", {"x"}).labels({"2"}).inc(2);
  EXPECT_EQ(r.expose(),
            "# HELP test_a_total first\\nline\n# TYPE test_a_total counter\n"
            "test_a_total{x=\"1\"} 1\ntest_a_total{x=\"2\"} 2\n"
            "# HELP test_b second\n# TYPE test_b gauge\ntest_b -2\n");
}

TEST(Metrics, SameNameWithOtherLabelsIsRefused) {
  Registry r;
  r.counter("test_x_total", "x", {"a"});
  EXPECT_THROW(r.counter("test_x_total", "x", {"b"}), std::invalid_argument);
  EXPECT_THROW(r.gauge("test_x_total", "x", {"a"}), std::invalid_argument);
  EXPECT_THROW(r.gauge("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(r.gauge("test_y", "x", {"le"}), std::invalid_argument);
}

TEST(Metrics, RemovedChildIsHiddenUntilAskedForAgain) {
  Registry r;
  auto& f = r.gauge("test_g", "g", {"topic"});
  f.labels({"t"}).set(5);
  f.remove({"t"});
  EXPECT_EQ(r.expose().find("test_g{"), std::string::npos);
  f.labels({"t"});
  EXPECT_NE(r.expose().find("test_g{topic=\"t\"} 5"), std::string::npos);
}

TEST(Metrics, CollectorSamplesMergeIntoTheirFamilyAndStopWithTheHandle) {
  Registry r;
  auto handle = r.add_collector([](Writer& w) {
    w.family("test_size_bytes", "size", Type::kGauge, {"partition"});
    w.sample({"0"}, 10);
  });
  auto other = r.add_collector([](Writer& w) {
    w.family("test_size_bytes", "size", Type::kGauge, {"partition"});
    w.sample({"1"}, 1.5);
  });
  std::string text = r.expose();
  expect_valid_exposition(text);
  EXPECT_NE(text.find("test_size_bytes{partition=\"0\"} 10\ntest_size_bytes{partition=\"1\"} 1.5"),
            std::string::npos)
      << text;
  handle.reset();
  text = r.expose();
  EXPECT_EQ(text.find("partition=\"0\""), std::string::npos);
  EXPECT_NE(text.find("partition=\"1\""), std::string::npos);
}

TEST(Metrics, ScrapesWhileThreadsUpdateStayValid) {
  Registry r;
  auto& f = r.counter("test_c_total", "c", {"t"});
  auto& h = r.histogram("test_h_seconds", "h", {}, latency_us_bounds(), 1e6);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; !stop; ++i) {
        f.labels({std::to_string((i + t) % 50)}).inc();
        h.labels().observe(i % 100'000);
      }
    });
  }
  for (int i = 0; i < 50; ++i) expect_valid_exposition(r.expose());
  stop = true;
  for (auto& t : threads) t.join();
}

TEST(Metrics, ClientRebalanceReasonsBecomeBoundedLabels) {
  EXPECT_EQ(client_reason_label(""), "none");
  EXPECT_EQ(client_reason_label("group is already rebalancing"), "group is already rebalancing");
  // Kafka's Java client: exception message and class, member ids, metadata snapshots.
  EXPECT_EQ(client_reason_label("rebalance failed due to 'The coordinator is not aware of this "
                                "member.' (UnknownMemberIdException)"),
            "rebalance failed due to");
  EXPECT_EQ(client_reason_label("need to re-join with the given member-id: consumer-g-1-4f2a"),
            "need to re-join with the given member-id");
  EXPECT_EQ(client_reason_label("cached metadata has changed from (version5: {t=[0]})"),
            "cached metadata has changed from");
  EXPECT_EQ(client_reason_label("member 12 left."), "member");
  EXPECT_EQ(client_reason_label("bad\nline"), "bad");
  EXPECT_EQ(client_reason_label(std::string("bad\0x", 5)), "bad");
  EXPECT_EQ(client_reason_label("\xff\xfe"), "other");
  EXPECT_EQ(client_reason_label("(Exception)"), "other");
  EXPECT_EQ(client_reason_label(std::string(200, 'a')), std::string(kMaxReasonLabelBytes, 'a'));
}

TEST(Metrics, RebalanceReasonSeriesAreBoundedWithTheRestCountedAsOther) {
  if (!kEnabled) GTEST_SKIP() << "metrics compiled out";
  Family<Counter>& family = rebalances();
  // More distinct reasons than the bound: the first ones get their own series, the rest "other".
  for (size_t i = 0; i < kMaxRebalanceSeries + 10; ++i) {
    std::string reason =
        "reason " + std::string(1, static_cast<char>('a' + i % 26)) + std::string(1 + i / 26, 'x');
    count_rebalance(RebalanceTrigger::kMemberLeft, reason);
    count_rebalance(RebalanceTrigger::kMemberLeft, reason);
  }
  std::string text = registry().expose();
  size_t series = 0;
  for (size_t at = 0; (at = text.find("eddy_group_rebalances_total{", at)) != std::string::npos;
       ++at) {
    ++series;
  }
  EXPECT_EQ(series, kMaxRebalanceSeries + 1) << text;
  EXPECT_EQ(family.labels({"member_left", "reason ax"}).value(), 2u);
  EXPECT_EQ(family.labels({"member_left", "other"}).value(), 2u * 10);
  expect_valid_exposition(text);
}

}  // namespace
}  // namespace eddy::metrics
