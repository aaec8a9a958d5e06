#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tern
