// ICMP errors about peers (RFC 8656 §11.5): what the kernel reports for a datagram a relay
// socket sent reaches the client as a Data indication with XOR-PEER-ADDRESS and ICMP, for
// permitted peers only, a few a second per allocation.

#include <chrono>

#include "protocol/turn_address_family.h"
#include "server/turn/turn_context.h"
#include "tests/server/turn/turn_core_test.h"
#include "tests/support/loopback.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

const std::vector<uint8_t> kPayload = {'p', 'i', 'n', 'g'};

// A loopback port nobody listens on: a socket's, closed again (the kernel hands out
// ephemeral ports in turn, so nobody takes it back within the test).
TransportAddress closed_port(const TransportAddress& ip) {
  auto p = UdpPeer::open(ip);
  EXPECT_TRUE(p) << p.error();
  return p ? p->address() : TransportAddress{};
}

class RelaySocketIcmpTest : public TurnCoreTest {
 protected:
  TransportAddress allocated_in(Family family) {
    auto r = send(stun::Method::Allocate, [&](stun::MessageBuilder& b) {
      stun::RequestedTransport{}.add_to(b);
      stun::RequestedAddressFamily{family}.add_to(b);
    });
    EXPECT_EQ(code_of(r), 0);
    return relayed_of(r).value_or(TransportAddress{});
  }
  // The ICMP Data indications that reach the client within `patience`.
  std::vector<stun::Icmp> icmp_indications(const TransportAddress& peer,
                                           Millis patience = Millis(1000)) {
    std::vector<stun::Icmp> out;
    while (auto d = to_client(patience)) {
      auto m = stun::MessageView::parse(d->data);
      EXPECT_TRUE(m);
      if (!m) break;
      EXPECT_EQ(m->method(), stun::Method::Data);
      EXPECT_EQ(m->message_class(), stun::Class::Indication);
      EXPECT_FALSE(m->has(stun::attr::Data)) << "§11.5: no DATA with ICMP";
      EXPECT_EQ(stun::XorPeerAddress::get_from(*m)->address, peer);
      auto icmp = stun::Icmp::get_from(*m);
      EXPECT_TRUE(icmp);
      if (icmp) out.push_back(*icmp);
      patience = Millis(300);
    }
    return out;
  }
};

TEST_F(RelaySocketIcmpTest, PeerPortWithoutListener_V4_ClientGetsIcmpType3Code3) {
  allocated();
  const TransportAddress peer = closed_port(v4_loopback());
  ASSERT_EQ(code_of(permit(peer)), 0);
  send_indication(peer, kPayload);
  auto icmp = icmp_indications(peer);
  ASSERT_EQ(icmp.size(), 1u);
  EXPECT_EQ(icmp[0], (stun::Icmp{3, 3, 0}));
}

TEST_F(RelaySocketIcmpTest, PeerPortWithoutListener_V6_ClientGetsIcmpType1Code4) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback on this machine";
  allocated_in(Family::V6);
  const TransportAddress peer =
      closed_port(TransportAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0));
  ASSERT_EQ(code_of(permit(peer)), 0);
  send_indication(peer, kPayload);
  auto icmp = icmp_indications(peer);
  ASSERT_EQ(icmp.size(), 1u);
  EXPECT_EQ(icmp[0], (stun::Icmp{1, 4, 0}));
}

TEST_F(RelaySocketIcmpTest, PermissionGoneWhenTheErrorArrives_NothingReachesTheClient) {
  allocated();
  const TransportAddress peer = closed_port(v4_loopback());
  ASSERT_EQ(code_of(permit(peer)), 0);
  send_indication(peer, kPayload);
  core().advance_ms(core().shared().settings.permission_lifetime_s * 1000 + 1000);
  EXPECT_TRUE(icmp_indications(peer, Millis(500)).empty());
}

TEST_F(RelaySocketIcmpTest, ManyErrors_AtMostTenASecondPerAllocation_AndTheSendsStillGo) {
  allocated();
  const TransportAddress dead = closed_port(v4_loopback());
  UdpPeer live = peer();
  ASSERT_EQ(code_of(permit(dead)), 0);
  ASSERT_EQ(code_of(permit(live.address())), 0);
  // Unread, each error makes the next send fail once (IP_RECVERR): that send is retried.
  constexpr int kSends = 30;
  for (int i = 0; i < kSends; ++i) send_indication(dead, kPayload);
  send_indication(live.address(), kPayload);
  EXPECT_TRUE(live.receive(2000ms)) << "a send was lost to an earlier datagram's ICMP error";
  EXPECT_EQ(core().counters().relay_send_failures.get(), 0u);
  const size_t told = icmp_indications(dead).size();
  EXPECT_GE(told, 1u);  // the host's ICMP budget is shared with every other test
  EXPECT_LE(told, 10u);
}

}  // namespace
}  // namespace tern::test
