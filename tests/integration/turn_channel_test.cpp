// Channels against a real ternd (RFC 8656 §12): ChannelData both ways over UDP, TCP, TLS
// and DTLS, the number range, rebinding rules, and ChannelData on a number nobody bound.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "protocol/byte_order.h"
#include "protocol/turn_attributes.h"
#include "tests/support/turn_fixture.h"

namespace tern::test {
namespace {

using namespace std::chrono_literals;

class TurnChannelDataTest : public TurnTransportTest {};

TEST_P(TurnChannelDataTest, ChannelData_FlowsBothWays_AndThePeersReplyComesAsChannelData) {
  ASSERT_NO_FATAL_FAILURE(start_for_transport());
  auto c = allocated(transport(), version(), {.family = family()});
  auto p = peer(version());
  ASSERT_TRUE(c && p);
  const TransportAddress relayed = c->relayed(family());
  ASSERT_TRUE(IsSuccess(c->channel_bind(0x4000, p->address())));

  ASSERT_TRUE(c->send_channel_data(0x4000, payload("to the peer")));
  auto at_peer = p->receive();
  ASSERT_TRUE(at_peer) << to_string(at_peer.error());
  EXPECT_EQ(text_of(at_peer->data), "to the peer");
  EXPECT_EQ(at_peer->from, relayed);

  // Five bytes: over a stream the server must pad the frame to eight (over DTLS it may, and
  // does: the association is the client's stream).
  ASSERT_TRUE(p->send_to(relayed, payload("back!")));
  auto got = c->receive_data();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(got->kind, Relayed::Kind::ChannelData) << to_string(got->kind);
  EXPECT_EQ(got->channel, 0x4000);
  EXPECT_EQ(text_of(got->data), "back!");
  if (transport() == Transport::Udp) {
    // Over UDP the padding may be left out (RFC 8656 §12.5); tern sends none.
    EXPECT_EQ(got->wire.size(), 4u + 5u);
  } else {
    ASSERT_EQ(got->wire.size(), 4u + padded4(5));
    EXPECT_TRUE(std::all_of(got->wire.begin() + 9, got->wire.end(), [](uint8_t b) {
      return b == 0;
    })) << "padding not zero";
  }
}

INSTANTIATE_TEST_SUITE_P(Transports, TurnChannelDataTest,
                         ::testing::Combine(::testing::Values(Transport::Udp, Transport::Tcp,
                                                              Transport::Tls, Transport::Dtls),
                                            both_ip_versions()),
                         ParamName());

class TurnChannelTest : public TurnTest {};

// coturn's turnutils_uclient (and other clients) read one TLS record as one message, so a
// burst from a peer must not be packed into shared records.
TEST_F(TurnChannelTest, ChannelData_OverTls_EachFrameIsATlsRecordOfItsOwn) {
  ASSERT_NO_FATAL_FAILURE(start({.tls = true}));
  auto c = allocated(Transport::Tls, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  const TransportAddress relayed = c->relayed(Family::V4);
  ASSERT_TRUE(IsSuccess(c->channel_bind(0x4000, p->address())));
  c->stun().tls_reads().clear();

  constexpr size_t kBurst = 64;
  const Bytes data(100, 0xab);  // ChannelData frame: 4 + 100 bytes
  for (size_t i = 0; i < kBurst; ++i) ASSERT_TRUE(p->send_to(relayed, data));
  for (size_t i = 0; i < kBurst; ++i) {
    auto got = c->receive_data();
    ASSERT_TRUE(got) << "frame " << i << ": " << to_string(got.error());
    EXPECT_EQ(got->wire.size(), 104u);
  }
  const auto& reads = c->stun().tls_reads();
  EXPECT_EQ(reads.size(), kBurst);
  EXPECT_TRUE(std::ranges::all_of(reads, [](size_t n) { return n == 104; }))
      << "a TLS record carried more or less than one frame";
}

struct BadNumber {
  const char* name;
  uint16_t number;
  bool strict;
};

class TurnChannelNumberTest : public TurnTest, public ::testing::WithParamInterface<BadNumber> {};

TEST_P(TurnChannelNumberTest, ChannelBind_NumberOutOfRange_Is400) {
  TurnServerSetup setup;
  if (GetParam().strict) setup.extra = {"--strict-channel-numbers"};
  ASSERT_NO_FATAL_FAILURE(start(setup));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  EXPECT_TRUE(IsError(c->channel_bind(GetParam().number, p->address()), 400));
}

INSTANTIATE_TEST_SUITE_P(Numbers, TurnChannelNumberTest,
                         ::testing::Values(BadNumber{"Below0x4000", 0x3FFF, false},
                                           BadNumber{"At0x8000", 0x8000, false},
                                           BadNumber{"At0xFFFF", 0xFFFF, false},
                                           BadNumber{"Rfc5766RangeWhenStrict", 0x5000, true}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(TurnChannelTest, ChannelBind_HighestRfc8656Number_Succeeds) {
  ASSERT_NO_FATAL_FAILURE(start({.extra = {"--strict-channel-numbers"}}));
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  EXPECT_TRUE(IsSuccess(c->channel_bind(0x4FFF, p->address())));
}

TEST_F(TurnChannelTest, ChannelBind_Rfc5766Range_IsAcceptedByDefault_ForCoturnClients) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  ASSERT_TRUE(IsSuccess(c->channel_bind(0x5000, p->address())));
  ASSERT_TRUE(c->send_channel_data(0x5000, payload("old range")));
  auto at_peer = p->receive();
  ASSERT_TRUE(at_peer) << to_string(at_peer.error());
  EXPECT_EQ(text_of(at_peer->data), "old range");
}

TEST_F(TurnChannelTest, ChannelBind_SameNumberSamePeerAgain_RefreshesIt) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  ASSERT_TRUE(IsSuccess(c->channel_bind(0x4000, p->address())));
  EXPECT_TRUE(IsSuccess(c->channel_bind(0x4000, p->address())));
}

TEST_F(TurnChannelTest, ChannelBind_SameNumberToAnotherPeer_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto a = peer(IpVersion::V4);
  auto b = peer(IpVersion::V4);
  ASSERT_TRUE(c && a && b);
  ASSERT_TRUE(IsSuccess(c->channel_bind(0x4000, a->address())));
  EXPECT_TRUE(IsError(c->channel_bind(0x4000, b->address()), 400));
}

TEST_F(TurnChannelTest, ChannelBind_SamePeerToAnotherNumber_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  ASSERT_TRUE(IsSuccess(c->channel_bind(0x4000, p->address())));
  EXPECT_TRUE(IsError(c->channel_bind(0x4001, p->address()), 400));
}

TEST_F(TurnChannelTest, ChannelBind_WithoutAPeerAddress_Is400) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  ASSERT_TRUE(c);
  auto r = c->request(stun::Method::ChannelBind,
                      [](stun::MessageBuilder& b) { stun::ChannelNumber{0x4000}.add_to(b); });
  EXPECT_TRUE(IsError(r, 400));
}

TEST_F(TurnChannelTest, ChannelBind_WithoutAnAllocation_Is437) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = connect(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  EXPECT_TRUE(IsError(c->channel_bind(0x4000, p->address()), 437));
}

TEST_F(TurnChannelTest, ChannelData_OnAnUnboundNumber_IsDroppedAndCounted) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto p = peer(IpVersion::V4);
  ASSERT_TRUE(c && p);
  ASSERT_TRUE(IsSuccess(c->channel_bind(0x4000, p->address())));
  ASSERT_TRUE(c->send_channel_data(0x4001, payload("unbound")));
  ASSERT_TRUE(c->send_channel_data(0x4000, payload("bound")));
  // In order on one socket: the first datagram at the peer shows whether "unbound" left.
  auto got = p->receive();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(text_of(got->data), "bound");
  EXPECT_TRUE(p->silent_for(200ms));
  auto counters = stop_and_count();
  EXPECT_EQ(counters["dropped_unbound_channel"], 1u);
}

TEST_F(TurnChannelTest, ChannelBind_InstallsThePermission_ButChannelDataFromOthersIsNotForThem) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto c = allocated(Transport::Udp, IpVersion::V4);
  auto bound = peer(TransportAddress::v4({127, 0, 0, 2}, 0));
  auto same_ip = peer(TransportAddress::v4({127, 0, 0, 2}, 0));
  ASSERT_TRUE(c && bound && same_ip);
  ASSERT_TRUE(IsSuccess(c->channel_bind(0x4000, bound->address())));
  // The permission covers the IP, the channel only the one transport address: another
  // port of the IP gets through, as a Data indication.
  ASSERT_TRUE(same_ip->send_to(c->relayed(Family::V4), payload("same ip")));
  auto got = c->receive_data();
  ASSERT_TRUE(got) << to_string(got.error());
  EXPECT_EQ(got->kind, Relayed::Kind::DataIndication) << to_string(got->kind);
  EXPECT_EQ(got->peer, same_ip->address());
}

}  // namespace
}  // namespace tern::test
