// --alternate-server and --tls-alternate-server against a real ternd: Allocate is
// answered 300 Try Alternate with ALTERNATE-SERVER (RFC 8489 §10, RFC 8656 §7.2), the
// alternates taken in turn, TLS clients sent to the TLS list, and a request that carries
// credentials checked before its signed 300.

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/socket_address.h"
#include "protocol/plain_address.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

// Never contacted: a client that follows the redirect is not part of these tests.
const char* const kAlternateA = "127.0.0.2:40001";
const char* const kAlternateB = "127.0.0.3:40002";
const char* const kAlternateV6 = "[::1]:40003";
const char* const kTlsAlternate = "127.0.0.4:40004";

TransportAddress address_of(const std::string& text) {
  auto colon = text.rfind(':');
  std::string host = text.substr(0, colon);
  if (host.front() == '[') host = host.substr(1, host.size() - 2);
  auto a = parse_ip(host, static_cast<uint16_t>(std::stoi(text.substr(colon + 1))));
  EXPECT_TRUE(a) << text;
  return a.value_or(TransportAddress{});
}

std::optional<TransportAddress> alternate_of(const TurnResult& r) {
  if (!r) return std::nullopt;
  auto a = stun::AlternateServer::get_from(r->view());
  if (!a) return std::nullopt;
  return a->address;
}

class AlternateServerTest : public TurnTest {};

TEST_F(AlternateServerTest, Allocate_Gets300_WithEachAlternateOfTheClientsFamilyInTurn) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--alternate-server", kAlternateA, "--alternate-server",
                                           kAlternateV6, "--alternate-server", kAlternateB}}));
  const std::vector<std::string> expected = {kAlternateA, kAlternateB, kAlternateA};
  for (const auto& want : expected) {
    auto c = connect(Transport::Udp, IpVersion::V4);
    ASSERT_TRUE(c);
    auto r = c->allocate();
    ASSERT_TRUE(IsError(r, 300));
    // The client's first Allocate has no credentials: redirected before any are asked for.
    EXPECT_EQ(r->integrity(), ResponseIntegrity::None) << *r;
    EXPECT_EQ(alternate_of(r), address_of(want)) << *r;
  }
  if (!needs_ipv6_but_missing(IpVersion::V6)) {
    auto c = connect(Transport::Udp, IpVersion::V6);
    ASSERT_TRUE(c);
    auto r = c->allocate();
    ASSERT_TRUE(IsError(r, 300));
    EXPECT_EQ(alternate_of(r), address_of(kAlternateV6)) << *r;
  }
  auto counters = stop_and_count();
  EXPECT_EQ(counters["allocations_created"], 0u);
  EXPECT_GE(counters["allocations_redirected"], 3u);
}

TEST_F(AlternateServerTest, AllocateWithCredentials_IsCheckedFirst_AndThe300IsSigned) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--alternate-server", kAlternateA}}));
  auto c = connect(Transport::Tcp, IpVersion::V4);
  ASSERT_TRUE(c);
  // A Refresh without an allocation gets the challenge an Allocate no longer gets.
  ASSERT_TRUE(IsError(c->send_request(stun::Method::Refresh, {}, {.integrity = false}), 401));
  ASSERT_FALSE(c->challenge().nonce.empty());

  c->set_credentials({.password = "wrong"});
  EXPECT_TRUE(IsError(c->send_request(stun::Method::Allocate, allocate_body({})), 401));
  c->set_credentials({});
  auto r = c->send_request(stun::Method::Allocate, allocate_body({}));
  ASSERT_TRUE(IsError(r, 300));
  EXPECT_EQ(r->integrity(), ResponseIntegrity::Sha1) << *r;
  EXPECT_EQ(alternate_of(r), address_of(kAlternateA)) << *r;
}

TEST_F(AlternateServerTest, Tls_UsesTheTlsList_UdpAndTcpThePlainOne) {
  ASSERT_NO_FATAL_FAILURE(start(
      {.tls = true,
       .extra = {"--alternate-server", kAlternateA, "--tls-alternate-server", kTlsAlternate}}));
  for (Transport t : {Transport::Udp, Transport::Tcp, Transport::Tls}) {
    SCOPED_TRACE(to_string(t));
    auto c = connect(t, IpVersion::V4);
    ASSERT_TRUE(c);
    auto r = c->allocate();
    ASSERT_TRUE(IsError(r, 300));
    EXPECT_EQ(alternate_of(r), address_of(t == Transport::Tls ? kTlsAlternate : kAlternateA)) << *r;
  }
}

// A 300 to a request without credentials is an unauthenticated answer, so a spoofed
// source is answered only as often as challenge-rate allows (burst: twice the rate).
TEST_F(AlternateServerTest, UnsignedRedirectsOverUdp_AreLimitedByChallengeRate) {
  ASSERT_NO_FATAL_FAILURE(
      start({.extra = {"--alternate-server", kAlternateA, "--challenge-rate", "1"}}));
  auto c = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  constexpr int kSent = 10;
  for (int i = 0; i < kSent; ++i) {
    ASSERT_TRUE(c->send_raw(
        c->build_request(stun::Method::Allocate, allocate_body({}), {.integrity = false})));
  }
  int answered = 0;
  while (c->stun().receive(std::chrono::milliseconds(500))) ++answered;
  EXPECT_GE(answered, 1);
  EXPECT_LE(answered, 3) << "of " << kSent;
  auto counters = stop_and_count();
  EXPECT_GE(counters["challenges_limited"], static_cast<uint64_t>(kSent - 3));
}

// As coturn: one list on every node, naming each of them, balances nothing by itself;
// each node serves its own clients (and redirects only when it drains, drain_test.cpp).
TEST_F(AlternateServerTest, ListNamingThisServer_AllocatesHere) {
  ASSERT_NO_FATAL_FAILURE(start(
      {.extra = {"--alternate-server", kAlternateA, "--alternate-server", "127.0.0.1:{port}"}}));
  EXPECT_TRUE(allocated(Transport::Udp, IpVersion::V4));
}

}  // namespace
}  // namespace tern::test
