// Names as text: UTF-8 checks for the stores and the JSON form ternctl and the admin API
// print (client-chosen USERNAMEs and hand-edited rows can never break the document).
#include "auth/store_text.h"

#include <gtest/gtest.h>

#include <string>

namespace tern::auth {
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

TEST(HasControl, ControlCharactersAndDelete) {
  EXPECT_TRUE(has_control("a\nb"));
  EXPECT_TRUE(has_control(std::string("a\0b", 3)));
  EXPECT_TRUE(has_control("a\x7f"));
  EXPECT_FALSE(has_control("r\xC3\xA9seau"));
}

TEST(JsonQuote, QuotesBackslashesAndControlCharacters_AreEscaped) {
  EXPECT_EQ(json_quote("alice"), R"("alice")");
  EXPECT_EQ(json_quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quote(std::string("x\ny\0z\x1f\x7f", 7)), R"("x\u000ay\u0000z\u001f\u007f")");
}

TEST(JsonQuote, ValidUtf8_PassesThrough) {
  EXPECT_EQ(json_quote("J\xC3\xBCrgen \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"J\xC3\xBCrgen \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonQuote, InvalidUtf8_BecomesOneReplacementCharacterPerByte) {
  EXPECT_EQ(json_quote("a\xFF"
                       "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(json_quote("a\x80"
                       "b"),
            R"("a\ufffdb")");                                                  // continuation
  EXPECT_EQ(json_quote("\xC0\xAF"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(json_quote("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");            // a surrogate
  EXPECT_EQ(json_quote("\xF4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
  EXPECT_EQ(json_quote("\xE2\x82"), R"("\ufffd\ufffd")");                      // cut short
}

}  // namespace
}  // namespace tern::auth

namespace tern::auth {
namespace {

TEST(StoreNames, RealmProblems_NameWhatIsWrong) {
  EXPECT_EQ(realm_problem("example.org"), std::nullopt);
  EXPECT_EQ(realm_problem(""), "the realm is empty");
  EXPECT_EQ(realm_problem("a\nb"), "the realm is not printable UTF-8");
  EXPECT_EQ(realm_problem("a\xC3"), "the realm is not printable UTF-8");
  EXPECT_EQ(realm_problem(std::string(127, 'r')), std::nullopt);
  EXPECT_EQ(realm_problem(std::string(128, 'r')), "the realm is longer than 127 characters");
  // Characters, not bytes: 127 two-byte characters fit.
  std::string wide;
  for (int i = 0; i < 127; ++i) wide += "\xC3\xA9";
  EXPECT_EQ(realm_problem(wide), std::nullopt);
}

TEST(StoreNames, UserNameProblems_NameWhatIsWrong) {
  EXPECT_EQ(user_name_problem("alice"), std::nullopt);
  EXPECT_EQ(user_name_problem(""), "the user name is empty");
  EXPECT_EQ(user_name_problem("al\x7fice"), "the user name is not printable UTF-8");
  EXPECT_EQ(user_name_problem(std::string(508, 'u')), std::nullopt);
  EXPECT_EQ(user_name_problem(std::string(509, 'u')), "the user name is longer than 508 bytes");
}

}  // namespace
}  // namespace tern::auth
