// Allocate against a real ternd (RFC 8656 §7.2 with RFC 6156's address families): what a
// success carries, and every error the section names.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "protocol/message_builder.h"
#include "protocol/stun_constants.h"
#include "tests/support/relay_port_range.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using stun::Method;

constexpr uint16_t kDefaultMinPort = 49152;
constexpr uint16_t kDefaultMaxPort = 65535;

class TurnAllocateTest : public TurnTest {};

class TurnAllocateSuccessTest : public TurnTransportTest {};

TEST_P(TurnAllocateSuccessTest, CarriesRelayedAddressLifetimeAndTheClientsMappedAddress) {
  ASSERT_NO_FATAL_FAILURE(start_for_transport());
  auto c = connect(transport(), version());
  ASSERT_TRUE(c);
  auto r = c->allocate();
  ASSERT_TRUE(IsSuccess(r));
  auto relayed = r->relayed();
  ASSERT_EQ(relayed.size(), 1u) << *r;
  // RFC 6156 §4.2: IPv4 unless the client asks for another family.
  EXPECT_EQ(relayed[0].ip_string(), "127.0.0.1");
  EXPECT_GE(relayed[0].port, kDefaultMinPort);
  EXPECT_LE(relayed[0].port, kDefaultMaxPort);
  EXPECT_EQ(r->lifetime(), 600u) << *r;
  EXPECT_EQ(r->mapped(), c->local_address()) << *r;
}

INSTANTIATE_TEST_SUITE_P(Transports, TurnAllocateSuccessTest, every_transport_on_both_ip_versions(),
                         ParamName());

TEST_F(TurnAllocateTest, Lifetime_AboveTheMaximum_IsClampedToMaxAllocateLifetime) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--max-allocate-lifetime", "100"}}));
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->allocate({.lifetime = 5000});
  ASSERT_TRUE(IsSuccess(r));
  EXPECT_EQ(r->lifetime(), 100u) << *r;
}

TEST_F(TurnAllocateTest, Lifetime_AboveTheDefaultMaximum_Is3600) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->allocate({.lifetime = 100000});
  ASSERT_TRUE(IsSuccess(r));
  EXPECT_EQ(r->lifetime(), 3600u) << *r;
}

TEST_F(TurnAllocateTest, Lifetime_BelowTheDefault_IsTheDefault) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->allocate({.lifetime = 30});
  ASSERT_TRUE(IsSuccess(r));
  EXPECT_EQ(r->lifetime(), 600u) << *r;
}

class TurnAllocateTransportTest : public TurnTest,
                                  public ::testing::WithParamInterface<Transport> {};

TEST_P(TurnAllocateTransportTest, SecondAllocate_SameFiveTuple_NewTransaction_Is437) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = GetParam() == Transport::Tls}));
  auto c = allocated(GetParam(), IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->allocate(), 437));
}

TEST_P(TurnAllocateTransportTest, Retransmission_SameTransaction_GetsTheSameResponseByteForByte) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = GetParam() == Transport::Tls}));
  auto c = connect(GetParam(), IpVersion::V4);
  ASSERT_TRUE(c);
  ASSERT_TRUE(
      IsError(c->send_request(Method::Allocate, allocate_body({}), {.integrity = false}), 401));
  const Bytes request = c->build_request(Method::Allocate, allocate_body({}));
  auto first = c->transact(request);
  ASSERT_TRUE(IsSuccess(first));
  auto again = c->transact(request);
  ASSERT_TRUE(IsSuccess(again));
  EXPECT_EQ(first->bytes(), again->bytes()) << *first << "\nvs\n" << *again;
}

INSTANTIATE_TEST_SUITE_P(Transports, TurnAllocateTransportTest, every_transport(), ParamName());

TEST_F(TurnAllocateTest, MissingRequestedTransport_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->allocate({.transport = std::nullopt}), 400));
}

TEST_F(TurnAllocateTest, RequestedTransportSctp_Is442) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->allocate({.transport = 132}), 442));
}

TEST_F(TurnAllocateTest, RequestedFamilyIpv6_RelaysOnTheIpv6RelayAddress) {
  if (needs_ipv6_but_missing(IpVersion::V6)) GTEST_SKIP() << "no IPv6 loopback";
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->allocate({.family = Family::V6});
  ASSERT_TRUE(IsSuccess(r));
  auto relayed = r->relayed();
  ASSERT_EQ(relayed.size(), 1u) << *r;
  EXPECT_EQ(relayed[0].ip_string(), "::1");
  EXPECT_GE(relayed[0].port, kDefaultMinPort);
}

TEST_F(TurnAllocateTest, RequestedFamilyWithoutARelayAddress_Is440) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false}));
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->allocate({.family = Family::V6}), 440));
}

TEST_F(TurnAllocateTest, DualStack_GetsTwoRelayedAddresses) {
  if (needs_ipv6_but_missing(IpVersion::V6)) GTEST_SKIP() << "no IPv6 loopback";
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->allocate({.additional_family = Family::V6});
  ASSERT_TRUE(IsSuccess(r));
  auto relayed = r->relayed();
  ASSERT_EQ(relayed.size(), 2u) << *r;
  EXPECT_EQ(relayed[0].ip_string(), "127.0.0.1");
  EXPECT_EQ(relayed[1].ip_string(), "::1");
  EXPECT_FALSE(r->address_error()) << *r;
}

TEST_F(TurnAllocateTest, DualStack_WithoutAnIpv6Relay_SucceedsWithIpv4AndAddressErrorCode440) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false}));
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->allocate({.additional_family = Family::V6});
  ASSERT_TRUE(IsSuccess(r));
  auto relayed = r->relayed();
  ASSERT_EQ(relayed.size(), 1u) << *r;
  EXPECT_EQ(relayed[0].family, Family::V4);
  auto error = r->address_error();
  ASSERT_TRUE(error) << *r;
  EXPECT_EQ(error->family, Family::V6);
  EXPECT_EQ(error->code, 440);
}

TEST_F(TurnAllocateTest, RequestedAndAdditionalFamilyTogether_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->allocate({.family = Family::V4, .additional_family = Family::V6}), 400));
}

TEST_F(TurnAllocateTest, AdditionalFamilyIpv4_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  // RFC 8656 §7.2: only IPv6 can be the additional family.
  EXPECT_TRUE(IsError(c->allocate({.additional_family = Family::V4}), 400));
}

TEST_F(TurnAllocateTest, RequestedFamilyUnknown_Is440) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->request(Method::Allocate, [](stun::MessageBuilder& b) {
    allocate_body({})(b);
    b.add_u32(stun::attr::RequestedAddressFamily, 0x03000000);
  });
  EXPECT_TRUE(IsError(r, 440));
}

TEST_F(TurnAllocateTest, ReservationTokenWithRequestedFamily_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(
      c->allocate({.family = Family::V4, .reservation_token = std::array<uint8_t, 8>{1, 2, 3}}),
      400));
}

TEST_F(TurnAllocateTest, ReservationTokenWithEvenPort_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(
      c->allocate({.even_port = false, .reservation_token = std::array<uint8_t, 8>{1, 2, 3}}),
      400));
}

TEST_F(TurnAllocateTest, EvenPort_RelayedPortIsEven) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->allocate({.even_port = false});
  ASSERT_TRUE(IsSuccess(r));
  ASSERT_EQ(r->relayed().size(), 1u) << *r;
  EXPECT_EQ(r->relayed()[0].port % 2, 0) << r->relayed()[0].to_string();
  EXPECT_FALSE(r->reservation_token()) << *r;
}

TEST_F(TurnAllocateTest, EvenPortWithR_ReservesTheNextPortForTheToken) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto first = connect(Transport::Udp, IpVersion::V4);
  auto second = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(first && second);
  auto r = first->allocate({.even_port = true});
  ASSERT_TRUE(IsSuccess(r));
  auto token = r->reservation_token();
  ASSERT_TRUE(token) << *r;
  const TransportAddress even = first->relayed(Family::V4);
  EXPECT_EQ(even.port % 2, 0) << even.to_string();

  auto taken = second->allocate({.reservation_token = *token});
  ASSERT_TRUE(IsSuccess(taken));
  EXPECT_EQ(second->relayed(Family::V4).ip_string(), even.ip_string());
  EXPECT_EQ(second->relayed(Family::V4).port, even.port + 1);
}

TEST_F(TurnAllocateTest, ReservationToken_UsedTwice_SecondIs508) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto first = connect(Transport::Udp, IpVersion::V4);
  auto second = connect(Transport::Udp, IpVersion::V4);
  auto third = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(first && second && third);
  auto r = first->allocate({.even_port = true});
  ASSERT_TRUE(IsSuccess(r));
  ASSERT_TRUE(r->reservation_token()) << *r;
  ASSERT_TRUE(IsSuccess(second->allocate({.reservation_token = *r->reservation_token()})));
  EXPECT_TRUE(IsError(third->allocate({.reservation_token = *r->reservation_token()}), 508));
}

TEST_F(TurnAllocateTest, BogusReservationToken_Is508) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(
      c->allocate({.reservation_token = std::array<uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8}}), 508));
}

TEST_F(TurnAllocateTest, UserQuota_ThirdAllocationOfOneUser_Is486_OtherUsersUnaffected) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--user-quota", "2", "--user", "bob:hunter2"}}));
  for (int i = 0; i < 2; ++i) {
    auto c = allocated(Transport::Udp, IpVersion::V4);
    ASSERT_TRUE(c) << "allocation " << i;
  }
  auto third = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(third);
  EXPECT_TRUE(IsError(third->allocate(), 486));
  auto bob = connect(Transport::Udp, IpVersion::V4, {.username = "bob", .password = "hunter2"});
  ASSERT_TRUE(bob);
  EXPECT_TRUE(IsSuccess(bob->allocate()));
}

TEST_F(TurnAllocateTest, TotalQuota_AllocationBeyondIt_Is486ForAnyUser) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--total-quota", "2", "--user", "bob:hunter2"}}));
  // Clients are kept: an allocation lives as long as nobody deletes it, not as its socket.
  auto a = allocated(Transport::Udp, IpVersion::V4);
  auto b = allocated(Transport::Udp, IpVersion::V4, {}, {.username = "bob", .password = "hunter2"});
  ASSERT_TRUE(a && b);
  auto bob = connect(Transport::Udp, IpVersion::V4, {.username = "bob", .password = "hunter2"});
  ASSERT_TRUE(bob);
  EXPECT_TRUE(IsError(bob->allocate(), 486));
}

TEST_F(TurnAllocateTest, RelayPortsExhausted_Is508) {
  auto range = free_udp_port_range(2);
  ASSERT_TRUE(range) << "no two free UDP ports";
  ASSERT_NO_FATAL_FAILURE(start({.extra = range->args()}));
  auto a = allocated(Transport::Udp, IpVersion::V4);
  auto b = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->relayed(Family::V4).port, b->relayed(Family::V4).port);
  for (int i = 0; i < 2; ++i) {
    auto c = connect(Transport::Udp, IpVersion::V4);
    ASSERT_TRUE(c);
    EXPECT_TRUE(IsError(c->allocate(), 508));
  }
  // The log says why, once, not once per refused client: a full range under load would
  // flood it.
  const std::string log = ternd().log();
  const auto first = log.find("allocation refused with 508: no free relay port on 127.0.0.1");
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("allocation refused with 508", first + 1), std::string::npos) << log;
}

TEST_F(TurnAllocateTest, UnclaimedReservation_GivesItsPortBackAfterItsHold_OnAQuietServer) {
  // One even/odd pair: while the odd port stays reserved, no other pair exists.
  const auto range = free_udp_port_range(3);
  ASSERT_TRUE(range) << "no three free UDP ports";
  const auto even = static_cast<uint16_t>(range->first + (range->first & 1u));
  ASSERT_NO_FATAL_FAILURE(start(
      {.extra = {"--min-port", std::to_string(even), "--max-port", std::to_string(even + 1)}}));
  auto first = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(first);
  auto r = first->allocate({.even_port = true});
  ASSERT_TRUE(IsSuccess(r));
  ASSERT_TRUE(r->reservation_token()) << *r;
  ASSERT_TRUE(IsSuccess(first->refresh(0)));  // the even port is free again, the odd is not

  auto second = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(second);
  EXPECT_TRUE(IsError(second->allocate({.even_port = true}), 508)) << "the odd port is reserved";
  // RFC 8656 §7.2 holds the token "for at least 30 seconds"; nothing else happens on the
  // server meanwhile, so only its own timer can give the port back.
  const auto started = std::chrono::steady_clock::now();
  bool allocated = false;
  while (!allocated && std::chrono::steady_clock::now() - started < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto third = connect(Transport::Udp, IpVersion::V4);
    ASSERT_TRUE(third);
    allocated = IsSuccess(third->allocate({.even_port = true}));
  }
  EXPECT_TRUE(allocated) << "the reserved port never came back";
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(25));
}

TEST_F(TurnAllocateTest, DontFragment_IsSupported) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  // A server without DF support would answer 420 naming DONT-FRAGMENT (RFC 8656 §7.2).
  EXPECT_TRUE(IsSuccess(c->allocate({.dont_fragment = true})));
}

TEST_F(TurnAllocateTest, OtherUsernameOnAnExistingAllocation_Is441) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--user", "bob:hunter2"}}));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  // Same socket, same nonce, someone else's (valid) credentials.
  c->set_credentials({.username = "bob", .password = "hunter2"});
  auto refresh = c->refresh(600);
  EXPECT_TRUE(IsError(refresh, 441));
  EXPECT_TRUE(IsError(c->allocate(), 441));
}

}  // namespace
}  // namespace tern::test
