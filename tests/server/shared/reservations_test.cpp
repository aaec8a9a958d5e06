#include "server/shared/reservations.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <set>
#include <vector>

#include "base/socket_address.h"
#include "base/sockets.h"
#include "tests/support/relay_port_range.h"

namespace tern {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const TransportAddress kLoopback = *parse_ip("127.0.0.1");

// A pool of one even/odd pair, the even port leased as an allocation would, the odd one
// reserved for alice, who has a quota of 2.
struct ReservedPair {
  test::EvenPortRange range = test::free_even_udp_port_range(2);
  uint16_t base = range.base;
  RelayPorts pool{kLoopback, base, static_cast<uint16_t>(base + 1)};
  Quotas quotas{2, 0};  // before reservations: the charges point here
  Reservations reservations;
  PortLease even;
  ReservationToken token{};
  Clock::time_point t0 = Clock::now();

  ReservedPair() {
    auto pair = pool.acquire_pair();
    if (!pair) {
      ADD_FAILURE() << pair.error().reason;
      return;
    }
    even = std::move(pair->first);
    auto charges = quotas.try_charge("alice");
    if (charges.size() != 1) ADD_FAILURE() << "alice's quota refused the reservation";
    auto t = reservations.reserve(std::move(pair->second), std::move(charges.front()), t0);
    if (!t) ADD_FAILURE() << "reserve failed";
    token = t.value_or(ReservationToken{});
  }
};

TEST(Reservations, Reserve_HoldsAPlaceInItsUsersQuota_ExpiryGivesItBack) {
  ReservedPair r;
  EXPECT_EQ(r.quotas.count_for("alice"), 1u);
  EXPECT_EQ(r.quotas.total(), 1u);
  r.reservations.expire(r.t0 + 30s);
  EXPECT_EQ(r.quotas.count_for("alice"), 1u) << "30 s is still held";
  r.reservations.expire(r.t0 + 31s);
  EXPECT_EQ(r.quotas.count_for("alice"), 0u);
  EXPECT_EQ(r.quotas.total(), 0u);
}

TEST(Reservations, Take_BySameUser_BringsThePlaceAlong_CountedOnce) {
  ReservedPair r;
  auto taken = r.reservations.take(r.token, "alice", r.t0 + 1s);
  ASSERT_TRUE(taken);
  EXPECT_TRUE(taken->charge.held());
  EXPECT_EQ(taken->charge.user(), "alice");
  EXPECT_EQ(r.quotas.count_for("alice"), 1u);
  taken->charge.reset();
  EXPECT_EQ(r.quotas.count_for("alice"), 0u);
}

TEST(Reservations, Take_ByAnotherUser_MovesThePlaceToTheClaimer) {
  ReservedPair r;
  auto taken = r.reservations.take(r.token, "bob", r.t0 + 1s);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->charge.user(), "bob");
  EXPECT_EQ(r.quotas.count_for("alice"), 0u);
  EXPECT_EQ(r.quotas.count_for("bob"), 1u);
  EXPECT_EQ(r.quotas.total(), 1u);
}

TEST(Reservations, Take_ByAnotherUserWithAFullQuota_IsQuotaReached_ReservationStays) {
  ReservedPair r;
  auto bobs = r.quotas.try_charge("bob", 2);
  ASSERT_EQ(bobs.size(), 2u);
  auto refused = r.reservations.take(r.token, "bob", r.t0 + 1s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), ClaimError::QuotaReached);
  EXPECT_EQ(r.reservations.size(), 1u);
  EXPECT_EQ(r.quotas.count_for("alice"), 1u);
  EXPECT_EQ(r.quotas.count_for("bob"), 2u);
  EXPECT_TRUE(r.reservations.take(r.token, "alice", r.t0 + 2s)) << "still there for alice";
}

TEST(Reservations, Take_AfterTheHold_IsInvalid_GivesThePlaceBack) {
  ReservedPair r;
  auto late = r.reservations.take(r.token, "alice", r.t0 + 31s);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error(), ClaimError::Invalid);
  EXPECT_EQ(r.quotas.count_for("alice"), 0u);
}

TEST(Reservations, Take_WithToken_ReturnsTheReservedBoundPort) {
  ReservedPair r;
  EXPECT_EQ(r.reservations.size(), 1u);
  auto taken = r.reservations.take(r.token, "alice", r.t0 + 1s);
  ASSERT_TRUE(taken);
  const PortLease& lease = taken->lease;
  EXPECT_EQ(lease.port(), r.base + 1);
  const auto bound = local_address(lease.fd());
  ASSERT_TRUE(bound);
  EXPECT_EQ(*bound, lease.address());
  EXPECT_EQ(r.reservations.size(), 0u);
}

TEST(Reservations, Take_Twice_SecondFails) {
  ReservedPair r;
  auto first = r.reservations.take(r.token, "alice", r.t0);
  ASSERT_TRUE(first);
  EXPECT_FALSE(r.reservations.take(r.token, "alice", r.t0));
  EXPECT_EQ(r.pool.in_use(), 2u) << "the taken lease still holds its port";
}

TEST(Reservations, Take_UnknownToken_Fails) {
  ReservedPair r;
  ReservationToken other = r.token;
  other[7] ^= 1;
  EXPECT_FALSE(r.reservations.take(other, "alice", r.t0));
  EXPECT_EQ(r.reservations.size(), 1u) << "a wrong guess does not cancel the reservation";
}

TEST(Reservations, Take_AtExactlyTheHold_StillWorks) {
  ReservedPair r;
  EXPECT_TRUE(r.reservations.take(r.token, "alice", r.t0 + 30s));
}

TEST(Reservations, Take_AfterTheHold_FailsAndThePortReturnsToThePool) {
  ReservedPair r;
  ASSERT_EQ(r.pool.in_use(), 2u);
  EXPECT_FALSE(r.reservations.take(r.token, "alice", r.t0 + 30s + 1ms));
  EXPECT_EQ(r.pool.in_use(), 1u);
  auto again = r.pool.acquire();
  ASSERT_TRUE(again) << again.error().reason;
  EXPECT_EQ(again->port(), r.base + 1);
}

TEST(Reservations, Reserved_PortIsNotHandedOutByThePool) {
  ReservedPair r;
  r.even.reset();
  auto lease = r.pool.acquire();
  ASSERT_TRUE(lease) << lease.error().reason;
  EXPECT_EQ(lease->port(), r.base);
  EXPECT_FALSE(r.pool.acquire()) << "the odd port is reserved";
}

TEST(Reservations, Expire_FreesOnlyTheExpired) {
  const test::EvenPortRange range = test::free_even_udp_port_range(4);
  const uint16_t base = range.base;
  RelayPorts pool(kLoopback, base, static_cast<uint16_t>(base + 3));
  Reservations reservations(30s);
  const auto t0 = Clock::now();
  auto a = pool.acquire();
  auto b = pool.acquire();
  ASSERT_TRUE(a && b);
  const auto token_a = reservations.reserve(std::move(*a), QuotaCharge{}, t0);
  const auto token_b = reservations.reserve(std::move(*b), QuotaCharge{}, t0 + 20s);
  ASSERT_TRUE(token_a && token_b);

  reservations.expire(t0 + 30s);
  EXPECT_EQ(pool.in_use(), 2u) << "30 s is still held";
  reservations.expire(t0 + 31s);
  EXPECT_EQ(pool.in_use(), 1u);
  EXPECT_EQ(reservations.size(), 1u);
  EXPECT_FALSE(reservations.take(*token_a, "alice", t0 + 31s));
  EXPECT_TRUE(reservations.take(*token_b, "alice", t0 + 31s));
}

TEST(Reservations, Expire_SkipsReservationsAlreadyTaken) {
  const test::EvenPortRange range = test::free_even_udp_port_range(4);
  const uint16_t base = range.base;
  RelayPorts pool(kLoopback, base, static_cast<uint16_t>(base + 3));
  Reservations reservations(30s);
  const auto t0 = Clock::now();
  const auto token = reservations.reserve(std::move(*pool.acquire()), QuotaCharge{}, t0);
  ASSERT_TRUE(token);
  auto taken = reservations.take(*token, "alice", t0 + 1s);
  ASSERT_TRUE(taken);
  reservations.expire(t0 + 60s);
  EXPECT_TRUE(taken->lease.valid());
  EXPECT_EQ(pool.in_use(), 1u) << "expiry must not free a port its taker now holds";
}

TEST(Reservations, Reserve_AlsoExpiresOldReservations) {
  const test::EvenPortRange range = test::free_even_udp_port_range(4);
  const uint16_t base = range.base;
  RelayPorts pool(kLoopback, base, static_cast<uint16_t>(base + 3));
  Reservations reservations(30s);
  const auto t0 = Clock::now();
  ASSERT_TRUE(reservations.reserve(std::move(*pool.acquire()), QuotaCharge{}, t0));
  ASSERT_TRUE(reservations.reserve(std::move(*pool.acquire()), QuotaCharge{}, t0 + 31s));
  EXPECT_EQ(reservations.size(), 1u);
  EXPECT_EQ(pool.in_use(), 1u);
}

TEST(Reservations, Reserve_TokensAreRandom) {
  const test::EvenPortRange range = test::free_even_udp_port_range(8);
  const uint16_t base = range.base;
  RelayPorts pool(kLoopback, base, static_cast<uint16_t>(base + 7));
  Reservations reservations;
  const auto t0 = Clock::now();
  std::set<ReservationToken> tokens;
  for (int i = 0; i < 8; ++i) {
    const auto token = reservations.reserve(std::move(*pool.acquire()), QuotaCharge{}, t0);
    ASSERT_TRUE(token);
    EXPECT_NE(*token, ReservationToken{});
    tokens.insert(*token);
  }
  EXPECT_EQ(tokens.size(), 8u);
}

TEST(Reservations, Destroyed_GivesEveryPlaceBack) {
  Quotas quotas(0, 0);
  const test::EvenPortRange range = test::free_even_udp_port_range(2);
  const uint16_t base = range.base;
  RelayPorts pool(kLoopback, base, static_cast<uint16_t>(base + 1));
  {
    Reservations reservations;
    for (int i = 0; i < 2; ++i) {
      auto charges = quotas.try_charge("alice");
      ASSERT_EQ(charges.size(), 1u);
      ASSERT_TRUE(reservations.reserve(std::move(*pool.acquire()), std::move(charges.front()),
                                       Clock::now()));
    }
    EXPECT_EQ(quotas.count_for("alice"), 2u);
  }
  EXPECT_EQ(quotas.count_for("alice"), 0u);
  EXPECT_EQ(quotas.total(), 0u);
}

TEST(Reservations, Destroyed_GivesEveryPortBack) {
  const test::EvenPortRange range = test::free_even_udp_port_range(4);
  const uint16_t base = range.base;
  RelayPorts pool(kLoopback, base, static_cast<uint16_t>(base + 3));
  {
    Reservations reservations;
    ASSERT_TRUE(reservations.reserve(std::move(*pool.acquire()), QuotaCharge{}, Clock::now()));
    EXPECT_EQ(pool.in_use(), 1u);
  }
  EXPECT_EQ(pool.in_use(), 0u);
}

}  // namespace
}  // namespace tern
