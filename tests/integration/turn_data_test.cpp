// Relayed data against a real ternd: Send and Data indications over UDP, TCP, TLS and DTLS
// (RFC 8656 §11), allocations that die with their TCP/TLS connection (§3.1, §5), and two
// clients of one server relaying to each other.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/relay_port_range.h"
#include "tests/support/stun_requests.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;
class TurnIndicationTest : public TurnTransportTest {};

TEST_P(TurnIndicationTest, SendIndication_ReachesThePeer_AndTheReplyIsADataIndication) {
  ASSERT_NO_FATAL_FAILURE(start_for_transport());
  auto c = allocated(transport(), version(), {.family = family()});
  auto p = peer(version());
  ASSERT_TRUE(c && p);
  const TransportAddress relayed = c->relayed(family());
  ASSERT_TRUE(IsSuccess(c->create_permission({p->address()})));

  ASSERT_TRUE(c->send_indication(p->address(), payload("hello peer")));
  auto at_peer = p->echo();
  ASSERT_TRUE(at_peer) << to_string(at_peer.error());
  EXPECT_EQ(text_of(at_peer->data), "hello peer");
  EXPECT_EQ(at_peer->from, relayed);

  auto got = c->receive_data();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(got->kind, Relayed::Kind::DataIndication) << to_string(got->kind);
  EXPECT_EQ(got->peer, p->address());
  EXPECT_EQ(text_of(got->data), "hello peer");
}

INSTANTIATE_TEST_SUITE_P(Transports, TurnIndicationTest,
                         ::testing::Combine(::testing::Values(Transport::Udp, Transport::Tcp,
                                                              Transport::Tls, Transport::Dtls),
                                            both_ip_versions()),
                         ParamName());

class TurnDataTest : public TurnTest {};

TEST_F(TurnDataTest, SendIndicationAndChannelData_WithoutAnAllocation_AreDroppedSilently) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  // RFC 8656 §5: no 437 for these, they are not requests.
  ASSERT_TRUE(c->send_indication(p->address(), payload("nobody's")));
  ASSERT_TRUE(c->send_channel_data(0x4000, payload("nobody's")));
  auto answer = c->stun().receive(300ms);
  EXPECT_FALSE(answer) << "answered: " << describe(*answer);
  EXPECT_TRUE(p->silent_for(100ms));
}

class TurnStreamLifetimeTest : public TurnTest, public ::testing::WithParamInterface<Transport> {};

TEST_P(TurnStreamLifetimeTest, ClosingTheConnection_DeletesItsAllocationAtOnce) {
  auto range = free_udp_port_range(1);
  ASSERT_TRUE(range) << "no free UDP port";
  ASSERT_NO_FATAL_FAILURE(start({.tls = GetParam() == Transport::Tls, .extra = range->args()}));
  {
    auto stream = allocated(GetParam(), IpVersion::V4);
    ASSERT_TRUE(stream);
    ASSERT_EQ(stream->relayed(Family::V4).port, range->first);
    auto blocked = connect(Transport::Udp, IpVersion::V4);
    ASSERT_TRUE(blocked);
    ASSERT_TRUE(IsError(blocked->allocate(), 508)) << "the only relay port should be taken";
  }  // the connection closes here, 600 s before the allocation's lifetime ends

  auto next = connect(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(next);
  // The close is handled by the server's loop a moment later. The bound is that moment on
  // a loaded machine, still nothing beside the 600 s the allocation had left.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  TurnResult r = next->allocate();
  while (r && r->code() == 508 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    r = next->allocate();
  }
  ASSERT_TRUE(IsSuccess(r));
  EXPECT_EQ(next->relayed(Family::V4).port, range->first);

  auto counters = stop_and_count();
  EXPECT_GE(counters["allocations_deleted"], 1u);
  EXPECT_EQ(counters["allocations_expired"], 0u);
}

INSTANTIATE_TEST_SUITE_P(Streams, TurnStreamLifetimeTest,
                         ::testing::Values(Transport::Tcp, Transport::Tls), ParamName());

class TurnRelayToRelayTest : public TurnIpVersionTest {};

TEST_P(TurnRelayToRelayTest, TwoClientsOfOneServer_RelayToEachOtherOverChannels) {
  // No --allow-loopback-peers: the server's own relay addresses are allowed peers anyway.
  ASSERT_NO_FATAL_FAILURE(start({.allow_loopback_peers = false}));
  auto a = allocated(Transport::Udp, version(), {.family = family()});
  auto b = allocated(Transport::Udp, version(), {.family = family()});
  ASSERT_TRUE(a && b);
  const TransportAddress a_relay = a->relayed(family());
  const TransportAddress b_relay = b->relayed(family());
  ASSERT_TRUE(IsSuccess(a->channel_bind(0x4000, b_relay)));
  ASSERT_TRUE(IsSuccess(b->channel_bind(0x4001, a_relay)));

  ASSERT_TRUE(a->send_channel_data(0x4000, payload("a to b")));
  auto at_b = b->receive_data();
  ASSERT_TRUE(at_b) << to_string(at_b.error());
  EXPECT_EQ(at_b->kind, Relayed::Kind::ChannelData) << to_string(at_b->kind);
  EXPECT_EQ(at_b->channel, 0x4001);
  EXPECT_EQ(text_of(at_b->data), "a to b");

  ASSERT_TRUE(b->send_channel_data(0x4001, payload("b to a")));
  auto at_a = a->receive_data();
  ASSERT_TRUE(at_a) << to_string(at_a.error());
  EXPECT_EQ(at_a->kind, Relayed::Kind::ChannelData) << to_string(at_a->kind);
  EXPECT_EQ(at_a->channel, 0x4000);
  EXPECT_EQ(text_of(at_a->data), "b to a");
}

INSTANTIATE_TEST_SUITE_P(IpVersions, TurnRelayToRelayTest, both_ip_versions(), ParamName());

}  // namespace
}  // namespace tern::test
