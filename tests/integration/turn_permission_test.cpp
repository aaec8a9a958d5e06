// CreatePermission and what permissions let through, against a real ternd (RFC 8656 §9,
// §11.3): several peers in one request, IP-only matching, silent drops, expiry, and
// peers of a family the allocation has no relayed address for.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "protocol/stun_constants.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

class TurnPermissionTest : public TurnTest {};

TransportAddress v4(uint8_t last, uint16_t port = 0) {
  return TransportAddress::v4({127, 0, 0, last}, port);
}

TEST_F(TurnPermissionTest, CreatePermission_SeveralPeers_InstallsEveryOne) {
  const bool ipv6 = ipv6_loopback_available();
  ASSERT_NO_FATAL_FAILURE(start());
  AllocateOptions dual;
  if (ipv6) dual.additional_family = Family::V6;
  auto c = allocated(Transport::Udp, IpVersion::V4, dual);
  ASSERT_TRUE(c);
  std::vector<UdpPeer> peers;
  for (auto ip : {v4(2), v4(3)}) {
    auto p = peer(ip);
    ASSERT_TRUE(p);
    peers.push_back(std::move(*p));
  }
  if (ipv6) {
    auto p = peer(IpVersion::V6);
    ASSERT_TRUE(p);
    peers.push_back(std::move(*p));
  }
  std::vector<TransportAddress> addresses;
  for (const auto& p : peers) addresses.push_back(p.address());
  ASSERT_TRUE(IsSuccess(c->create_permission(addresses)));

  for (auto& p : peers) {
    const std::string text = "from " + p.address().to_string();
    ASSERT_TRUE(p.send_to(c->relayed(p.address().family), payload(text)));
    auto got = c->receive_data();
    ASSERT_TRUE(got) << text << ": " << to_string(got.error());
    EXPECT_EQ(text_of(got->data), text);
    EXPECT_EQ(got->peer, p.address());
  }
}

TEST_F(TurnPermissionTest, PeerWithoutPermission_IsDroppedSilently_AndCounted) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto allowed = peer(v4(2));
  auto stranger = peer(v4(3));
  ASSERT_TRUE(c && allowed && stranger);
  ASSERT_TRUE(IsSuccess(c->create_permission({allowed->address()})));

  const TransportAddress relayed = c->relayed(Family::V4);
  ASSERT_TRUE(stranger->send_to(relayed, payload("stranger")));
  // Both reach the same relay socket in order, so the first thing relayed shows whether
  // the stranger's datagram got through.
  ASSERT_TRUE(allowed->send_to(relayed, payload("allowed")));
  auto got = c->receive_data();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(text_of(got->data), "allowed");
  EXPECT_EQ(got->peer, allowed->address());
  auto more = c->receive_data(300ms);
  EXPECT_FALSE(more) << "also relayed: " << text_of(more->data);

  auto counters = stop_and_count();
  EXPECT_EQ(counters["peer_dropped_no_permission"], 1u);
}

TEST_F(TurnPermissionTest, Permission_MatchesTheIpOnly_AnotherPortOfThatIpGetsThrough) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto first = peer(v4(2));
  auto second = peer(v4(2));
  ASSERT_TRUE(c && first && second);
  ASSERT_NE(first->address().port, second->address().port);
  ASSERT_TRUE(IsSuccess(c->create_permission({first->address()})));

  ASSERT_TRUE(second->send_to(c->relayed(Family::V4), payload("other port")));
  auto got = c->receive_data();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(text_of(got->data), "other port");
  EXPECT_EQ(got->peer, second->address());
}

TEST_F(TurnPermissionTest, Permission_Expires_ThenARenewedOneLetsDataThroughAgain) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--permission-lifetime", "2"}}));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  const TransportAddress relayed = c->relayed(Family::V4);
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));
  ASSERT_TRUE(p->send_to(relayed, payload("fresh")));
  ASSERT_TRUE(c->receive_data()) << "not relayed while the permission was fresh";

  std::this_thread::sleep_for(3500ms);
  ASSERT_TRUE(p->send_to(relayed, payload("expired")));
  auto dropped = c->receive_data(500ms);
  EXPECT_FALSE(dropped) << "relayed after expiry: " << text_of(dropped->data);

  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));
  ASSERT_TRUE(p->send_to(relayed, payload("renewed")));
  auto got = c->receive_data();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(text_of(got->data), "renewed");

  auto counters = stop_and_count();
  EXPECT_EQ(counters["peer_dropped_no_permission"], 1u);
}

TEST_F(TurnPermissionTest, PeerOfAFamilyWithoutRelayedAddress_Is443) {
  if (needs_ipv6_but_missing(IpVersion::V6)) GTEST_SKIP() << "no IPv6 loopback";
  ASSERT_NO_FATAL_FAILURE(start());
  auto only4 = allocated(Transport::Udp, IpVersion::V4);
  auto only6 = allocated(Transport::Udp, IpVersion::V4, {.family = Family::V6});
  ASSERT_TRUE(only4 && only6);
  const TransportAddress peer6 = loopback(IpVersion::V6, 40000);
  const TransportAddress peer4 = loopback(IpVersion::V4, 40000);
  EXPECT_TRUE(IsError(only4->create_permission({peer6}), 443));
  EXPECT_TRUE(IsError(only4->channel_bind(0x4000, peer6), 443));
  EXPECT_TRUE(IsError(only6->create_permission({peer4}), 443));
  EXPECT_TRUE(IsError(only6->channel_bind(0x4000, peer4), 443));
}

TEST_F(TurnPermissionTest, CreatePermission_WithoutAPeer_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->create_permission({}), 400));
}

TEST_F(TurnPermissionTest, CreatePermission_WithoutAnAllocation_Is437) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->create_permission({v4(2, 40000)}), 437));
}

}  // namespace
}  // namespace tern::test
