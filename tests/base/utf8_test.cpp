#include "base/utf8.h"

#include <gtest/gtest.h>

namespace tern {
namespace {

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(utf8_length("alice"), 5u);
  EXPECT_EQ(utf8_length("r\xC3\xA9seau \xE2\x82\xAC \xF0\x9F\x98\x80"), 10u);
  EXPECT_EQ(utf8_length(""), 0u);
}

TEST(Utf8Length, IllFormed_IsNullopt) {
  EXPECT_FALSE(utf8_length("a\x80"));                 // lone continuation byte
  EXPECT_FALSE(utf8_length("a\xC3"));                 // cut short
  EXPECT_FALSE(utf8_length("\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(utf8_length("\xE0\x80\xAF"));          // overlong, three bytes
  EXPECT_FALSE(utf8_length("\xED\xA0\x80"));          // a surrogate
  EXPECT_FALSE(utf8_length("\xF4\x90\x80\x80"));      // past U+10FFFF
  EXPECT_FALSE(utf8_length("\xF8\x88\x80\x80\x80"));  // five-byte form
}

}  // namespace
}  // namespace tern
