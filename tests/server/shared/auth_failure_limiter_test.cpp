#include "server/shared/auth_failure_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/base/test_addresses.h"

namespace tern {
namespace {

using test::ip;

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

constexpr int64_t kT0 = 1'000'000;  // steady ms, far from zero

TEST(AuthFailureLimiter, BudgetSpent_HoldsTheKey_AndTheFailureThatSpentItSaysSo) {
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 5, .hold_s = 60});
  const uint64_t key = limiter.key(ip("192.0.2.1"));
  for (int i = 1; i < 5; ++i) {
    EXPECT_FALSE(limiter.fail(key, kT0 + i)) << i;
    EXPECT_FALSE(limiter.held(key, kT0 + i)) << i;
  }
  EXPECT_TRUE(limiter.fail(key, kT0 + 5));
  EXPECT_TRUE(limiter.held(key, kT0 + 6));
  EXPECT_FALSE(limiter.fail(key, kT0 + 7)) << "a hold already running is not started again";
}

TEST(AuthFailureLimiter, Hold_EndsAfterHoldSeconds_WithAFreshBudget) {
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 3, .hold_s = 10});
  const uint64_t key = limiter.key(ip("192.0.2.1"));
  for (int i = 0; i < 3; ++i) limiter.fail(key, kT0);
  EXPECT_TRUE(limiter.held(key, kT0 + 9'000));
  EXPECT_FALSE(limiter.held(key, kT0 + 10'000));
  EXPECT_FALSE(limiter.fail(key, kT0 + 10'000));
  EXPECT_FALSE(limiter.fail(key, kT0 + 10'001));
  EXPECT_TRUE(limiter.fail(key, kT0 + 10'002));
}

TEST(AuthFailureLimiter, FailuresOlderThanAMinute_AreForgotten) {
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 3, .hold_s = 60});
  const uint64_t key = limiter.key(ip("192.0.2.1"));
  limiter.fail(key, kT0);
  limiter.fail(key, kT0 + 1'000);
  // A user who mistypes now and then never adds up to a hold.
  EXPECT_FALSE(limiter.fail(key, kT0 + 61'000));
  EXPECT_FALSE(limiter.fail(key, kT0 + 62'000));
  EXPECT_FALSE(limiter.held(key, kT0 + 62'000));
}

TEST(AuthFailureLimiter, OtherSources_AreNotHeld) {
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 2, .hold_s = 60});
  const uint64_t guesser = limiter.key(ip("127.0.0.2"));
  limiter.fail(guesser, kT0);
  ASSERT_TRUE(limiter.fail(guesser, kT0));
  EXPECT_TRUE(limiter.held(guesser, kT0));
  for (int i = 1; i < 250; ++i) {
    const auto other = ip(("10.0." + std::to_string(i) + ".1").c_str());
    EXPECT_FALSE(limiter.held(limiter.key(other), kT0)) << other.to_string();
  }
}

TEST(AuthFailureLimiter, HoldsUnderThousandsOfUsernames_NeverHoldAnotherKey) {
  // One address failing as 50,000 usernames holds each of them (budget 1), and so fills
  // every bucket with holds: a key that shares a bucket with them is still not held.
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 1, .hold_s = 60});
  const auto x = ip("192.0.2.66");
  for (int i = 0; i < 50'000; ++i) {
    limiter.fail(limiter.key(x, bytes("user" + std::to_string(i))), kT0);
  }
  int held = 0;
  for (int i = 1; i < 250; ++i) {
    const auto other = ip(("10.1." + std::to_string(i) + ".1").c_str());
    held += limiter.held(limiter.key(other), kT0) ? 1 : 0;
    held += limiter.held(limiter.key(other, bytes("alice")), kT0) ? 1 : 0;
  }
  EXPECT_EQ(held, 0);
}

TEST(AuthFailureLimiter, AHold_OutlivesAFloodOfFreshKeysInItsBucket) {
  // A guesser cannot free its own hold by failing under many other usernames once each.
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 2, .hold_s = 60});
  const auto x = ip("192.0.2.66");
  const uint64_t alice = limiter.key(x, bytes("alice"));
  limiter.fail(alice, kT0);
  ASSERT_TRUE(limiter.fail(alice, kT0));
  for (int i = 0; i < 50'000; ++i) {
    limiter.fail(limiter.key(x, bytes("user" + std::to_string(i))), kT0 + 1);
  }
  EXPECT_TRUE(limiter.held(alice, kT0 + 2));
}

TEST(AuthFailureLimiter, IpAndUsernameKeys_AreSeparate) {
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 2, .hold_s = 60});
  const auto x = ip("192.0.2.7");
  const uint64_t alice = limiter.key(x, bytes("alice"));
  const uint64_t bob = limiter.key(x, bytes("bob"));
  EXPECT_NE(alice, bob);
  EXPECT_NE(alice, limiter.key(x));
  EXPECT_EQ(alice, limiter.key(ip("192.0.2.7", 4000), bytes("alice"))) << "the port is no part";
  limiter.fail(alice, kT0);
  ASSERT_TRUE(limiter.fail(alice, kT0));
  EXPECT_TRUE(limiter.held(alice, kT0));
  EXPECT_FALSE(limiter.held(bob, kT0));
  EXPECT_FALSE(limiter.held(limiter.key(x), kT0));
}

TEST(AuthFailureLimiter, Ipv6Sources_CountAsTheirSlash64) {
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 2, .hold_s = 60});
  EXPECT_EQ(limiter.key(ip("2001:db8:1:2::1")), limiter.key(ip("2001:db8:1:2:ffff::9")));
  EXPECT_NE(limiter.key(ip("2001:db8:1:2::1")), limiter.key(ip("2001:db8:1:3::1")));
  EXPECT_EQ(limiter.key(ip("2001:db8:1:2::1"), bytes("alice")),
            limiter.key(ip("2001:db8:1:2::7"), bytes("alice")));
}

TEST(AuthFailureLimiter, ZeroBudget_NeverHolds) {
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 0, .hold_s = 60});
  const uint64_t key = limiter.key(ip("192.0.2.1"));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.fail(key, kT0));
  EXPECT_FALSE(limiter.held(key, kT0));
}

TEST(AuthFailureLimiter, SharedByThreads_TheBudgetHoldsAcrossThem) {
  // Workers share one limiter: 4 threads failing 100 times each from one source start
  // exactly one hold between them, after exactly `per_source` failures.
  AuthFailureLimiter limiter({.per_connection = 0, .per_source = 50, .hold_s = 60});
  const uint64_t key = limiter.key(ip("192.0.2.1"));
  std::atomic<int> holds{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) holds += limiter.fail(key, kT0) ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(holds.load(), 1);
  EXPECT_TRUE(limiter.held(key, kT0));
}

}  // namespace
}  // namespace tern
