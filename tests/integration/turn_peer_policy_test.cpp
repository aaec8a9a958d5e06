// Which peers ternd refuses (403), against a real server: loopback, private, link-local,
// metadata, multicast, unspecified and their IPv6 disguises by default; what
// --allow-loopback-peers and --allowed-peer-ip open; and the server's own listening port,
// which nothing opens (RFC 8656 §21.1.7, RFC-NOTES "where other servers were broken").

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>

#include "tests/support/stun_requests.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// Not a relay port (those are 49152-65535 by default), so the "our own relay address"
// exception never applies to a peer at this port.
constexpr uint16_t kPeerPort = 12345;

// The relay IPv4 address of the policy tests. Permissions match IPs, and a permission
// for one of the server's own relay IPs is always granted (relay-to-relay calls), so the
// loopback address under test must not be the relay address.
constexpr char kOtherLoopbackRelay[] = "127.0.0.2";

TransportAddress parse(const std::string& text, uint16_t port) {
  TransportAddress a;
  if (text.find(':') == std::string::npos) {
    a.family = Family::V4;
    EXPECT_EQ(inet_pton(AF_INET, text.c_str(), a.ip.data()), 1) << text;
  } else {
    a.family = Family::V6;
    EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), a.ip.data()), 1) << text;
  }
  a.port = port;
  return a;
}

class TurnPeerPolicyTest : public TurnTest {
 protected:
  // A dual-stack allocation (IPv4 only without IPv6 loopback), so peers of both families
  // reach the policy instead of a 443.
  std::optional<TurnClient> dual_stack() {
    AllocateOptions o;
    if (ipv6_loopback_available()) o.additional_family = Family::V6;
    return allocated(Transport::Udp, IpVersion::V4, o);
  }
};

struct DeniedPeer {
  const char* name;
  const char* ip;
  // Whether the peer is ::1, which is also the IPv6 relay address here: a permission for
  // it is granted like any relay-to-relay permission, and only ChannelBind (which judges
  // the port too) can be refused.
  bool is_ipv6_relay_address = false;
};

class TurnDeniedPeerTest : public TurnPeerPolicyTest,
                           public ::testing::WithParamInterface<DeniedPeer> {};

TEST_P(TurnDeniedPeerTest, ByDefault_CreatePermissionAndChannelBind_Are403) {
  const TransportAddress peer = parse(GetParam().ip, kPeerPort);
  if (peer.family == Family::V6 && !ipv6_loopback_available()) GTEST_SKIP() << "no IPv6";
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv4_relay = kOtherLoopbackRelay, .allow_loopback_peers = false}));
  auto c = dual_stack();
  ASSERT_TRUE(c);
  if (!GetParam().is_ipv6_relay_address) {
    EXPECT_TRUE(IsError(c->create_permission({peer}), 403)) << GetParam().ip;
  }
  EXPECT_TRUE(IsError(c->channel_bind(0x4000, peer), 403)) << GetParam().ip;
  auto counters = stop_and_count();
  EXPECT_EQ(counters["peer_denied"], GetParam().is_ipv6_relay_address ? 1u : 2u);
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, TurnDeniedPeerTest,
    ::testing::Values(
        DeniedPeer{"Loopback4", "127.0.0.1"}, DeniedPeer{"Unspecified4", "0.0.0.0"},
        DeniedPeer{"Loopback6", "::1", true}, DeniedPeer{"Unspecified6", "::"},
        DeniedPeer{"MappedLoopback", "::ffff:127.0.0.1"}, DeniedPeer{"Private10", "10.0.0.1"},
        DeniedPeer{"Private172", "172.16.0.1"}, DeniedPeer{"Private192", "192.168.1.1"},
        DeniedPeer{"Cgnat", "100.64.0.1"}, DeniedPeer{"CloudMetadata", "169.254.169.254"},
        DeniedPeer{"LinkLocal6", "fe80::1"}, DeniedPeer{"UniqueLocal6", "fc00::1"},
        DeniedPeer{"Multicast4", "224.0.0.1"}, DeniedPeer{"Broadcast", "255.255.255.255"},
        DeniedPeer{"Nat64Loopback", "64:ff9b::7f00:1"},
        DeniedPeer{"SixToFourLoopback", "2002:7f00:1::1"}, DeniedPeer{"Reserved240", "240.0.0.1"},
        DeniedPeer{"CompatibleLoopback", "::127.0.0.1"},
        DeniedPeer{"CompatiblePrivate10", "::10.0.0.1"}, DeniedPeer{"Multicast6", "ff02::1"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(TurnPeerPolicyTest, AllowLoopbackPeers_OpensLoopbackOnly) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv4_relay = kOtherLoopbackRelay}));
  auto c = dual_stack();
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsSuccess(c->create_permission({parse("127.0.0.1", kPeerPort)})));
  EXPECT_TRUE(IsSuccess(c->channel_bind(0x4000, parse("127.0.0.1", kPeerPort))));
  EXPECT_TRUE(IsError(c->create_permission({parse("10.0.0.1", kPeerPort)}), 403));
  EXPECT_TRUE(IsError(c->channel_bind(0x4001, parse("10.0.0.1", kPeerPort)), 403));
}

TEST_F(TurnPeerPolicyTest, AllowedPeerIp_GrantsThatPeer) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv4_relay = kOtherLoopbackRelay,
                                 .allow_loopback_peers = false,
                                 .extra = {"--allowed-peer-ip", "10.0.0.1"}}));
  auto c = dual_stack();
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsSuccess(c->create_permission({parse("10.0.0.1", kPeerPort)})));
  EXPECT_TRUE(IsSuccess(c->channel_bind(0x4000, parse("10.0.0.1", kPeerPort))));
  EXPECT_TRUE(IsError(c->create_permission({parse("10.0.0.2", kPeerPort)}), 403));
}

// Loopback opened means this host's loopback interface: a loopback IPv4 address embedded
// in an IPv6 one is reached through a tunnel or translator, and stays refused.
TEST_F(TurnPeerPolicyTest, AllowLoopbackPeers_DoesNotOpenLoopbackEmbeddedInIpv6) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6";
  ASSERT_NO_FATAL_FAILURE(start({.ipv4_relay = kOtherLoopbackRelay}));
  auto c = dual_stack();
  ASSERT_TRUE(c);
  uint16_t channel = 0x4000;
  for (const char* ip : {"::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1"}) {
    EXPECT_TRUE(IsError(c->create_permission({parse(ip, kPeerPort)}), 403)) << ip;
    EXPECT_TRUE(IsError(c->channel_bind(channel++, parse(ip, kPeerPort)), 403)) << ip;
  }
  // The IPv4-mapped form is the IPv4 address itself, which the flag does open.
  EXPECT_TRUE(IsSuccess(c->create_permission({parse("::ffff:127.0.0.1", kPeerPort)})));
}

// No datagram is sent in these tests (permissions and channels only), so the public
// addresses they name are never contacted.
struct DeniedRange {
  const char* name;
  const char* flag;     // --denied-peer-ip
  const char* ip;       // inside it
  const char* outside;  // just past it
};

class TurnDeniedPeerIpTest : public TurnPeerPolicyTest,
                             public ::testing::WithParamInterface<DeniedRange> {};

TEST_P(TurnDeniedPeerIpTest,
       WithoutTheFlag_PermissionSucceeds_WithIt_CreatePermissionAndChannelBind_Are403) {
  const TransportAddress peer = parse(GetParam().ip, kPeerPort);
  if (peer.family == Family::V6 && !ipv6_loopback_available()) GTEST_SKIP() << "no IPv6";
  {
    ASSERT_NO_FATAL_FAILURE(start({.ipv4_relay = kOtherLoopbackRelay}));
    auto c = dual_stack();
    ASSERT_TRUE(c);
    EXPECT_TRUE(IsSuccess(c->create_permission({peer}))) << GetParam().ip << " without the flag";
    EXPECT_TRUE(IsSuccess(c->channel_bind(0x4000, peer))) << GetParam().ip << " without the flag";
    ternd_.reset();
  }
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv4_relay = kOtherLoopbackRelay, .extra = {"--denied-peer-ip", GetParam().flag}}));
  auto c = dual_stack();
  ASSERT_TRUE(c);
  EXPECT_TRUE(IsError(c->create_permission({peer}), 403)) << GetParam().ip;
  EXPECT_TRUE(IsError(c->channel_bind(0x4000, peer), 403)) << GetParam().ip;
  // Only the range: its neighbour stays open.
  EXPECT_TRUE(IsSuccess(c->create_permission({parse(GetParam().outside, kPeerPort)})));
  auto counters = stop_and_count();
  EXPECT_EQ(counters["peer_denied"], 2u);
}

INSTANTIATE_TEST_SUITE_P(
    Ranges, TurnDeniedPeerIpTest,
    ::testing::Values(DeniedRange{"Cidr4", "1.2.3.0/24", "1.2.3.4", "1.2.4.4"},
                      DeniedRange{"Span4", "5.6.7.10-5.6.7.20", "5.6.7.20", "5.6.7.21"},
                      DeniedRange{"Cidr6", "2a00:1450::/32", "2a00:1450::1", "2a00:1451::1"},
                      DeniedRange{"MappedFlag", "::ffff:1.2.3.0/120", "1.2.3.4", "1.2.4.4"},
                      DeniedRange{"MappedPeer", "1.2.3.0/24", "::ffff:1.2.3.4", "::ffff:1.2.4.4"},
                      DeniedRange{"Nat64Peer", "1.2.3.0/24", "64:ff9b::102:304",
                                  "64:ff9b::102:404"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(TurnPeerPolicyTest, SendIndicationToADeniedPeer_SendsNothing) {
  ASSERT_NO_FATAL_FAILURE(
      start({.ipv4_relay = kOtherLoopbackRelay, .allow_loopback_peers = false}));
  auto c = dual_stack();
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  EXPECT_TRUE(IsError(c->create_permission({p->address()}), 403));
  ASSERT_TRUE(c->send_indication(p->address(), payload("should not leave")));
  EXPECT_TRUE(p->silent_for(500ms));
  // Answered after the indication (one socket, in order): its drop is counted before the
  // stop, however late ternd ran.
  EXPECT_TRUE(IsSuccess(c->refresh(600)));
  auto counters = stop_and_count();
  EXPECT_EQ(counters["client_dropped_no_permission"], 1u);
}

// A UDP peer on `ip` at a port below the relay range, so that the "own relay address at a
// relay port" exception cannot cover it.
std::optional<UdpPeer> peer_below_relay_ports(IpVersion v) {
  for (uint16_t port = 20000; port < 20200; ++port) {
    if (auto p = UdpPeer::open(loopback(v, port))) return std::move(*p);
  }
  ADD_FAILURE() << "no free UDP port in 20000-20199";
  return std::nullopt;
}

class TurnOwnAddressTest : public TurnIpVersionTest {};

TEST_P(TurnOwnAddressTest, PermissionForTheRelayIp_DoesNotOpenItsOtherPorts) {
  // The relay addresses are 127.0.0.1 and ::1 and loopback peers are not allowed.
  ASSERT_NO_FATAL_FAILURE(start({.allow_loopback_peers = false}));
  auto c = allocated(Transport::Udp, IpVersion::V4, {.family = family()});
  auto local_service = peer_below_relay_ports(version());
  ASSERT_TRUE(c && local_service);
  // Granted: permissions match IPs, and the relay IP is where other clients' relays are.
  ASSERT_TRUE(IsSuccess(c->create_permission({local_service->address()})));
  // But a datagram to a port of that IP outside the relay range is not sent.
  ASSERT_TRUE(c->send_indication(local_service->address(), payload("to a local service")));
  EXPECT_TRUE(local_service->silent_for(500ms));
  EXPECT_TRUE(IsError(c->channel_bind(0x4000, local_service->address()), 403));
}

TEST_P(TurnOwnAddressTest, ServersOwnListeningPortAsPeer_IsRefused_AndNothingReachesIt) {
  ASSERT_NO_FATAL_FAILURE(start());  // --allow-loopback-peers
  auto c = allocated(Transport::Udp, IpVersion::V4, {.family = family()});
  ASSERT_TRUE(c);
  const TransportAddress listener = server(Transport::Udp, version());
  EXPECT_TRUE(IsError(c->channel_bind(0x4000, listener), 403));
  // Loopback is open, so the permission (IP only) is granted; the port still is not.
  ASSERT_TRUE(IsSuccess(c->create_permission({listener})));
  // A Binding request would be answered back to the relay, and relayed to us as data; the
  // garbage would be counted by the listener as not STUN.
  ASSERT_TRUE(c->send_indication(listener, binding_request()));
  ASSERT_TRUE(c->send_indication(listener, payload("\xff\xff not stun")));
  auto echoed = c->receive_data(500ms);
  EXPECT_FALSE(echoed) << "the listener answered through the relay";
  // Answered after both indications (one socket, in order): their drops are counted
  // before the stop, however late ternd ran.
  EXPECT_TRUE(IsSuccess(c->refresh(600)));

  auto counters = stop_and_count();
  EXPECT_EQ(counters["dropped_not_stun"], 0u);
  EXPECT_EQ(counters["client_dropped_no_permission"], 2u);
  EXPECT_EQ(counters["peer_denied"], 1u);
}

INSTANTIATE_TEST_SUITE_P(IpVersions, TurnOwnAddressTest, both_ip_versions(), ParamName());

}  // namespace
}  // namespace tern::test
