// The test support's relay port ranges: what keeps concurrent test processes' ternds from
// meeting each other's relay sockets.
#include "tests/support/relay_port_range.h"

#include <gtest/gtest.h>

#include <vector>

namespace tern::test {
namespace {

bool overlap(const PortRange& a, const PortRange& b) {
  return a.first <= b.last && b.first <= a.last;
}

TEST(RelayPortRange, RangesHeldAtOnce_NeverOverlap) {
  // A small window, so random picks would overlap often if nothing held them.
  constexpr PortWindow kWindow{63000, 63511};
  std::vector<PortRange> held;
  for (int i = 0; i < 4; ++i) {
    auto r = free_udp_port_range(40, kWindow);
    ASSERT_TRUE(r) << "pick " << i;
    EXPECT_EQ(r->last - r->first + 1, 40);
    EXPECT_GE(r->first, kWindow.lowest);
    EXPECT_LE(r->last, kWindow.highest);
    for (const auto& h : held) EXPECT_FALSE(overlap(*r, h)) << r->first << " and " << h.first;
    held.push_back(std::move(*r));
  }
}

TEST(RelayPortRange, AHeldRange_IsPickedAgainOnlyOnceEveryCopyIsGone) {
  constexpr PortWindow kWindow{64000, 64063};
  auto first = free_udp_port_range(64, kWindow);
  ASSERT_TRUE(first);
  std::optional<PortRange> copy = *first;  // copies share the hold
  first.reset();
  EXPECT_FALSE(free_udp_port_range(1, kWindow, std::chrono::milliseconds(0)));
  copy.reset();
  EXPECT_TRUE(free_udp_port_range(64, kWindow));
}

}  // namespace
}  // namespace tern::test
