// Refresh (RFC 8656 §7.5) through handle_refresh, on the fake clock.

#include "server/turn/turn_context.h"
#include "tests/server/turn/turn_core_test.h"

namespace tern::test {
namespace {

using RefreshTest = TurnCoreTest;

TEST_F(RefreshTest, NoAllocation_Is437) {
  EXPECT_EQ(code_of(refresh(600)), 437);
}

TEST_F(RefreshTest, Step1_LifetimeZero_DeletesTheAllocationAndAnswersZero) {
  ASSERT_EQ(code_of(allocate()), 0);
  auto r = refresh(0);
  EXPECT_EQ(code_of(r), 0);
  EXPECT_EQ(lifetime_of(r), 0u);
  EXPECT_EQ(core().table().size(), 0u);
  EXPECT_EQ(code_of(refresh(600)), 437);
}

TEST_F(RefreshTest, Step1_LifetimeZero_GivesTheRelayPortBack) {
  ASSERT_EQ(code_of(allocate()), 0);
  auto leased = [&] {
    size_t n = 0;
    for (const auto& pool : core().shared().relay_pools().pools()) n += pool->in_use();
    return n;
  };
  EXPECT_EQ(leased(), 1u);
  ASSERT_EQ(code_of(refresh(0)), 0);
  EXPECT_EQ(leased(), 0u);
}

TEST_F(RefreshTest, Step2_NoLifetime_GrantsTheDefault) {
  ASSERT_EQ(code_of(allocate()), 0);
  auto r = refresh(std::nullopt);
  EXPECT_EQ(code_of(r), 0);
  EXPECT_EQ(lifetime_of(r), core().shared().settings.default_lifetime_s);
}

TEST_F(RefreshTest, Step2_LifetimeAboveMaximum_IsCutToMaximum) {
  ASSERT_EQ(code_of(allocate()), 0);
  EXPECT_EQ(lifetime_of(refresh(1'000'000)), core().shared().settings.max_lifetime_s);
}

TEST_F(RefreshTest, Step2_RefreshedAllocationOutlivesItsFirstLifetime) {
  ASSERT_EQ(code_of(allocate(600)), 0);
  core().advance_ms(500'000);
  ASSERT_EQ(code_of(refresh(600)), 0);
  core().advance_ms(500'000);  // past the first lifetime, inside the refreshed one
  EXPECT_NE(core().table().find(FiveTuple::of(ctx()), core().clock_ms()), nullptr);
  core().advance_ms(101'000);
  EXPECT_EQ(code_of(refresh(600)), 437);
}

TEST_F(RefreshTest, FamilyTheAllocationLacks_Is443) {
  ASSERT_EQ(code_of(allocate()), 0);  // IPv4 only
  auto r = send(stun::Method::Refresh, [](stun::MessageBuilder& b) {
    stun::RequestedAddressFamily{Family::V6}.add_to(b);
  });
  EXPECT_EQ(code_of(r), 443);
}

}  // namespace
}  // namespace tern::test
