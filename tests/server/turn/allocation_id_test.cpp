#include <gtest/gtest.h>

#include "base/fast_random.h"
#include "server/turn/allocation.h"

namespace tern {
namespace {

TEST(AllocationId, IsCoturnsEighteenDigitSessionId) {
  EXPECT_EQ((AllocationId{0, 17}).to_string(), "001000000000000017");
  EXPECT_EQ((AllocationId{2, 17}).to_string(), "003000000000000017");
  EXPECT_EQ((AllocationId{0, 999'999'999'999'999}).to_string(), "001999999999999999");
}

TEST(AllocationId, Parse_TakesBackWhatToStringMade) {
  for (const AllocationId id : {AllocationId{0, 1}, AllocationId{3, 123456}, AllocationId{63, 0}}) {
    const auto back = AllocationId::parse(id.to_string());
    ASSERT_TRUE(back) << id.to_string();
    EXPECT_EQ(*back, id);
  }
}

TEST(AllocationId, Parse_RefusesEveryOtherSpelling) {
  for (const char* text : {"", "0-17", "1000000000000017", "0001000000000000017",
                           "+01000000000000017", "00100000000000001a", "000000000000000017"}) {
    EXPECT_FALSE(AllocationId::parse(text)) << text;
  }
}

// Nodes of a fleet write their ids into one statsdb: each worker starts its sequence at a
// random place, within the first half so that it never wraps, and never at 0 (no id).
TEST(AllocationId, FirstSequence_IsSpreadOverTheFirstHalfOfTheRange) {
  constexpr uint64_t kHalf = 500'000'000'000'000;
  EXPECT_EQ(AllocationId::first_sequence(0), 1u);
  EXPECT_EQ(AllocationId::first_sequence(kHalf - 1), kHalf);
  EXPECT_EQ(AllocationId::first_sequence(kHalf), 1u);
  EXPECT_LE(AllocationId::first_sequence(~uint64_t{0}), kHalf);
  // Two random starts: what two nodes started together would pick.
  FastRandom random;
  EXPECT_NE(AllocationId::first_sequence(random.next()),
            AllocationId::first_sequence(random.next()));
}

}  // namespace
}  // namespace tern
