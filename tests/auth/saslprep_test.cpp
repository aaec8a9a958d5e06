#include "auth/saslprep.h"

#include <gtest/gtest.h>

namespace tern::auth {
namespace {

TEST(Saslprep, Rfc5769Password_IsPreparedToTheMatrIX) {
  // "The" SOFT HYPHEN "M" FEMININE ORDINAL "tr" ROMAN NUMERAL NINE (RFC 5769 §2.4).
  EXPECT_EQ(saslprep("The\u00ADM\u00AAtr\u2168"), "TheMatrIX");
}

TEST(Saslprep, PrintableAscii_IsUnchanged) {
  EXPECT_EQ(saslprep("pass word!~"), "pass word!~");
  EXPECT_EQ(saslprep(""), "");
}

TEST(Saslprep, NonAsciiSpace_MapsToSpace) {
  EXPECT_EQ(saslprep("a\u00A0b"), "a b");
}

TEST(Saslprep, Rfc4013Examples) {
  EXPECT_EQ(saslprep("I\u00ADX"), "IX");
  EXPECT_EQ(saslprep("\u00AA"), "a");
  EXPECT_EQ(saslprep("\u2168"), "IX");
}

TEST(Saslprep, ProhibitedCharacters_AreRejected) {
  EXPECT_FALSE(saslprep("a\x07"));  // ASCII control (C.2.1)
  EXPECT_FALSE(saslprep("a\x7F"));  // DEL
  EXPECT_FALSE(saslprep(std::string_view("a\0b", 3)));
  EXPECT_FALSE(saslprep("a\uE000"));       // private use (C.3)
  EXPECT_FALSE(saslprep("\u0627\u0031"));  // RandALCat string ending in a digit: bidi rule
}

TEST(Saslprep, UnassignedCodePoint_IsRejectedAsStoredString) {
  EXPECT_FALSE(saslprep("a\u0221"));  // unassigned in Unicode 3.2, the version RFC 3454 uses
}

TEST(Saslprep, InvalidUtf8_IsRejected) {
  EXPECT_FALSE(saslprep("a\xC3"));
  EXPECT_FALSE(saslprep("a\xFF\xFE"));
}

}  // namespace
}  // namespace tern::auth
