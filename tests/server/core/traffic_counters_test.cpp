// TrafficCounters: user space's, the kernel fast path's and TCP relays' counts add up
// field by field.

#include "server/core/traffic_counters.h"

#include <gtest/gtest.h>

namespace tern {
namespace {

TEST(TrafficCounters, PlusEqualsAddsEachFieldToItsOwn) {
  TrafficCounters t{
      .packets_to_peer = 1, .bytes_to_peer = 2, .packets_to_client = 3, .bytes_to_client = 4};
  t += {.packets_to_peer = 10, .bytes_to_peer = 20, .packets_to_client = 30, .bytes_to_client = 40};
  EXPECT_EQ(t, (TrafficCounters{.packets_to_peer = 11,
                                .bytes_to_peer = 22,
                                .packets_to_client = 33,
                                .bytes_to_client = 44}));
}

}  // namespace
}  // namespace tern
