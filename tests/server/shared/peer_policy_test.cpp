#include "server/shared/peer_policy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "base/socket_address.h"

namespace tern {
namespace {

constexpr uint16_t kPort = 40000;  // below the relay range, above the listening ports

TransportAddress ip(const char* text, uint16_t port = kPort) {
  auto a = parse_ip(text, port);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(TransportAddress{});
}

std::vector<IpRange> ranges(std::initializer_list<const char*> texts) {
  std::vector<IpRange> out;
  for (const char* t : texts) {
    auto r = IpRange::parse(t);
    EXPECT_TRUE(r.ok()) << t;
    if (r) out.push_back(*r);
  }
  return out;
}

std::string verdict(const PeerPolicy& p, const char* text, uint16_t port = kPort) {
  return to_string(p.check(ip(text, port)));
}

constexpr const char* kAllowed = "allowed";
constexpr const char* kDenied = "denied";

// One built-in denial: its ends, one address inside, and the nearest addresses outside
// that no other denial covers (nullptr where the neighbour is itself denied).
struct DefaultRange {
  const char* first;
  const char* last;
  const char* inside;
  const char* below;
  const char* above;
};

constexpr DefaultRange kDefaultRanges[] = {
    {"0.0.0.0", "0.255.255.255", "0.1.2.3", nullptr, "1.0.0.0"},
    {"10.0.0.0", "10.255.255.255", "10.0.0.1", "9.255.255.255", "11.0.0.0"},
    {"100.64.0.0", "100.127.255.255", "100.100.100.100", "100.63.255.255", "100.128.0.0"},
    {"127.0.0.0", "127.255.255.255", "127.0.0.1", "126.255.255.255", "128.0.0.0"},
    {"169.254.0.0", "169.254.255.255", "169.254.169.254", "169.253.255.255", "169.255.0.0"},
    {"172.16.0.0", "172.31.255.255", "172.20.1.1", "172.15.255.255", "172.32.0.0"},
    {"192.0.0.0", "192.0.0.255", "192.0.0.170", "191.255.255.255", "192.0.1.0"},
    {"192.0.2.0", "192.0.2.255", "192.0.2.1", "192.0.1.255", "192.0.3.0"},
    {"192.168.0.0", "192.168.255.255", "192.168.1.1", "192.167.255.255", "192.169.0.0"},
    {"198.18.0.0", "198.19.255.255", "198.18.1.1", "198.17.255.255", "198.20.0.0"},
    {"198.51.100.0", "198.51.100.255", "198.51.100.7", "198.51.99.255", "198.51.101.0"},
    {"203.0.113.0", "203.0.113.255", "203.0.113.9", "203.0.112.255", "203.0.114.0"},
    {"224.0.0.0", "239.255.255.255", "224.0.0.1", "223.255.255.255", nullptr},
    {"240.0.0.0", "255.255.255.255", "250.1.2.3", nullptr, nullptr},
    {"::", "::", "::", nullptr, nullptr},
    {"::1", "::1", "::1", nullptr, nullptr},
    {"100::", "100::ffff:ffff:ffff:ffff", "100::1", "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "100:0:0:1::"},
    {"64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:1:2::3",
     "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "64:ff9b:2::"},
    {"2001:2::", "2001:2:0:ffff:ffff:ffff:ffff:ffff", "2001:2::1",
     "2001:1:ffff:ffff:ffff:ffff:ffff:ffff", "2001:2:1::"},
    {"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::1",
     "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"},
    {"3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:abc::1",
     "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:1000::"},
    {"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fd12:3456::1",
     "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::"},
    {"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::1",
     "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", nullptr},
    {"fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::1", nullptr, nullptr},
    {"ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff02::1", nullptr, nullptr},
};

TEST(PeerPolicy_Defaults, EveryBuiltInRange_DeniedInsideAllowedJustOutside) {
  const PeerPolicy p({});
  for (const DefaultRange& r : kDefaultRanges) {
    EXPECT_EQ(verdict(p, r.first), kDenied) << r.first;
    EXPECT_EQ(verdict(p, r.last), kDenied) << r.last;
    EXPECT_EQ(verdict(p, r.inside), kDenied) << r.inside;
    if (r.below) {
      EXPECT_EQ(verdict(p, r.below), kAllowed) << r.below;
    }
    if (r.above) {
      EXPECT_EQ(verdict(p, r.above), kAllowed) << r.above;
    }
  }
}

TEST(PeerPolicy_Defaults, PublicAddresses_AreAllowed) {
  const PeerPolicy p({});
  for (const char* a : {"8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "2606:4700::1111"}) {
    EXPECT_EQ(verdict(p, a), kAllowed) << a;
  }
}

TEST(PeerPolicy_Defaults, CheckIp_GivesTheSameDenials) {
  const PeerPolicy p({});
  for (const DefaultRange& r : kDefaultRanges) {
    EXPECT_EQ(p.check_ip(ip(r.inside)), PeerVerdict::Denied) << r.inside;
  }
  EXPECT_EQ(p.check_ip(ip("8.8.8.8")), PeerVerdict::Allowed);
}

// Every IPv6 disguise of an IPv4 address the attack advisories used.
std::vector<std::string> disguises(const char* v4) {
  const TransportAddress a = ip(v4);
  char hex[32];
  std::snprintf(hex, sizeof hex, "%x:%x", unsigned{a.ip[0]} << 8 | a.ip[1],
                unsigned{a.ip[2]} << 8 | a.ip[3]);
  return {
      std::string("::ffff:") + v4,        // IPv4-mapped
      std::string("::") + v4,             // IPv4-compatible
      std::string("64:ff9b::") + v4,      // NAT64 well-known prefix
      std::string("2002:") + hex + "::",  // 6to4
      std::string("2002:") + hex + ":1:2:3:4:5",
  };
}

TEST(PeerPolicy_Embedded, EveryFormOfInternalIpv4_IsDenied) {
  const PeerPolicy p({});
  for (const char* v4 : {"127.0.0.1", "10.0.0.1", "169.254.169.254", "192.168.1.1", "0.0.0.0"}) {
    for (const std::string& v6 : disguises(v4)) {
      EXPECT_EQ(verdict(p, v6.c_str()), kDenied) << v6;
    }
  }
}

TEST(PeerPolicy_Embedded, EveryFormOfPublicIpv4_IsAllowed) {
  const PeerPolicy p({});
  for (const std::string& v6 : disguises("8.8.8.8")) {
    EXPECT_EQ(verdict(p, v6.c_str()), kAllowed) << v6;
  }
}

TEST(PeerPolicy_Embedded, UnspecifiedAddresses_AreDenied) {
  const PeerPolicy p({});
  EXPECT_EQ(verdict(p, "0.0.0.0"), kDenied);
  EXPECT_EQ(verdict(p, "::"), kDenied);
  EXPECT_EQ(verdict(p, "::ffff:0.0.0.0"), kDenied);
  EXPECT_EQ(verdict(p, "64:ff9b::"), kDenied);
  EXPECT_EQ(verdict(p, "2002::"), kDenied);
}

TEST(PeerPolicy_Embedded, Ipv4WithJunkPastTheFourthByte_IsJudgedByItsFourBytes) {
  const PeerPolicy p({});
  TransportAddress a = ip("10.0.0.1");
  for (size_t i = 4; i < a.ip.size(); ++i) a.ip[i] = 0x55;
  EXPECT_EQ(p.check(a), PeerVerdict::Denied);
}

struct EmbeddedCase {
  const char* v6;
  const char* v4;  // nullptr: nothing embedded
};

TEST(EmbeddedIpv4, ExtractsEachFormAndKeepsThePort) {
  const EmbeddedCase cases[] = {
      {"::ffff:127.0.0.1", "127.0.0.1"},
      {"::127.0.0.1", "127.0.0.1"},
      {"::0.0.0.2", "0.0.0.2"},
      {"64:ff9b::a9fe:a9fe", "169.254.169.254"},
      {"2002:a00:1::", "10.0.0.1"},
      {"2002:c0a8:101:ffff::1", "192.168.1.1"},
      {"::", nullptr},
      {"::1", nullptr},
      {"2001:db8::a00:1", nullptr},
      {"64:ff9b:1::a00:1", nullptr},  // local-use NAT64 is not the /96 well-known prefix
      {"64:ff9b:0:0:1::a00:1", nullptr},
      {"::ffff:0:a00:1", nullptr},  // SIIT's IPv4-translated form
      {"2003:a00:1::", nullptr},
  };
  for (const EmbeddedCase& c : cases) {
    auto e = embedded_ipv4(ip(c.v6, 1234));
    if (!c.v4) {
      EXPECT_FALSE(e.has_value()) << c.v6 << " gave " << e->to_string();
      continue;
    }
    ASSERT_TRUE(e.has_value()) << c.v6;
    EXPECT_EQ(*e, ip(c.v4, 1234)) << c.v6;
  }
  EXPECT_FALSE(embedded_ipv4(ip("10.0.0.1")).has_value());
}

TEST(PeerPolicy_Allowed, WinsOverDefaultDenial) {
  PeerPolicyConfig c;
  c.allowed = ranges({"10.0.0.0/8", "169.254.169.254"});
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "10.1.2.3"), kAllowed);
  EXPECT_EQ(verdict(p, "169.254.169.254"), kAllowed);
  EXPECT_EQ(verdict(p, "169.254.169.253"), kDenied);
  EXPECT_EQ(verdict(p, "192.168.1.1"), kDenied);
}

TEST(PeerPolicy_Allowed, OpensEveryFormOfTheIpv4Host) {
  PeerPolicyConfig c;
  c.allowed = ranges({"10.0.0.0/8"});
  const PeerPolicy p(c);
  for (const std::string& v6 : disguises("10.0.0.1")) {
    EXPECT_EQ(verdict(p, v6.c_str()), kAllowed) << v6;
  }
}

TEST(PeerPolicy_Allowed, WinsOverConfiguredDenial) {
  PeerPolicyConfig c;
  c.allowed = ranges({"10.0.0.5"});
  c.denied = ranges({"10.0.0.0/24"});
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "10.0.0.5"), kAllowed);
  EXPECT_EQ(verdict(p, "10.0.0.6"), kDenied);
}

TEST(PeerPolicy_Allowed, Ipv6RangeDoesNotOpenTheIpv4HostsEmbeddedInIt) {
  PeerPolicyConfig c;
  c.allowed = ranges({"64:ff9b::/96", "2002::/16", "::/0"});
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "64:ff9b::10.0.0.1"), kDenied);
  EXPECT_EQ(verdict(p, "2002:7f00:1::"), kDenied);
  EXPECT_EQ(verdict(p, "::127.0.0.1"), kDenied);
  EXPECT_EQ(verdict(p, "::ffff:127.0.0.1"), kDenied);
  EXPECT_EQ(verdict(p, "fd00::1"), kAllowed);  // the IPv6 addresses themselves are open
  EXPECT_EQ(verdict(p, "::1"), kAllowed);
}

TEST(PeerPolicy_Allowed, MappedRange_IsReadAsIpv4) {
  PeerPolicyConfig c;
  c.allowed = ranges({"::ffff:10.0.0.0/104"});
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "10.0.0.1"), kAllowed);
  EXPECT_EQ(verdict(p, "::ffff:10.0.0.1"), kAllowed);
  EXPECT_EQ(verdict(p, "11.0.0.1"), kAllowed);
  EXPECT_EQ(verdict(p, "172.16.0.1"), kDenied);
}

TEST(PeerPolicy_Denied, ExtendsTheDefaults) {
  PeerPolicyConfig c;
  c.denied = ranges({"8.8.8.0/24", "2001:4860::/32"});
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "8.8.8.8"), kDenied);
  EXPECT_EQ(verdict(p, "8.8.9.1"), kAllowed);
  EXPECT_EQ(verdict(p, "2001:4860:4860::8888"), kDenied);
  EXPECT_EQ(verdict(p, "10.0.0.1"), kDenied);  // the defaults still hold
  for (const std::string& v6 : disguises("8.8.8.8")) {
    EXPECT_EQ(verdict(p, v6.c_str()), kDenied) << v6;
  }
}

TEST(PeerPolicy_Denied, MappedRange_DeniesTheIpv4Address) {
  PeerPolicyConfig c;
  c.denied = ranges({"::ffff:8.8.8.8"});
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "8.8.8.8"), kDenied);
  EXPECT_EQ(verdict(p, "8.8.4.4"), kAllowed);
}

TEST(PeerPolicy_Denied, RangeComparedAsIntegers) {
  PeerPolicyConfig c;
  c.denied = ranges({"8.0.255.255-8.2.0.0"});
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "8.1.0.0"), kDenied);
  EXPECT_EQ(verdict(p, "8.2.0.1"), kAllowed);
  EXPECT_EQ(verdict(p, "8.0.255.254"), kAllowed);
}

TEST(PeerPolicy_AllowLoopback, OpensExactlyLoopback) {
  PeerPolicyConfig c;
  c.allow_loopback = true;
  const PeerPolicy p(c);
  for (const char* a : {"127.0.0.1", "127.0.0.0", "127.255.255.255", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_EQ(verdict(p, a), kAllowed) << a;
  }
  for (const char* a : {"0.0.0.0", "::", "10.0.0.1", "169.254.169.254", "192.168.0.1", "fe80::1",
                        "64:ff9b::127.0.0.1", "2002:7f00:1::", "::127.0.0.1", "::ffff:0.0.0.0"}) {
    EXPECT_EQ(verdict(p, a), kDenied) << a;
  }
}

TEST(PeerPolicy_AllowLoopback, ConfiguredDenialStillWins) {
  PeerPolicyConfig c;
  c.allow_loopback = true;
  c.denied = ranges({"127.0.0.53", "::1"});
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "127.0.0.53"), kDenied);
  EXPECT_EQ(verdict(p, "::ffff:127.0.0.53"), kDenied);
  EXPECT_EQ(verdict(p, "::1"), kDenied);
  EXPECT_EQ(verdict(p, "127.0.0.1"), kAllowed);
}

TEST(PeerPolicy_AllowLoopback, OffByDefault) {
  const PeerPolicy p({});
  EXPECT_EQ(verdict(p, "127.0.0.1"), kDenied);
  EXPECT_EQ(verdict(p, "::1"), kDenied);
}

PeerPolicyConfig allow_everything() {
  PeerPolicyConfig c;
  c.allowed = ranges({"0.0.0.0/0", "::/0"});
  c.allow_loopback = true;
  return c;
}

TEST(PeerPolicy_ServerPorts, WildcardListener_RefusesEveryIpAtItsPortEvenWhenAllowed) {
  PeerPolicyConfig c = allow_everything();
  c.server_ports = {ip("0.0.0.0", 3478), ip("::", 5349)};
  const PeerPolicy p(c);
  for (const char* a : {"127.0.0.1", "8.8.8.8", "::1", "::ffff:127.0.0.1", "2001:4860::1"}) {
    EXPECT_EQ(verdict(p, a, 3478), kDenied) << a;
    EXPECT_EQ(verdict(p, a, 5349), kDenied) << a;
    EXPECT_EQ(verdict(p, a, 3479), kAllowed) << a;
  }
}

TEST(PeerPolicy_ServerPorts, SpecificListener_RefusedInEveryFormEvenWhenAllowed) {
  PeerPolicyConfig c = allow_everything();
  c.server_ports = {ip("203.0.113.10", 5349)};
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "203.0.113.10", 5349), kDenied);
  EXPECT_EQ(verdict(p, "::ffff:203.0.113.10", 5349), kDenied);
  EXPECT_EQ(verdict(p, "64:ff9b::203.0.113.10", 5349), kDenied);
  EXPECT_EQ(verdict(p, "2002:cb00:710a::", 5349), kDenied);
  EXPECT_EQ(verdict(p, "0.0.0.0", 5349), kDenied);  // the kernel delivers it locally
  EXPECT_EQ(verdict(p, "::", 5349), kDenied);
  EXPECT_EQ(verdict(p, "203.0.113.11", 5349), kAllowed);
  EXPECT_EQ(verdict(p, "203.0.113.10", 5350), kAllowed);
}

TEST(PeerPolicy_ServerPorts, ExternalIpAtAnyListeningPort_IsRefused) {
  // Listener on the private address, external IP NATed onto it: a hairpin loop.
  PeerPolicyConfig c = allow_everything();
  c.server_ports = {ip("10.0.0.5", 3478)};
  c.own_relay_ips = {ip("10.0.0.5"), ip("198.51.100.7")};
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "198.51.100.7", 3478), kDenied);
  EXPECT_EQ(verdict(p, "198.51.100.7", 50000), kAllowed);
}

PeerPolicyConfig relay_on(const char* relay_ip) {
  PeerPolicyConfig c;
  c.server_ports = {ip("0.0.0.0", 3478)};
  c.own_relay_ips = {ip(relay_ip, 3478)};  // the port of a relay IP means nothing
  return c;
}

TEST(PeerPolicy_OwnRelayIp, AllowedAtRelayPorts_DeniedElsewhere) {
  const PeerPolicy p(relay_on("10.0.0.5"));
  EXPECT_EQ(verdict(p, "10.0.0.5", 49152), kAllowed);
  EXPECT_EQ(verdict(p, "10.0.0.5", 65535), kAllowed);
  EXPECT_EQ(verdict(p, "::ffff:10.0.0.5", 50000), kAllowed);
  EXPECT_EQ(verdict(p, "10.0.0.5", 49151), kDenied);  // private, and not a relay port
  EXPECT_EQ(verdict(p, "10.0.0.5", 3478), kDenied);   // a listening port
  EXPECT_EQ(verdict(p, "10.0.0.6", 50000), kDenied);  // a neighbour is no relay of ours
}

TEST(PeerPolicy_OwnRelayIp, HonoursTheConfiguredRelayRange) {
  PeerPolicyConfig c = relay_on("10.0.0.5");
  c.relay_min_port = 50000;
  c.relay_max_port = 50010;
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "10.0.0.5", 50000), kAllowed);
  EXPECT_EQ(verdict(p, "10.0.0.5", 50010), kAllowed);
  EXPECT_EQ(verdict(p, "10.0.0.5", 49999), kDenied);
  EXPECT_EQ(verdict(p, "10.0.0.5", 50011), kDenied);
}

TEST(PeerPolicy_OwnRelayIp, LoopbackRelay_AllowedWithoutAllowLoopback) {
  const PeerPolicy p(relay_on("127.0.0.1"));
  EXPECT_EQ(verdict(p, "127.0.0.1", 50000), kAllowed);
  EXPECT_EQ(verdict(p, "127.0.0.2", 50000), kDenied);
  const PeerPolicy p6(relay_on("::1"));
  EXPECT_EQ(verdict(p6, "::1", 50000), kAllowed);
}

TEST(PeerPolicy_OwnRelayIp, WinsOverConfiguredDenial) {
  PeerPolicyConfig c = relay_on("10.0.0.5");
  c.denied = ranges({"10.0.0.0/8"});
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "10.0.0.5", 50000), kAllowed);
}

TEST(PeerPolicy_OwnRelayIp, UnspecifiedRelayIp_MatchesNothing) {
  PeerPolicyConfig c;
  c.own_relay_ips = {ip("0.0.0.0"), ip("::")};
  const PeerPolicy p(c);
  EXPECT_EQ(verdict(p, "0.0.0.0", 50000), kDenied);
  EXPECT_EQ(verdict(p, "::", 50000), kDenied);
  EXPECT_EQ(verdict(p, "10.0.0.1", 50000), kDenied);
}

TEST(PeerPolicy_CheckIp, OwnRelayIp_AllowedWhateverThePort) {
  const PeerPolicy p(relay_on("10.0.0.5"));
  EXPECT_EQ(p.check_ip(ip("10.0.0.5", 0)), PeerVerdict::Allowed);
  EXPECT_EQ(p.check_ip(ip("10.0.0.5", 3478)), PeerVerdict::Allowed);
  EXPECT_EQ(p.check_ip(ip("10.0.0.6", 50000)), PeerVerdict::Denied);
}

TEST(PeerPolicy_CheckIp, IgnoresListeningPorts) {
  const PeerPolicy p(relay_on("10.0.0.5"));
  EXPECT_EQ(p.check(ip("8.8.8.8", 3478)), PeerVerdict::Denied);
  EXPECT_EQ(p.check_ip(ip("8.8.8.8", 3478)), PeerVerdict::Allowed);
}

}  // namespace
}  // namespace tern

namespace tern {
namespace {

// A private relay IP is an allowed peer only at ports tern itself holds: another socket on
// that IP in the relay range (a local service, an ephemeral port) stays private.
TEST(PeerPolicy_OwnRelay, OnlyLeasedRelayPorts_AreAllowed) {
  PeerPolicyConfig c;
  c.own_relay_ips = {*parse_ip("10.1.2.3")};
  PeerPolicy p(c);
  p.set_lease_check([](const TransportAddress& a) { return a.port == 50000; });
  EXPECT_EQ(p.check(*parse_ip("10.1.2.3", 50000)), PeerVerdict::Allowed);
  EXPECT_EQ(p.check(*parse_ip("10.1.2.3", 50001)), PeerVerdict::Denied);
  EXPECT_EQ(p.check_ip(*parse_ip("10.1.2.3", 50001)), PeerVerdict::Allowed);  // IP-only
}

}  // namespace
}  // namespace tern

namespace tern {
namespace {

// A datagram's check (#6): an IP judged once by check_ip() when its permission is made,
// then only check_port() per datagram. For every IP check_ip() allows, that must give
// exactly check()'s verdict at every port that matters.
TEST(PeerPolicy_CheckPort, AgreesWithCheck_ForEveryAllowedIpAndPort) {
  PeerPolicyConfig c;
  c.allow_loopback = true;
  c.allowed = ranges({"10.9.0.0/16", "0.0.0.0"});
  c.server_ports = {ip("0.0.0.0", 3478), ip("192.0.2.10", 5349), ip("::1", 3479)};
  c.own_relay_ips = {ip("203.0.113.5"), ip("::1"), ip("198.51.100.7")};
  c.external_ips = {ip("192.0.2.99"), ip("127.0.0.3")};
  c.relay_min_port = 50000;
  c.relay_max_port = 50010;
  PeerPolicy p(c);
  p.set_lease_check([](const TransportAddress& a) { return a.port == 50001; });
  const char* ips[] = {
      "8.8.8.8",          "127.0.0.1", "127.0.0.2",    "10.9.1.1",           "192.0.2.10",
      "203.0.113.5",      "::1",       "198.51.100.7", "::ffff:203.0.113.5", "64:ff9b::c000:20a",
      "2002:cb00:7105::", "0.0.0.0",   "2001:4860::1", "::ffff:8.8.8.8",     "192.0.2.99",
      "127.0.0.3",        "10.9.0.1"};
  const uint16_t ports[] = {1, 3478, 3479, 5349, 40000, 49999, 50000, 50001, 50010, 50011};
  for (const char* text : ips) {
    for (uint16_t port : ports) {
      const TransportAddress peer = ip(text, port);
      if (p.check_ip(peer) == PeerVerdict::Denied) continue;
      EXPECT_EQ(p.check_port(peer, p.port_sensitive(peer)), p.check(peer)) << text << " " << port;
    }
  }
}

TEST(PeerPolicy_CheckPort, OwnIpsInAnyForm_ArePortSensitive_OthersAreNot) {
  PeerPolicyConfig c;
  c.server_ports = {ip("192.0.2.10", 3478)};
  c.own_relay_ips = {ip("203.0.113.5")};
  const PeerPolicy p(c);
  for (const char* own : {"203.0.113.5", "::ffff:203.0.113.5", "64:ff9b::cb00:7105",
                          "2002:cb00:7105::", "192.0.2.10", "0.0.0.0", "::"}) {
    EXPECT_TRUE(p.port_sensitive(ip(own))) << own;
  }
  for (const char* other : {"8.8.8.8", "203.0.113.6", "2001:4860::1"}) {
    EXPECT_FALSE(p.port_sensitive(ip(other))) << other;
  }
}

TEST(PeerPolicy_CheckPort, OtherIp_IsRefusedOnlyAtAWildcardListenersPort) {
  PeerPolicyConfig c;
  c.server_ports = {ip("0.0.0.0", 3478), ip("192.0.2.10", 5349)};
  const PeerPolicy p(c);
  EXPECT_EQ(p.check_port(ip("8.8.8.8", 3478), false), PeerVerdict::Denied);
  EXPECT_EQ(p.check_port(ip("8.8.8.8", 5349), false), PeerVerdict::Allowed);
  EXPECT_EQ(p.check_port(ip("8.8.8.8", 3479), false), PeerVerdict::Allowed);
}

}  // namespace
}  // namespace tern

namespace tern {
namespace {

// --external-ip 198.51.100.7/10.0.0.5 with every range allowed (an elastic IP and a relay
// IP the operator's ranges open): only the leased relay port 50000 is a peer on either.
PeerPolicyConfig external_behind_nat() {
  PeerPolicyConfig c = allow_everything();
  c.allow_loopback = false;
  c.own_relay_ips = {ip("10.0.0.5")};
  c.external_ips = {ip("198.51.100.7")};
  return c;
}

bool leased_50000(const TransportAddress& a) {
  return a.port == 50000;
}

TEST(PeerPolicy_ExternalIp, OnlyLeasedRelayPorts_EvenWhenAllowed) {
  PeerPolicy p(external_behind_nat());
  p.set_lease_check(leased_50000);
  EXPECT_EQ(verdict(p, "198.51.100.7", 50000), kAllowed);
  EXPECT_EQ(verdict(p, "::ffff:198.51.100.7", 50000), kAllowed);
  for (uint16_t port : {53, 123, 161, 8125, 40000, 49152, 50001, 65535}) {
    EXPECT_EQ(verdict(p, "198.51.100.7", port), kDenied) << port;
    EXPECT_EQ(verdict(p, "::ffff:198.51.100.7", port), kDenied) << port;
    EXPECT_EQ(verdict(p, "64:ff9b::198.51.100.7", port), kDenied) << port;
    EXPECT_EQ(verdict(p, "2002:c633:6407::", port), kDenied) << port;
  }
  EXPECT_EQ(verdict(p, "198.51.100.8", 53), kAllowed);  // a neighbour is just a peer
  // Permissions match the IP only, and relay-to-relay needs this one: each datagram is
  // judged at its port instead.
  EXPECT_EQ(p.check_ip(ip("198.51.100.7", 53)), PeerVerdict::Allowed);
  EXPECT_TRUE(p.port_sensitive(ip("198.51.100.7")));
}

TEST(PeerPolicy_OwnRelayIp, AllowedByRange_OnlyLeasedRelayPorts) {
  PeerPolicy p(external_behind_nat());
  p.set_lease_check(leased_50000);
  EXPECT_EQ(verdict(p, "10.0.0.5", 50000), kAllowed);
  for (uint16_t port : {53, 123, 40000, 50001}) {
    EXPECT_EQ(verdict(p, "10.0.0.5", port), kDenied) << port;
  }
  EXPECT_EQ(verdict(p, "10.0.0.6", 53), kAllowed);  // the rest of the allowed range
}

TEST(PeerPolicy_OwnRelayIp, AllowLoopback_OpensALoopbackRelayIp_NeverAnExternalIp) {
  PeerPolicyConfig c;
  c.allow_loopback = true;
  c.own_relay_ips = {ip("127.0.0.2")};
  c.external_ips = {ip("127.0.0.3")};  // loopback as well, as tests may write it
  PeerPolicy p(c);
  p.set_lease_check(leased_50000);
  EXPECT_EQ(verdict(p, "127.0.0.2", 53), kAllowed);
  EXPECT_EQ(verdict(p, "127.0.0.3", 53), kDenied);
  EXPECT_EQ(verdict(p, "127.0.0.3", 50000), kAllowed);
  c.denied = ranges({"127.0.0.2"});
  PeerPolicy denied(c);
  denied.set_lease_check(leased_50000);
  EXPECT_EQ(verdict(denied, "127.0.0.2", 53), kDenied);
  EXPECT_EQ(verdict(denied, "127.0.0.2", 50000), kAllowed);
}

// The lease is asked on every check, so a port given back stops being a peer at once.
TEST(PeerPolicy_ExternalIp, ReleasedRelayPort_IsDeniedAtTheNextCheck) {
  PeerPolicy p(external_behind_nat());
  bool leased = true;
  p.set_lease_check([&](const TransportAddress&) { return leased; });
  EXPECT_EQ(verdict(p, "198.51.100.7", 50000), kAllowed);
  EXPECT_EQ(verdict(p, "10.0.0.5", 50000), kAllowed);
  leased = false;
  EXPECT_EQ(verdict(p, "198.51.100.7", 50000), kDenied);
  EXPECT_EQ(verdict(p, "10.0.0.5", 50000), kDenied);
  EXPECT_EQ(p.check_port(ip("198.51.100.7", 50000), true), PeerVerdict::Denied);
}

}  // namespace
}  // namespace tern

namespace tern {
namespace {

TEST(PeerPolicy_RefusalRule, NamesTheRuleThatRefused) {
  PeerPolicyConfig c;
  c.denied = ranges({"198.51.100.0/24"});
  c.server_ports = {ip("0.0.0.0", 3478)};
  c.own_relay_ips = {ip("192.0.2.10", 0)};
  c.external_ips = {ip("203.0.113.7", 0)};
  const PeerPolicy p(c);
  EXPECT_STREQ(p.refusal_rule(ip("8.8.8.8", 3478), false), "server-port");
  EXPECT_STREQ(p.refusal_rule(ip("203.0.113.7", 80), false), "external-ip");
  EXPECT_STREQ(p.refusal_rule(ip("192.0.2.10", 80), false), "own-relay-ip");
  EXPECT_STREQ(p.refusal_rule(ip("198.51.100.9"), false), "denied-peer-ip");
  EXPECT_STREQ(p.refusal_rule(ip("::ffff:198.51.100.9"), true), "denied-peer-ip");
  EXPECT_STREQ(p.refusal_rule(ip("169.254.169.254"), true), "default-denied");
  EXPECT_STREQ(p.refusal_rule(ip("64:ff9b::10.0.0.1"), false), "default-denied");
}

}  // namespace
}  // namespace tern
