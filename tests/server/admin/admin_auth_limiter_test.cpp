#include "server/admin/admin_auth_limiter.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace tern {
namespace {

TEST(AdminAuthLimiter, BurstOfFailures_ThenBlocked_WithTheSecondsUntilTheNext) {
  AdminAuthLimiter l({.burst = 3, .per_second = 1});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(l.blocked_for("10.0.0.1", 0), 0) << i;
    l.failed("10.0.0.1", 0);
  }
  EXPECT_EQ(l.blocked_for("10.0.0.1", 0), 1);
  EXPECT_EQ(l.blocked_for("10.0.0.1", 500), 1);
  EXPECT_EQ(l.blocked_for("10.0.0.1", 1000), 0);
  l.failed("10.0.0.1", 1000);
  EXPECT_EQ(l.blocked_for("10.0.0.1", 1000), 1);
}

TEST(AdminAuthLimiter, ASlowRate_StatesTheLongerWait) {
  AdminAuthLimiter l({.burst = 1, .per_second = 0.25});
  l.failed("10.0.0.1", 0);
  EXPECT_EQ(l.blocked_for("10.0.0.1", 0), 4);
  EXPECT_EQ(l.blocked_for("10.0.0.1", 3500), 1);
  EXPECT_EQ(l.blocked_for("10.0.0.1", 4000), 0);
}

TEST(AdminAuthLimiter, OneSourcesFailures_LeaveAnotherSourceAlone) {
  AdminAuthLimiter l({.burst = 2, .per_second = 1});
  for (int i = 0; i < 10; ++i) l.failed("10.0.0.1", 0);
  EXPECT_GT(l.blocked_for("10.0.0.1", 0), 0);
  EXPECT_EQ(l.blocked_for("10.0.0.2", 0), 0);
}

TEST(AdminAuthLimiter, TableFull_NewSourcesShareOneBudget_FullBucketsAreForgotten) {
  AdminAuthLimiter l({.burst = 1, .per_second = 1, .max_sources = 4});
  for (int i = 0; i < 4; ++i) l.failed("10.0.0." + std::to_string(i), 0);
  l.failed("10.0.1.1", 0);  // the table is full: the shared budget pays
  EXPECT_GT(l.blocked_for("10.0.1.2", 0), 0) << "a new source shares the spent budget";
  // A second later every bucket is full again and the table makes room.
  l.failed("10.0.2.1", 1000);
  EXPECT_GT(l.blocked_for("10.0.2.1", 1000), 0);
  EXPECT_EQ(l.blocked_for("10.0.0.1", 1000), 0);
}

TEST(AdminSourceKey, IPv4Whole_IPv6ByItsSlash64_UnixIsLocal) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.2", &v4.sin_addr);
  EXPECT_EQ(admin_source_key(reinterpret_cast<sockaddr*>(&v4)), "127.0.0.2");
  sockaddr_in6 a{}, b{};
  a.sin6_family = b.sin6_family = AF_INET6;
  ::inet_pton(AF_INET6, "2001:db8:1:2::1", &a.sin6_addr);
  ::inet_pton(AF_INET6, "2001:db8:1:2:ffff::9", &b.sin6_addr);
  EXPECT_EQ(admin_source_key(reinterpret_cast<sockaddr*>(&a)), "2001:db8:1:2::/64");
  EXPECT_EQ(admin_source_key(reinterpret_cast<sockaddr*>(&a)),
            admin_source_key(reinterpret_cast<sockaddr*>(&b)));
  sockaddr unix_peer{};
  unix_peer.sa_family = AF_UNIX;
  EXPECT_EQ(admin_source_key(&unix_peer), "local");
  EXPECT_EQ(admin_source_key(nullptr), "local");
}

TEST(LogThrottle, OneLinePerInterval_CarryingTheCountSwallowed) {
  LogThrottle t(10'000);
  uint64_t suppressed = 99;
  EXPECT_TRUE(t.allow(0, suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_FALSE(t.allow(1, suppressed));
  EXPECT_FALSE(t.allow(9'999, suppressed));
  EXPECT_TRUE(t.allow(10'000, suppressed));
  EXPECT_EQ(suppressed, 2u);
}

}  // namespace
}  // namespace tern
