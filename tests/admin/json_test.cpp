#include "admin/json.h"

#include <gtest/gtest.h>

#include "tests/admin/json_reader.h"

namespace tern::admin {
namespace {

using admin_test::JsonReader;

TEST(JsonString, PlainText_IsQuoted) {
  EXPECT_EQ(json_string("alice"), R"("alice")");
}

TEST(JsonString, QuoteAndBackslash_AreEscaped) {
  EXPECT_EQ(json_string(R"(a"b\c)"), R"("a\"b\\c")");
}

TEST(JsonString, ControlCharacters_AreEscapedAsU) {
  EXPECT_EQ(json_string(std::string("a\nb\x01\x7f", 5)), R"("a\u000ab\u0001\u007f")");
}

TEST(JsonString, Utf8_PassesThrough) {
  EXPECT_EQ(json_string("r\xC3\xA9seau \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"r\xC3\xA9seau \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonString, InvalidUtf8_BecomesReplacementCharacter) {
  // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate.
  EXPECT_EQ(json_string("a\x80"
                        "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(json_string("a\xC3"), R"("a\ufffd")");
  EXPECT_EQ(json_string("\xC0\xAF"), R"("\ufffd\ufffd")");
  EXPECT_EQ(json_string("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");
}

TEST(JsonString, AnyBytes_ParseBackAsJson) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const auto parsed = JsonReader::parse(json_string(all));
  ASSERT_TRUE(parsed);
  ASSERT_NE(parsed->string(), nullptr);
  EXPECT_EQ(parsed->string()->substr(0, 128), all.substr(0, 128));
}

}  // namespace
}  // namespace tern::admin
