#include "server/shared/challenge_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace tern {
namespace {

TransportAddress ip(uint8_t last) {
  return TransportAddress::v4({192, 0, 2, last}, 1000);
}

TEST(ChallengeLimiter, BurstOfTwiceTheRate_ThenRefused) {
  ChallengeLimiter limiter(10);
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += limiter.allow(ip(1), 1000) ? 1 : 0;
  EXPECT_EQ(allowed, 20);
}

TEST(ChallengeLimiter, RefillsAtTheRate) {
  ChallengeLimiter limiter(10);
  while (limiter.allow(ip(1), 1000)) {
  }
  EXPECT_FALSE(limiter.allow(ip(1), 1050));  // half a token
  EXPECT_TRUE(limiter.allow(ip(1), 1100));   // one token after 100 ms at 10/s
  EXPECT_FALSE(limiter.allow(ip(1), 1100));
}

TEST(ChallengeLimiter, PortDoesNotMatter_OtherSourcesUnaffected) {
  ChallengeLimiter limiter(1);
  TransportAddress a = ip(1);
  EXPECT_TRUE(limiter.allow(a, 0));
  a.port = 2000;
  EXPECT_TRUE(limiter.allow(a, 0));
  a.port = 3000;
  EXPECT_FALSE(limiter.allow(a, 0));
  int others = 0;
  for (uint8_t i = 2; i < 50; ++i) others += limiter.allow(ip(i), 0) ? 1 : 0;
  EXPECT_GE(others, 45);  // a few may share ip(1)'s bucket
}

// Workers read the clock once per batch: one may come with a time older than the last
// one stored. That earns no tokens, and does not turn the clock back for the others.
TEST(ChallengeLimiter, OlderTimeFromAnotherWorker_EarnsNothing) {
  ChallengeLimiter limiter(10);
  while (limiter.allow(ip(1), 1000)) {
  }
  EXPECT_FALSE(limiter.allow(ip(1), 900));
  EXPECT_FALSE(limiter.allow(ip(1), 1099));
  EXPECT_TRUE(limiter.allow(ip(1), 1100));
}

// The bucket keeps 32 bits of milliseconds: a source idle for longer than that half
// range (24.8 days) must find its bucket full, not stuck in the past.
TEST(ChallengeLimiter, IdleAcrossTheClockWrap_IsFullAgain) {
  ChallengeLimiter limiter(10);
  while (limiter.allow(ip(1), 1000)) {
  }
  const int64_t later = 1000 + (int64_t{1} << 31) + 5000;
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += limiter.allow(ip(1), later) ? 1 : 0;
  EXPECT_EQ(allowed, 20);
}

// One table for every worker: threads taking tokens for the same source together get
// the burst once, not once each.
TEST(ChallengeLimiter, ManyThreadsOneSource_ShareOneBurst) {
  ChallengeLimiter limiter(100);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      TransportAddress a = ip(7);
      a.port = static_cast<uint16_t>(2000 + t);
      for (int i = 0; i < 1000; ++i) allowed += limiter.allow(a, 5000) ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 200);
}

TEST(ChallengeLimiter, ZeroRate_NeverLimits) {
  ChallengeLimiter limiter(0);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.allow(ip(1), 0));
}

}  // namespace
}  // namespace tern
