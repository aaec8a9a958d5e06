// CreatePermission (RFC 8656 §9.2) through handle_create_permission, on the fake clock.

#include "server/turn/turn_context.h"
#include "tests/server/turn/turn_core_test.h"

namespace tern::test {
namespace {

using CreatePermissionTest = TurnCoreTest;

TEST_F(CreatePermissionTest, NoAllocation_Is437) {
  EXPECT_EQ(code_of(permit(v4_loopback(5000))), 437);
}

TEST_F(CreatePermissionTest, Step1_NoXorPeerAddress_Is400) {
  ASSERT_EQ(code_of(allocate()), 0);
  EXPECT_EQ(code_of(send(stun::Method::CreatePermission, [](stun::MessageBuilder&) {})), 400);
}

TEST_F(CreatePermissionTest, Step2_PeerOfAFamilyWithoutRelay_Is443) {
  ASSERT_EQ(code_of(allocate()), 0);
  auto v6 = TransportAddress::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 5000);
  EXPECT_EQ(code_of(permit(v6)), 443);
}

TEST_F(CreatePermissionTest, Step3_DeniedPeer_Is403AndInstallsNothing) {
  ASSERT_EQ(code_of(allocate()), 0);
  // 0.0.0.0 is never a peer; one refusal fails the whole request (§9.2).
  auto r = send(stun::Method::CreatePermission, [](stun::MessageBuilder& b) {
    stun::XorPeerAddress{v4_loopback(5000)}.add_to(b);
    stun::XorPeerAddress{TransportAddress::v4({0, 0, 0, 0}, 5000)}.add_to(b);
  });
  EXPECT_EQ(code_of(r), 403);
  Allocation* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->permission_for(v4_loopback(5000), core().clock_ms()), nullptr);
}

TEST_F(CreatePermissionTest, Step4_InstallsPermissionForThePeerIpForItsLifetime) {
  ASSERT_EQ(code_of(allocate()), 0);
  ASSERT_EQ(code_of(permit(v4_loopback(5000))), 0);
  Allocation* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  // The permission is for the IP: any port of it (§9).
  EXPECT_NE(a->permission_for(v4_loopback(6000), core().clock_ms()), nullptr);
  core().advance_ms(core().shared().settings.permission_lifetime_s * 1000 + 1000);
  a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->permission_for(v4_loopback(5000), core().clock_ms()), nullptr);
}

TEST_F(CreatePermissionTest, Step4_RepeatedRequestRefreshesThePermission) {
  ASSERT_EQ(code_of(allocate()), 0);
  ASSERT_EQ(code_of(permit(v4_loopback(5000))), 0);
  core().advance_ms(200'000);
  ASSERT_EQ(code_of(permit(v4_loopback(5000))), 0);
  core().advance_ms(200'000);  // 400 s after the first, 200 s after the refresh
  Allocation* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->permission_for(v4_loopback(5000), core().clock_ms()), nullptr);
}

}  // namespace
}  // namespace tern::test
