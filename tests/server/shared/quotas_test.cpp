#include "server/shared/quotas.h"

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

TEST(Quotas, TryCharge_SeveralPlaces_AllOrNone) {
  Quotas q(2, 0);
  EXPECT_EQ(q.try_charge("a").size(), 1u);
  EXPECT_EQ(q.count_for("a"), 0u) << "a charge nobody keeps is given back at once";
  auto one = q.try_charge("a");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(q.try_charge("a", 2).empty()) << "1 held + 2 > 2";
  EXPECT_EQ(q.count_for("a"), 1u) << "a refused charge counts nothing";
  one.clear();
  auto two = q.try_charge("a", 2);
  EXPECT_EQ(two.size(), 2u);
  EXPECT_EQ(q.count_for("a"), 2u);
  EXPECT_EQ(q.total(), 2u);
}

TEST(Quotas, TryCharge_SeveralPlaces_CheckedAgainstTheTotal) {
  Quotas q(0, 3);
  auto b = q.try_charge("b", 2);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(q.try_charge("a", 2).empty());
  EXPECT_EQ(q.try_charge("a", 1).size(), 1u);
}

TEST(Quotas, Charge_HandedOver_IsGivenBackByRelease) {
  Quotas q(1, 0);
  {
    auto c = q.try_charge("a");
    ASSERT_EQ(c.size(), 1u);
    c.front().hand_over();  // as an allocation made: the table releases it
  }
  EXPECT_EQ(q.count_for("a"), 1u);
  q.release("a");
  EXPECT_EQ(q.count_for("a"), 0u);
}

TEST(Quotas, Charge_Moved_GivenBackOnce) {
  Quotas q(0, 0);
  auto c = q.try_charge("a");
  ASSERT_EQ(c.size(), 1u);
  QuotaCharge moved = std::move(c.front());
  c.clear();
  EXPECT_EQ(q.count_for("a"), 1u);
  moved = QuotaCharge{};
  EXPECT_EQ(q.count_for("a"), 0u);
  EXPECT_EQ(q.total(), 0u);
}

TEST(Quotas, Transfer_MovesThePlace_TotalUnchanged) {
  Quotas q(1, 1);
  auto c = q.try_charge("a");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(q.transfer(c.front(), "b")) << "a full total does not stop a move";
  EXPECT_EQ(c.front().user(), "b");
  EXPECT_EQ(q.count_for("a"), 0u);
  EXPECT_EQ(q.count_for("b"), 1u);
  EXPECT_EQ(q.total(), 1u);
  c.clear();
  EXPECT_EQ(q.count_for("b"), 0u);
  EXPECT_EQ(q.total(), 0u);
}

TEST(Quotas, Transfer_ToAUserWithAFullQuota_MovesNothing) {
  Quotas q(1, 0);
  auto a = q.try_charge("a");
  auto b = q.try_charge("b");
  ASSERT_TRUE(a.size() == 1 && b.size() == 1);
  EXPECT_FALSE(q.transfer(a.front(), "b"));
  EXPECT_EQ(a.front().user(), "a");
  EXPECT_EQ(q.count_for("a"), 1u);
  EXPECT_EQ(q.count_for("b"), 1u);
  EXPECT_TRUE(q.transfer(a.front(), "a")) << "to its own user: nothing to move";
}

TEST(UnlimitedQuotaWarning, BothUnset_NamesBothAndTheRecommendedValues) {
  const auto w = unlimited_quota_warning({}, 16384);
  ASSERT_TRUE(w);
  EXPECT_NE(w->find("user-quota and total-quota are unlimited"), std::string::npos) << *w;
  EXPECT_NE(w->find("user-quota=10 to 20"), std::string::npos) << *w;
  EXPECT_NE(w->find("total-quota=16384"), std::string::npos) << *w;
}

TEST(UnlimitedQuotaWarning, OneUnset_NamesThatOne) {
  const auto user = unlimited_quota_warning({.per_user = 0, .total = 500}, 16384);
  ASSERT_TRUE(user);
  EXPECT_NE(user->find("user-quota is unlimited"), std::string::npos) << *user;
  const auto total = unlimited_quota_warning({.per_user = 10, .total = 0}, 100);
  ASSERT_TRUE(total);
  EXPECT_NE(total->find("total-quota is unlimited"), std::string::npos) << *total;
  EXPECT_NE(total->find("total-quota=100"), std::string::npos) << *total;
}

TEST(UnlimitedQuotaWarning, BothSet_None) {
  EXPECT_FALSE(unlimited_quota_warning({.per_user = 10, .total = 500}, 16384));
}

}  // namespace
}  // namespace tern
