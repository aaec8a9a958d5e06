// ChannelBind (RFC 8656 §12.2) through handle_channel_bind, on the fake clock.

#include "server/turn/turn_context.h"
#include "tests/server/turn/turn_core_test.h"

namespace tern::test {
namespace {

using ChannelBindTest = TurnCoreTest;

TEST_F(ChannelBindTest, NoAllocation_Is437) {
  EXPECT_EQ(code_of(bind(0x4000, v4_loopback(5000))), 437);
}

TEST_F(ChannelBindTest, Step1_ChannelNumberOutOfRange_Is400) {
  ASSERT_EQ(code_of(allocate()), 0);
  EXPECT_EQ(code_of(bind(0x3FFF, v4_loopback(5000))), 400);
  EXPECT_EQ(code_of(bind(0x8000, v4_loopback(5000))), 400);
}

TEST_F(ChannelBindTest, Step1_NoXorPeerAddress_Is400) {
  ASSERT_EQ(code_of(allocate()), 0);
  auto r = send(stun::Method::ChannelBind,
                [](stun::MessageBuilder& b) { stun::ChannelNumber{0x4000}.add_to(b); });
  EXPECT_EQ(code_of(r), 400);
}

TEST_F(ChannelBindTest, Step2_ChannelBoundToAnotherPeer_Is400) {
  ASSERT_EQ(code_of(allocate()), 0);
  ASSERT_EQ(code_of(bind(0x4000, v4_loopback(5000))), 0);
  EXPECT_EQ(code_of(bind(0x4000, v4_loopback(5001))), 400);
}

TEST_F(ChannelBindTest, Step3_PeerBoundToAnotherChannel_Is400) {
  ASSERT_EQ(code_of(allocate()), 0);
  ASSERT_EQ(code_of(bind(0x4000, v4_loopback(5000))), 0);
  EXPECT_EQ(code_of(bind(0x4001, v4_loopback(5000))), 400);
}

TEST_F(ChannelBindTest, Step4_PeerOfAFamilyWithoutRelay_Is443) {
  ASSERT_EQ(code_of(allocate()), 0);
  auto v6 = TransportAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 5000);
  EXPECT_EQ(code_of(bind(0x4000, v6)), 443);
}

TEST_F(ChannelBindTest, Success_BindsForTenMinutesAndInstallsThePermission) {
  ASSERT_EQ(code_of(allocate(3600)), 0);
  ASSERT_EQ(code_of(bind(0x4000, v4_loopback(5000))), 0);
  auto* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->permission_for(v4_loopback(5000), core().clock_ms()), nullptr);
  ASSERT_NE(a->channel_by_number(0x4000, core().clock_ms()), nullptr);
  core().advance_ms(core().shared().settings.channel_lifetime_s * 1000 + 1000);
  a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->channel_by_number(0x4000, core().clock_ms()), nullptr);
}

TEST_F(ChannelBindTest, Success_RebindingTheSamePairRefreshesIt) {
  ASSERT_EQ(code_of(allocate(3600)), 0);
  ASSERT_EQ(code_of(bind(0x4000, v4_loopback(5000))), 0);
  core().advance_ms(500'000);
  ASSERT_EQ(code_of(bind(0x4000, v4_loopback(5000))), 0);
  core().advance_ms(500'000);  // 1000 s after the first bind, 500 s after the refresh
  auto* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->channel_by_number(0x4000, core().clock_ms()), nullptr);
}

TEST_F(ChannelBindTest, Expired_NumberCannotGoToAnotherPeerForFiveMinutes) {
  ASSERT_EQ(code_of(allocate(3600)), 0);
  ASSERT_EQ(code_of(bind(0x4000, v4_loopback(5000))), 0);
  core().advance_ms(core().shared().settings.channel_lifetime_s * 1000 + 1000);
  EXPECT_EQ(code_of(bind(0x4000, v4_loopback(5001))), 400);
  core().advance_ms(5 * 60 * 1000);
  EXPECT_EQ(code_of(bind(0x4000, v4_loopback(5001))), 0);
}

}  // namespace
}  // namespace tern::test
