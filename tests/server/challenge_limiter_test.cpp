#include "server/challenge_limiter.h"

#include <gtest/gtest.h>

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

TEST(ChallengeLimiter, ZeroRate_NeverLimits) {
  ChallengeLimiter limiter(0);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.allow(ip(1), 0));
}

}  // namespace
}  // namespace tern
