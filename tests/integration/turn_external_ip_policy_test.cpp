// --external-ip PUBLIC/PRIVATE: a peer a client names at PUBLIC is really at PRIVATE, a
// relay IP of this host, so the only peers there are tern's own leased relay ports. A UDP
// service on the private address (a UdpPeer standing for DNS, NTP, a local statsd) must
// never hear from a client, whatever the framing, while relay-to-relay between two
// allocations keeps working. PUBLIC and PRIVATE are both named in --allowed-peer-ip, as a
// real elastic IP and a public (or operator-allowed) relay IP are in no denied range: only
// the relay-address rule may refuse them. PUBLIC is a documentation address that leads
// nowhere: only tern's own translation delivers to it.

#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/socket_address.h"
#include "tests/support/relay_port_range.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

// Long enough for a datagram already handed to the kernel to show up on loopback, on a
// loaded machine; it only ever waits for something that must not come.
constexpr Millis kSilence = 500ms;

struct ExternalPair {
  const char* public_ip;
  const char* private_ip;  // a relay IP
};

struct ExternalSetup {
  const char* name;
  IpVersion version;
  std::vector<ExternalPair> pairs;
  // --allow-loopback-peers, as most tests run: it opens loopback relay IPs (this host's
  // services by design) but never a public address, even a loopback one.
  bool allow_loopback = false;
};

void PrintTo(const ExternalSetup& s, std::ostream* os) {
  *os << s.name;
}

TransportAddress at(const char* text, uint16_t port) {
  auto a = parse_ip(text, port);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(TransportAddress{});
}

class TurnExternalIpPolicyTest : public TurnTest,
                                 public ::testing::WithParamInterface<ExternalSetup> {
 protected:
  void SetUp() override {
    if (needs_ipv6_but_missing(version())) GTEST_SKIP() << "no IPv6 loopback";
    auto range = free_udp_port_range(16);
    ASSERT_TRUE(range) << "no free relay port range";
    range_ = std::move(*range);
    // Bound before ternd starts, so that no allocation can get this port first.
    unleased_ = services(range_.last);
    std::vector<std::string> extra = range_.args();
    extra.insert(extra.end(), {"--relay-threads", "2"});
    for (const ExternalPair& p : GetParam().pairs) {
      extra.insert(extra.end(),
                   {"--external-ip", std::string(p.public_ip) + "/" + p.private_ip,
                    "--allowed-peer-ip", p.public_ip, "--allowed-peer-ip", p.private_ip});
      // Each IPv4 private address is a relay IP, and the only ones.
      if (version() == IpVersion::V4 && &p != &GetParam().pairs.front()) {
        extra.insert(extra.end(), {"--relay-ip", p.private_ip});
      }
    }
    const bool v4 = version() == IpVersion::V4;
    ASSERT_NO_FATAL_FAILURE(
        start({.ipv4_relay = v4 ? GetParam().pairs.front().private_ip : "127.0.0.1",
               .ipv6_relay = !v4,
               .allow_loopback_peers = GetParam().allow_loopback,
               .extra = std::move(extra)}));
    a_ = client();
    b_ = client();
    ASSERT_TRUE(a_ && b_);
  }

  IpVersion version() const { return GetParam().version; }
  Family family() const { return family_of(version()); }

  std::optional<TurnClient> client() {
    return allocated(Transport::Udp, version(), {.family = family()});
  }

  // A local service on each private address, at a port of its own (or at `port`).
  std::vector<std::pair<TransportAddress, UdpPeer>> services(uint16_t port = 0) {
    std::vector<std::pair<TransportAddress, UdpPeer>> out;
    for (const ExternalPair& p : GetParam().pairs) {
      auto s = UdpPeer::open(at(p.private_ip, port));
      EXPECT_TRUE(s) << p.private_ip << ":" << port << ": " << (s ? "" : s.error());
      if (!s) continue;
      out.emplace_back(at(p.public_ip, s->address().port), std::move(*s));
    }
    return out;
  }

  // What `a` sent before this has been handled by its worker once b hears from it.
  void a_reaches_b(std::string_view tag) {
    ASSERT_TRUE(IsSuccess(a_->create_permission({b_->relayed(family())})));
    ASSERT_TRUE(IsSuccess(b_->create_permission({a_->relayed(family())})));
    ASSERT_TRUE(a_->send_indication(b_->relayed(family()), payload(tag)));
    auto got = b_->receive_data();
    ASSERT_TRUE(got) << to_string(got.error());
    EXPECT_EQ(text_of(got->data), tag);
  }

  PortRange range_;
  std::vector<std::pair<TransportAddress, UdpPeer>> unleased_;  // at range_.last
  std::optional<TurnClient> a_, b_;
};

TEST_P(TurnExternalIpPolicyTest, PublicAtServicePort_SendAfterCreatePermission_NeverArrives) {
  auto svcs = services();
  for (auto& [pub, svc] : svcs) {
    // The permission is for the IP (RFC 8656 §9) and that IP is our relays': granted.
    ASSERT_TRUE(IsSuccess(a_->create_permission({pub})));
    ASSERT_TRUE(a_->send_indication(pub, payload("to a local service")));
  }
  ASSERT_NO_FATAL_FAILURE(a_reaches_b("barrier"));
  for (auto& [pub, svc] : svcs) EXPECT_TRUE(svc.silent_for(kSilence)) << pub.to_string();
  auto counters = stop_and_count();
  EXPECT_GE(counters["client_dropped_no_permission"], svcs.size());
}

TEST_P(TurnExternalIpPolicyTest, PublicAtServicePort_ChannelBindIs403_ChannelDataGoesNowhere) {
  auto svcs = services();
  uint16_t channel = 0x4000;
  for (auto& [pub, svc] : svcs) {
    EXPECT_TRUE(IsError(a_->channel_bind(channel, pub), 403)) << pub.to_string();
    ASSERT_TRUE(a_->send_channel_data(channel++, payload("to a local service")));
  }
  ASSERT_NO_FATAL_FAILURE(a_reaches_b("barrier"));
  for (auto& [pub, svc] : svcs) EXPECT_TRUE(svc.silent_for(kSilence)) << pub.to_string();
  auto counters = stop_and_count();
  EXPECT_EQ(counters["peer_denied"], svcs.size());
}

// A socket of someone else's inside tern's relay range: not one of tern's relays.
TEST_P(TurnExternalIpPolicyTest, PublicAtUnleasedRelayPort_IsRefused) {
  auto& svcs = unleased_;
  ASSERT_EQ(svcs.size(), GetParam().pairs.size());
  for (auto& [pub, svc] : svcs) {
    EXPECT_TRUE(IsError(a_->channel_bind(0x4000, pub), 403)) << pub.to_string();
    ASSERT_TRUE(IsSuccess(a_->create_permission({pub})));
    ASSERT_TRUE(a_->send_indication(pub, payload("to an unleased relay port")));
  }
  ASSERT_NO_FATAL_FAILURE(a_reaches_b("barrier"));
  for (auto& [pub, svc] : svcs) EXPECT_TRUE(svc.silent_for(kSilence)) << pub.to_string();
  auto counters = stop_and_count();
  EXPECT_GE(counters["client_dropped_no_permission"], svcs.size());
}

// The lease is judged on every datagram, not once at ChannelBind: a relay port given back
// is no relay any more, even when something else binds it at once.
TEST_P(TurnExternalIpPolicyTest, PublicAtReleasedRelayPort_IsRefusedAtSend) {
  auto c = client();
  ASSERT_TRUE(c);
  const TransportAddress gone = c->relayed(family());
  ASSERT_TRUE(IsSuccess(a_->channel_bind(0x4000, gone)));
  ASSERT_TRUE(IsSuccess(c->create_permission({a_->relayed(family())})));
  ASSERT_TRUE(a_->send_channel_data(0x4000, payload("while leased")));
  auto got = c->receive_data();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(text_of(got->data), "while leased");

  ASSERT_TRUE(IsSuccess(c->refresh(0)));
  std::optional<UdpPeer> squatter;
  for (const ExternalPair& p : GetParam().pairs) {
    if (at(p.public_ip, 0).ip != gone.ip) continue;
    // The port is free once ternd has closed the relay socket: soon, but not at once.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!squatter && std::chrono::steady_clock::now() < deadline) {
      if (auto s = UdpPeer::open(at(p.private_ip, gone.port))) {
        squatter = std::move(*s);
      } else {
        std::this_thread::sleep_for(20ms);
      }
    }
  }
  ASSERT_TRUE(squatter) << "could not bind the released port " << gone.to_string();
  ASSERT_TRUE(a_->send_channel_data(0x4000, payload("after release, channel")));
  ASSERT_TRUE(a_->send_indication(gone, payload("after release, send")));
  ASSERT_NO_FATAL_FAILURE(a_reaches_b("barrier"));
  EXPECT_TRUE(squatter->silent_for(kSilence));
  auto counters = stop_and_count();
  EXPECT_GE(counters["client_dropped_no_permission"], 2u);
}

// The private relay address itself, named directly and allowed by --allowed-peer-ip: its
// ports other than tern's relays are still this host's, not a peer's.
TEST_P(TurnExternalIpPolicyTest, PrivateRelayIpAtServicePort_IsRefused) {
  if (GetParam().allow_loopback) GTEST_SKIP() << "--allow-loopback-peers opens it";
  std::vector<std::pair<TransportAddress, UdpPeer>> svcs;
  for (auto& [pub, svc] : services()) svcs.emplace_back(svc.address(), std::move(svc));
  for (auto& [priv, svc] : svcs) {
    EXPECT_TRUE(IsError(a_->channel_bind(0x4000, priv), 403)) << priv.to_string();
    ASSERT_TRUE(IsSuccess(a_->create_permission({priv})));
    ASSERT_TRUE(a_->send_indication(priv, payload("to a local service")));
  }
  ASSERT_NO_FATAL_FAILURE(a_reaches_b("barrier"));
  for (auto& [priv, svc] : svcs) EXPECT_TRUE(svc.silent_for(kSilence)) << priv.to_string();
}

// Relay-to-relay through the public addresses, over a channel and Send indications, with
// several allocations so that some pairs sit on different workers (and relay IPs).
TEST_P(TurnExternalIpPolicyTest, LeasedRelayPortOfAnotherAllocation_StaysReachable) {
  std::vector<TurnClient> others;
  for (int i = 0; i < 4; ++i) {
    auto c = client();
    ASSERT_TRUE(c);
    others.push_back(std::move(*c));
  }
  uint16_t channel = 0x4000;
  for (TurnClient& other : others) {
    const TransportAddress to = other.relayed(family());
    bool is_public = false;
    for (const ExternalPair& p : GetParam().pairs) is_public |= at(p.public_ip, 0).ip == to.ip;
    EXPECT_TRUE(is_public) << to.to_string();
    ASSERT_TRUE(IsSuccess(other.create_permission({a_->relayed(family())})));
    ASSERT_TRUE(IsSuccess(a_->channel_bind(channel, to)));
    ASSERT_TRUE(a_->send_channel_data(channel++, payload("by channel")));
    auto got = other.receive_data();
    ASSERT_TRUE(got) << to.to_string() << ": " << to_string(got.error());
    EXPECT_EQ(text_of(got->data), "by channel");
    ASSERT_TRUE(a_->send_indication(to, payload("by send")));
    got = other.receive_data();
    ASSERT_TRUE(got) << to.to_string() << ": " << to_string(got.error());
    EXPECT_EQ(text_of(got->data), "by send");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Setups, TurnExternalIpPolicyTest,
    ::testing::Values(ExternalSetup{"V4", IpVersion::V4, {{"203.0.113.7", "127.0.0.1"}}},
                      ExternalSetup{"V4TwoRelayIps",
                                    IpVersion::V4,
                                    {{"203.0.113.7", "127.0.0.1"}, {"203.0.113.8", "127.0.0.2"}}},
                      ExternalSetup{"V6", IpVersion::V6, {{"2001:db8::7", "::1"}}},
                      ExternalSetup{"V4LoopbackPublicAllowLoopback",
                                    IpVersion::V4,
                                    {{"127.0.0.3", "127.0.0.2"}},
                                    true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tern::test
