// Several relay IPs per family: allocations take turns over them, a full range is skipped,
// and only when every range of the family is full does Allocate get 508.
#include "server/shared/relay_pools.h"
#include "tests/base/test_addresses.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace tern {
namespace {

using test::ip;

// Ports high in the range, well above what the kernel hands out to other tests.
constexpr uint16_t kMin = 64000;

TEST(RelayPools, TakesTurnsOverTheRelayIpsOfAFamily) {
  RelayPools pools({ip("127.0.0.1"), ip("127.0.0.2"), ip("127.0.0.3")}, kMin, kMin + 49);
  std::map<std::string, int> per_ip;
  std::vector<PortLease> held;
  for (int i = 0; i < 30; ++i) {
    auto lease = pools.acquire(Family::V4);
    ASSERT_TRUE(lease) << lease.error().reason;
    per_ip[lease->address().ip_string()]++;
    held.push_back(std::move(*lease));
  }
  EXPECT_EQ(per_ip,
            (std::map<std::string, int>{{"127.0.0.1", 10}, {"127.0.0.2", 10}, {"127.0.0.3", 10}}));
}

TEST(RelayPools, AFullRange_IsSkipped_UntilEveryRangeIsFull) {
  RelayPools pools({ip("127.0.0.1"), ip("127.0.0.2")}, kMin + 100, kMin + 103);  // 4 each
  std::vector<PortLease> held;
  for (int i = 0; i < 8; ++i) {
    auto lease = pools.acquire(Family::V4);
    ASSERT_TRUE(lease) << "lease " << i << ": " << lease.error().reason;
    held.push_back(std::move(*lease));
  }
  auto ninth = pools.acquire(Family::V4);
  ASSERT_FALSE(ninth);
  EXPECT_EQ(ninth.error().kind, AcquireError::Kind::Exhausted);
  EXPECT_NE(ninth.error().reason.find("every other relay IP"), std::string::npos)
      << ninth.error().reason;

  held.erase(held.begin());  // one port back on one IP: the next acquire finds it
  EXPECT_TRUE(pools.acquire(Family::V4));
}

TEST(RelayPools, EvenPortPairs_StayOnOneIp) {
  RelayPools pools({ip("127.0.0.1"), ip("127.0.0.2")}, kMin + 200, kMin + 209);
  for (int i = 0; i < 4; ++i) {
    auto pair = pools.acquire_pair(Family::V4);
    ASSERT_TRUE(pair) << pair.error().reason;
    EXPECT_EQ(pair->first.address().ip, pair->second.address().ip);
    EXPECT_EQ(pair->first.port() % 2, 0);
    EXPECT_EQ(pair->second.port(), pair->first.port() + 1);
  }
}

TEST(RelayPools, IsLeased_KnowsWhichIpAndPortAreHeld) {
  RelayPools pools({ip("127.0.0.1"), ip("127.0.0.2")}, kMin + 300, kMin + 309);
  auto a = pools.acquire(Family::V4);
  auto b = pools.acquire(Family::V4);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(pools.is_leased(a->address()));
  EXPECT_TRUE(pools.is_leased(b->address()));
  TransportAddress other_ip = a->address();
  other_ip.ip = b->address().ip;
  if (other_ip.port != b->port()) {
    EXPECT_FALSE(pools.is_leased(other_ip));
  }
  const TransportAddress held = a->address();
  a->reset();
  EXPECT_FALSE(pools.is_leased(held));
}

TEST(RelayPools, AFamilyWithoutRelayIp_IsNotServed) {
  RelayPools pools({ip("127.0.0.1")}, kMin + 400, kMin + 409);
  EXPECT_TRUE(pools.serves(Family::V4));
  EXPECT_FALSE(pools.serves(Family::V6));
  EXPECT_FALSE(pools.acquire(Family::V6));
}

// A reload: new allocations take the IPs now named; a lease on an IP no longer named stays
// leased (the peer policy still sees it) until it is given back.
TEST(RelayPools, Reconfigured_NewIpTakesAllocations_RetiredIpKeepsItsLeases) {
  RelayPools pools({ip("127.0.0.1")}, kMin + 500, kMin + 509);
  auto old = pools.acquire(Family::V4);
  ASSERT_TRUE(old);
  ASSERT_TRUE(pools.reconfigure({ip("127.0.0.2")}, kMin + 500, kMin + 509));
  for (int i = 0; i < 4; ++i) {
    auto fresh = pools.acquire(Family::V4);
    ASSERT_TRUE(fresh) << fresh.error().reason;
    EXPECT_EQ(fresh->address().ip_string(), "127.0.0.2");
  }
  EXPECT_TRUE(pools.is_leased(old->address()));
  EXPECT_EQ(pools.active().size(), 1u);
  EXPECT_EQ(pools.pools().size(), 2u);
  const TransportAddress held = old->address();
  old->reset();
  EXPECT_FALSE(pools.is_leased(held));
}

TEST(RelayPools, ReconfiguredBackToAnIp_TakesItsOldPoolBack) {
  RelayPools pools({ip("127.0.0.1")}, kMin + 600, kMin + 609);
  auto held = pools.acquire(Family::V4);
  ASSERT_TRUE(held);
  ASSERT_TRUE(pools.reconfigure({ip("127.0.0.2")}, kMin + 600, kMin + 609));
  ASSERT_TRUE(pools.reconfigure({ip("127.0.0.1")}, kMin + 600, kMin + 609));
  EXPECT_EQ(pools.pools().size(), 2u);
  EXPECT_EQ(pools.active().front()->in_use(), 1u);  // the lease taken before is known
}

TEST(RelayPools, ReconfiguredRange_NewAllocationsTakeTheNewOne) {
  RelayPools pools({ip("127.0.0.1")}, kMin + 700, kMin + 709);
  ASSERT_TRUE(pools.reconfigure({ip("127.0.0.1")}, kMin + 720, kMin + 729));
  for (int i = 0; i < 5; ++i) {
    auto lease = pools.acquire(Family::V4);
    ASSERT_TRUE(lease) << lease.error().reason;
    EXPECT_GE(lease->port(), kMin + 720);
    EXPECT_LE(lease->port(), kMin + 729);
  }
}

}  // namespace
}  // namespace tern
