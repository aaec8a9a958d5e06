// --external-ip: clients see the public address; two clients of one tern relay to each
// other through those public addresses even where the network does not hairpin (the
// public address here is TEST-NET-3, which leads nowhere: only tern's own translation
// or in-process hand-over can deliver).

#include <gtest/gtest.h>

#include <string>

#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

const TransportAddress kPublic = TransportAddress::v4({203, 0, 113, 7}, 0);

class TurnExternalIpTest : public TurnTest, public ::testing::WithParamInterface<int> {};

TEST_P(TurnExternalIpTest, RelayedAddressIsPublic_AndClientsRelayToEachOther) {
  ASSERT_NO_FATAL_FAILURE(start({.ipv6_relay = false,
                                 .allow_loopback_peers = false,
                                 .extra = {"--external-ip", "203.0.113.7/127.0.0.1",
                                           "--relay-threads", std::to_string(GetParam())}}));
  auto a = allocated(Transport::Udp, IpVersion::V4);
  auto b = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(a && b);
  const TransportAddress a_relay = a->relayed(Family::V4);
  const TransportAddress b_relay = b->relayed(Family::V4);
  EXPECT_EQ(a_relay.ip, kPublic.ip) << a_relay.to_string();
  EXPECT_EQ(b_relay.ip, kPublic.ip) << b_relay.to_string();

  // a uses a channel, b Send indications: both framings see the public source address.
  ASSERT_TRUE(IsSuccess(a->channel_bind(0x4000, b_relay)));
  ASSERT_TRUE(IsSuccess(b->create_permission({a_relay})));
  ASSERT_TRUE(a->send_channel_data(0x4000, payload("a to b")));
  auto at_b = b->receive_data();
  ASSERT_TRUE(at_b) << to_string(at_b.error());
  EXPECT_EQ(at_b->kind, Relayed::Kind::DataIndication);
  EXPECT_EQ(at_b->peer, a_relay);
  EXPECT_EQ(text_of(at_b->data), "a to b");

  ASSERT_TRUE(b->send_indication(a_relay, payload("b to a")));
  auto at_a = a->receive_data();
  ASSERT_TRUE(at_a) << to_string(at_a.error());
  EXPECT_EQ(at_a->kind, Relayed::Kind::ChannelData);
  EXPECT_EQ(text_of(at_a->data), "b to a");
}

INSTANTIATE_TEST_SUITE_P(Workers, TurnExternalIpTest, ::testing::Values(1, 4),
                         [](const auto& info) { return std::to_string(info.param) + "workers"; });

}  // namespace
}  // namespace tern::test
