// ChannelData (RFC 8656 §12.6, client → peer, through handle_channel_data) and what peers
// send back (§11.3 Data indications, §12.6 ChannelData to the client, through the relay
// socket's read path on the fake clock).

#include "protocol/channel_data.h"
#include "server/turn/turn_context.h"
#include "tests/server/turn/turn_core_test.h"

namespace tern::test {
namespace {

using ChannelDataTest = TurnCoreTest;
using DataTest = TurnCoreTest;

const std::vector<uint8_t> kPayload = {'p', 'i', 'n', 'g'};

TEST_F(ChannelDataTest, UnboundChannel_IsDropped) {
  allocated();
  UdpPeer p = peer();
  ASSERT_EQ(code_of(permit(p.address())), 0);
  channel_data(0x4000, kPayload);
  EXPECT_EQ(core().counters().dropped_unbound_channel.get(), 1u);
  EXPECT_TRUE(p.silent_for(Millis(100)));
}

TEST_F(ChannelDataTest, BoundChannel_DataReachesThePeerFromTheRelayedAddress) {
  const TransportAddress relayed = allocated();
  UdpPeer p = peer();
  ASSERT_EQ(code_of(bind(0x4001, p.address())), 0);
  channel_data(0x4001, kPayload);
  auto d = p.receive();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data, kPayload);
  EXPECT_EQ(d->from, relayed);
}

TEST_F(ChannelDataTest, ExpiredChannel_IsDropped) {
  ASSERT_EQ(code_of(allocate(3600)), 0);
  UdpPeer p = peer();
  ASSERT_EQ(code_of(bind(0x4001, p.address())), 0);
  core().advance_ms(core().shared().settings.channel_lifetime_s * 1000 + 1000);
  channel_data(0x4001, kPayload);
  EXPECT_TRUE(p.silent_for(Millis(100)));
}

TEST_F(ChannelDataTest, FromPeerWithChannel_ReachesTheClientAsChannelData) {
  const TransportAddress relayed = allocated();
  UdpPeer p = peer();
  ASSERT_EQ(code_of(bind(0x4002, p.address())), 0);
  ASSERT_TRUE(p.send_to(relayed, kPayload));
  auto d = to_client();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->from, server_->address);  // through the client's own server socket
  auto frame = stun::parse_channel_data(d->data, stun::ChannelRange::Rfc5766);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->channel, 0x4002);
  EXPECT_EQ(std::vector<uint8_t>(frame->data.begin(), frame->data.end()), kPayload);
}

TEST_F(DataTest, FromPeerWithoutPermission_IsDropped) {
  const TransportAddress relayed = allocated();
  UdpPeer p = peer();
  ASSERT_TRUE(p.send_to(relayed, kPayload));
  EXPECT_FALSE(to_client(Millis(300)));
  EXPECT_EQ(core().counters().peer_dropped_no_permission.get(), 1u);
}

TEST_F(DataTest, FromPeerWithPermission_ReachesTheClientAsDataIndication) {
  const TransportAddress relayed = allocated();
  UdpPeer p = peer();
  ASSERT_EQ(code_of(permit(p.address())), 0);
  ASSERT_TRUE(p.send_to(relayed, kPayload));
  auto d = to_client();
  ASSERT_TRUE(d);
  auto m = stun::MessageView::parse(d->data);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->method(), stun::Method::Data);
  EXPECT_EQ(m->message_class(), stun::Class::Indication);
  auto from = stun::XorPeerAddress::get_from(*m);
  ASSERT_TRUE(from);
  EXPECT_EQ(from->address, p.address());
  auto data = stun::DataAttribute::get_from(*m);
  ASSERT_TRUE(data);
  EXPECT_EQ(std::vector<uint8_t>(data->bytes.begin(), data->bytes.end()), kPayload);
}

TEST_F(DataTest, FromPeerAfterPermissionExpiredOnTheFakeClock_IsDropped) {
  const TransportAddress relayed = allocated();
  UdpPeer p = peer();
  ASSERT_EQ(code_of(permit(p.address())), 0);
  // The relay socket's read path judges the permission by the core's clock, not the
  // machine's: this fails if it reads steady_ms() itself.
  core().advance_ms(core().shared().settings.permission_lifetime_s * 1000 + 1000);
  ASSERT_TRUE(p.send_to(relayed, kPayload));
  EXPECT_FALSE(to_client(Millis(300)));
  EXPECT_EQ(core().counters().peer_dropped_no_permission.get(), 1u);
}

}  // namespace
}  // namespace tern::test
