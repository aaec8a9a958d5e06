// AllocationTable on TurnCore's fake clock: expiry on use and by the sweep, and what the
// sweep hands back.

#include "server/turn/allocation_table.h"

#include "tests/server/turn/turn_core_test.h"

namespace tern::test {
namespace {

using AllocationTableTest = TurnCoreTest;

TEST_F(AllocationTableTest, Sweep_RemovesExpiredAllocationsAndReturnsNoStreamForUdp) {
  ASSERT_EQ(code_of(allocate(600)), 0);
  EXPECT_TRUE(core().table().sweep(core().clock_ms()).empty());
  EXPECT_EQ(core().table().size(), 1u);
  core().advance_ms(601'000);
  EXPECT_TRUE(core().table().sweep(core().clock_ms()).empty());  // UDP: no connection
  EXPECT_EQ(core().table().size(), 0u);
}

TEST_F(AllocationTableTest, Sweep_PrunesExpiredPermissionsOfLiveAllocations) {
  ASSERT_EQ(code_of(allocate(3600)), 0);
  ASSERT_EQ(code_of(permit(v4_loopback(5000))), 0);
  core().advance_ms(core().shared().settings.permission_lifetime_s * 1000 + 1000);
  core().table().sweep(core().clock_ms());
  Allocation* a = core().table().find(FiveTuple::of(ctx()), core().clock_ms());
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->permission_for(v4_loopback(5000), core().clock_ms()), nullptr);
}

TEST_F(AllocationTableTest, Sweep_HandsLiveEveryAllocationThatStays_AndNoneThatGoes) {
  ASSERT_EQ(code_of(allocate(600)), 0);
  std::vector<const Allocation*> seen;
  const auto live = [&](Allocation& a) { seen.push_back(&a); };
  core().table().sweep(core().clock_ms(), live);
  EXPECT_EQ(seen, std::vector<const Allocation*>{
                      core().table().find(FiveTuple::of(ctx()), core().clock_ms())});
  seen.clear();
  core().advance_ms(601'000);
  core().table().sweep(core().clock_ms(), live);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(core().table().size(), 0u);
}

}  // namespace
}  // namespace tern::test
