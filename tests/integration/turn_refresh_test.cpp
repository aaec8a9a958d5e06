// Refresh and allocation lifetime against a real ternd (RFC 8656 §8): extending, deleting
// with LIFETIME 0, and expiry.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "protocol/turn_address_family.h"
#include "protocol/turn_attributes.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

class TurnRefreshTest : public TurnIpVersionTest {};

TEST_P(TurnRefreshTest, Refresh_ExtendsTheAllocation_AndReturnsTheLifetimeGranted) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, version());
  ASSERT_TRUE(c);
  auto longer = c->refresh(1200);
  ASSERT_TRUE(IsSuccess(longer));
  EXPECT_EQ(longer->lifetime(), 1200u) << *longer;
  auto plain = c->refresh(std::nullopt);
  ASSERT_TRUE(IsSuccess(plain));
  EXPECT_EQ(plain->lifetime(), 600u) << *plain;
}

TEST_P(TurnRefreshTest, Refresh_LifetimeZero_DeletesTheAllocationAndItsRelayPort) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, version(), {.family = family()});
  auto p = peer(version());
  ASSERT_TRUE(c && p);
  const TransportAddress relayed = c->relayed(family());
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));
  // While it lives, the relay forwards.
  ASSERT_TRUE(p->send_to(relayed, payload("before")));
  auto before = c->receive_data();
  ASSERT_TRUE(before) << to_string(before.error());
  EXPECT_EQ(text_of(before->data), "before");

  auto deleted = c->refresh(0);
  ASSERT_TRUE(IsSuccess(deleted));
  EXPECT_EQ(deleted->lifetime(), 0u) << *deleted;

  EXPECT_TRUE(IsError(c->refresh(600), 437));
  ASSERT_TRUE(p->send_to(relayed, payload("after")));
  auto after = c->receive_data(500ms);
  EXPECT_FALSE(after) << "relayed after the delete: " << text_of(after->data);
  EXPECT_TRUE(udp_port_closed(relayed)) << relayed.to_string() << " still open";

  auto counters = stop_and_count();
  EXPECT_EQ(counters["allocations_created"], 1u);
  EXPECT_EQ(counters["allocations_deleted"], 1u);
  EXPECT_EQ(counters["allocations_expired"], 0u);
}

INSTANTIATE_TEST_SUITE_P(IpVersions, TurnRefreshTest, both_ip_versions(), ParamName());

class TurnLifetimeTest : public TurnTest {};

TEST_F(TurnLifetimeTest, Refresh_WithoutAnAllocation_Is437) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->refresh(600), 437));
}

TEST_F(TurnLifetimeTest, Refresh_NamingAFamilyTheAllocationLacks_Is443) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->request(stun::Method::Refresh, [](stun::MessageBuilder& b) {
    stun::RequestedAddressFamily{Family::V6}.add_to(b);
    stun::Lifetime{600}.add_to(b);
  });
  EXPECT_TRUE(IsError(r, 443));
}

TEST_F(TurnLifetimeTest, Allocation_PastItsLifetime_IsGone_AndCountedExpired) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--max-allocate-lifetime", "2"}}));
  auto c = connect(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  auto r = c->allocate();
  ASSERT_TRUE(IsSuccess(r));
  EXPECT_EQ(r->lifetime(), 2u) << *r;
  // Two seconds of lifetime, then up to one sweep interval.
  std::this_thread::sleep_for(3500ms);
  EXPECT_TRUE(IsError(c->create_permission({p->address()}), 437));
  auto counters = stop_and_count();
  EXPECT_EQ(counters["allocations_expired"], 1u);
}

TEST_F(TurnLifetimeTest, AllocationOverTcp_PastItsLifetime_ClosesTheConnection) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--max-allocate-lifetime", "2"}}));
  auto c = allocated(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(c);
  // Two seconds of lifetime, then up to one sweep interval: about 3 s on a quiet machine.
  // The bound leaves a loaded one its slack and stays well below the idle limit of a
  // connection with an allocation (its lifetime plus 60 s), so only expiry can close it.
  EXPECT_TRUE(c->stun().closed_within(20s));
}

TEST_F(TurnLifetimeTest, AllocationOverTcp_DeletedByRefreshZero_KeepsTheConnectionForANewOne) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--max-allocate-lifetime", "2"}}));
  auto c = allocated(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(c);
  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  std::this_thread::sleep_for(3500ms);  // past the old lifetime and a sweep
  EXPECT_TRUE(IsSuccess(c->allocate()));
}

// ...but not for as long as one with an allocation: from the Refresh it is held as a
// connection that never allocated, so max-allocate-timeout ends it.
TEST_F(TurnLifetimeTest, AllocationOverTcp_DeletedByRefreshZero_ThenEndsAtTheAllocateTimeout) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--max-allocate-timeout", "3"}}));
  auto c = allocated(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(c);
  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  // Held as allocated, its idle limit would be the longest lifetime plus 60 s.
  EXPECT_TRUE(c->stun().closed_within(20s));
  auto counters = stop_and_count();
  EXPECT_EQ(counters["stream_closed_allocate_timeout"], 1u);
}

}  // namespace
}  // namespace tern::test
