// Send indications (RFC 8656 §11.2) through handle_send_indication: relayed to a real
// loopback peer or dropped, never answered.

#include "server/turn/turn_context.h"
#include "tests/server/turn/turn_core_test.h"

namespace tern::test {
namespace {

using SendIndicationTest = TurnCoreTest;

const std::vector<uint8_t> kPayload = {'h', 'e', 'l', 'l', 'o'};

TEST_F(SendIndicationTest, NoAllocation_IsDropped) {
  UdpPeer p = peer();
  send_indication(p.address(), kPayload);
  EXPECT_EQ(core().counters().dropped_malformed.get(), 1u);
  EXPECT_TRUE(p.silent_for(Millis(100)));
}

TEST_F(SendIndicationTest, Step1_NoPermissionForThePeer_IsDropped) {
  const TransportAddress relayed = allocated();
  (void)relayed;
  UdpPeer p = peer();
  send_indication(p.address(), kPayload);
  EXPECT_EQ(core().counters().client_dropped_no_permission.get(), 1u);
  EXPECT_TRUE(p.silent_for(Millis(100)));
}

TEST_F(SendIndicationTest, Step2_WithPermission_DataReachesThePeerFromTheRelayedAddress) {
  const TransportAddress relayed = allocated();
  UdpPeer p = peer();
  ASSERT_EQ(code_of(permit(p.address())), 0);
  send_indication(p.address(), kPayload);
  auto d = p.receive();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->data, kPayload);
  EXPECT_EQ(d->from, relayed);
}

TEST_F(SendIndicationTest, Step1_ExpiredPermission_IsDropped) {
  allocated();
  UdpPeer p = peer();
  ASSERT_EQ(code_of(permit(p.address())), 0);
  core().advance_ms(core().shared().settings.permission_lifetime_s * 1000 + 1000);
  send_indication(p.address(), kPayload);
  EXPECT_TRUE(p.silent_for(Millis(100)));
}

}  // namespace
}  // namespace tern::test
