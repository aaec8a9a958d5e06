#include "server/quotas.h"

#include <gtest/gtest.h>

namespace tern {
namespace {

TEST(Quotas, PerUser_RefusesTheOneOverAndCountsNothingForIt) {
  Quotas q(2, 0);
  EXPECT_TRUE(q.try_acquire("a"));
  EXPECT_TRUE(q.try_acquire("a"));
  EXPECT_FALSE(q.try_acquire("a"));
  EXPECT_EQ(q.count_for("a"), 2u);
  EXPECT_TRUE(q.try_acquire("b"));
  EXPECT_EQ(q.total(), 3u);
}

TEST(Quotas, Total_CountsEveryUser) {
  Quotas q(0, 2);
  EXPECT_TRUE(q.try_acquire("a"));
  EXPECT_TRUE(q.try_acquire("b"));
  EXPECT_FALSE(q.try_acquire("c"));
  EXPECT_EQ(q.count_for("c"), 0u);
  q.release("a");
  EXPECT_TRUE(q.try_acquire("c"));
}

TEST(Quotas, LoweredBelowTheCount_KeepsWhatIsHeld_RefusesNewUntilBelow) {
  Quotas q(0, 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.try_acquire("a"));
  q.set_limits({.per_user = 1, .total = 0});
  EXPECT_EQ(q.count_for("a"), 3u);  // nothing ended
  EXPECT_FALSE(q.try_acquire("a"));
  q.release("a");
  EXPECT_FALSE(q.try_acquire("a"));  // 2 held, still not below 1
  q.release("a");
  EXPECT_FALSE(q.try_acquire("a"));  // 1 held: at the limit
  q.release("a");
  EXPECT_TRUE(q.try_acquire("a"));
  EXPECT_TRUE(q.try_acquire("b"));  // another user has a quota of their own
}

TEST(Quotas, TotalLowered_ThenRaisedAgain) {
  Quotas q(0, 0);
  ASSERT_TRUE(q.try_acquire("a"));
  ASSERT_TRUE(q.try_acquire("b"));
  q.set_limits({.per_user = 0, .total = 1});
  EXPECT_FALSE(q.try_acquire("c"));
  q.set_limits({.per_user = 0, .total = 3});
  EXPECT_TRUE(q.try_acquire("c"));
  EXPECT_FALSE(q.try_acquire("d"));
}

TEST(Quotas, BackToZero_IsUnlimitedAgain) {
  Quotas q(1, 1);
  ASSERT_TRUE(q.try_acquire("a"));
  EXPECT_FALSE(q.try_acquire("a"));
  q.set_limits({});
  EXPECT_EQ(q.limits(), Quotas::Limits{});
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(q.try_acquire("a"));
}

}  // namespace
}  // namespace tern
