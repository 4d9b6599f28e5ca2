#include "broker/logging.h"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <chrono>
#include <thread>

#include "common/log_rate_limiter.h"

namespace eddy {
namespace {

TEST(LogRateLimiter, FirstOfAKindPassesRepeatsWithinTheIntervalAreCounted) {
  LogRateLimiter limiter(std::chrono::milliseconds(50));
  uint64_t suppressed = 99;
  EXPECT_TRUE(limiter.allow("bad frame", &suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.allow("bad frame", &suppressed));
  EXPECT_TRUE(limiter.allow("other kind", &suppressed));  // kinds are limited apart
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_TRUE(limiter.allow("bad frame", &suppressed));
  EXPECT_EQ(suppressed, 5u);
}

TEST(LogRateLimiter, PastTheKeyBoundEveryEventPasses) {
  LogRateLimiter limiter(std::chrono::hours(1));
  uint64_t suppressed = 0;
  for (size_t i = 0; i < LogRateLimiter::kMaxKeys; ++i) {
    EXPECT_TRUE(limiter.allow(std::to_string(i), &suppressed));
  }
  EXPECT_TRUE(limiter.allow("new", &suppressed));
  EXPECT_TRUE(limiter.allow("new", &suppressed));  // not tracked: never held back
  EXPECT_FALSE(limiter.allow("0", &suppressed));
}

TEST(JsonLogFormatter, OneObjectPerLineWithTheMessageEscaped) {
  broker::JsonLogFormatter f;
  spdlog::details::log_msg msg("eddy", spdlog::level::err, "partition \"t\"-0:\n\tdisk\\full\x01");
  spdlog::memory_buf_t out;
  f.format(msg, out);
  std::string line(out.data(), out.size());
  EXPECT_TRUE(line.starts_with("{\"ts\":\"")) << line;
  EXPECT_NE(line.find("Z\",\"level\":\"error\",\"thread\":"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("msg":"partition \"t\"-0:\n\tdisk\\full\u0001"})"), std::string::npos)
      << line;
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line
}

}  // namespace
}  // namespace eddy
