#include "server/core/bandwidth_limit.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace tern {
namespace {

TEST(TokenBucket, Unlimited_PassesEverything) {
  TokenBucket b;
  EXPECT_TRUE(b.unlimited());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(b.try_take(65535, 0));
  TokenBucket zero(0, 0);
  EXPECT_TRUE(zero.try_take(1'000'000, 0));
}

TEST(TokenBucket, BurstIsOneSecondOfRate_WhenThatIsAboveOneMaxSizePacket) {
  TokenBucket b(100'000, 0);
  EXPECT_TRUE(b.try_take(60'000, 0));
  EXPECT_TRUE(b.try_take(40'000, 0));
  EXPECT_FALSE(b.try_take(1, 0));
}

TEST(TokenBucket, BurstIsAtLeastOneMaxSizePacket) {
  // 20000 B/s would hold 20000 bytes; a 65535-byte frame must still pass when idle.
  TokenBucket b(20'000, 0);
  EXPECT_TRUE(b.try_take(65'535, 0));
  EXPECT_FALSE(b.try_take(1, 0));
}

TEST(TokenBucket, RefillsAtTheRate_ToTheByte) {
  TokenBucket b(20'000, 1000);
  ASSERT_TRUE(b.try_take(65'535, 1000));
  EXPECT_FALSE(b.try_take(21, 1001));  // 1 ms earns 20 bytes
  EXPECT_TRUE(b.try_take(20, 1001));
  EXPECT_FALSE(b.try_take(1, 1001));
  EXPECT_TRUE(b.try_take(10'000, 1501));  // 500 ms earn 10000
  EXPECT_FALSE(b.try_take(1, 1501));
}

TEST(TokenBucket, SlowRate_AccumulatesFractionsOfAByte) {
  TokenBucket b(500, 0);  // half a byte per millisecond
  ASSERT_TRUE(b.try_take(65'535, 0));
  EXPECT_FALSE(b.try_take(1, 1));
  EXPECT_TRUE(b.try_take(1, 2));
  EXPECT_FALSE(b.try_take(1, 3));
  EXPECT_TRUE(b.try_take(1, 4));
}

TEST(TokenBucket, DroppedPacket_TakesNothing) {
  TokenBucket b(20'000, 0);
  ASSERT_TRUE(b.try_take(65'000, 0));
  EXPECT_FALSE(b.try_take(1000, 0));  // would overdraw: dropped whole
  EXPECT_TRUE(b.try_take(535, 0));    // what was there is still there
}

TEST(TokenBucket, LongIdle_FillsToTheBurstOnly) {
  TokenBucket b(100'000, 0);
  ASSERT_TRUE(b.try_take(100'000, 0));
  EXPECT_TRUE(b.try_take(100'000, int64_t{1} << 40));
  EXPECT_FALSE(b.try_take(1, int64_t{1} << 40));
}

TEST(TokenBucket, ClockGoingBackwards_EarnsNothing) {
  TokenBucket b(20'000, 5000);
  ASSERT_TRUE(b.try_take(65'535, 5000));
  EXPECT_FALSE(b.try_take(1, 4000));
  EXPECT_TRUE(b.try_take(20, 5001));
}

TEST(TokenBucket, HugeRate_IsClampedWithoutOverflow) {
  TokenBucket b(UINT64_MAX, 0);
  EXPECT_EQ(b.rate(), TokenBucket::kMaxRate);
  EXPECT_TRUE(b.try_take(65'535, 0));
  EXPECT_TRUE(b.try_take(65'535, int64_t{1} << 50));
}

TEST(TokenBucket, NewRate_KeepsWhatTheBucketHolds) {
  TokenBucket b(100'000, 0);
  ASSERT_TRUE(b.try_take(90'000, 0));  // 10000 left
  b.set_rate(200'000, 0);
  EXPECT_FALSE(b.try_take(10'001, 0));
  EXPECT_TRUE(b.try_take(10'000, 0));
  EXPECT_TRUE(b.try_take(200, 1));  // at the new rate
  EXPECT_FALSE(b.try_take(1, 1));
}

TEST(TokenBucket, LowerRate_CutsTheBurstDownToTheNewOne) {
  TokenBucket b(1'000'000, 0);
  b.set_rate(20'000, 0);
  EXPECT_TRUE(b.try_take(65'535, 0));
  EXPECT_FALSE(b.try_take(1, 0));
}

TEST(TokenBucket, FromUnlimitedToLimited_StartsFull_AndBack) {
  TokenBucket b;
  b.set_rate(20'000, 7);
  EXPECT_TRUE(b.try_take(65'535, 7));
  EXPECT_FALSE(b.try_take(1, 7));
  b.set_rate(0, 7);
  EXPECT_TRUE(b.try_take(1'000'000, 7));
}

}  // namespace
}  // namespace tern
