// The JSON writer behind the admin API, fleet heartbeats and ternctl --json: client-chosen
// strings (USERNAME) and hand-edited store rows can never break the document.
#include "base/json_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace tern {
namespace {

TEST(JsonWriter, PlacesCommasAndColons) {
  JsonWriter w;
  w.begin_object().field("a", 1).key("b").begin_array();
  w.value("x").value(uint64_t{18446744073709551615ull}).begin_object().end_object();
  w.end_array().field("c", true).field("d", int64_t{-3}).end_object();
  EXPECT_EQ(w.text(), R"({"a":1,"b":["x",18446744073709551615,{}],"c":true,"d":-3})");
}

TEST(JsonWriter, EmptyContainers) {
  JsonWriter w;
  w.begin_array().begin_array().end_array().begin_object().end_object().end_array();
  EXPECT_EQ(w.text(), "[[],{}]");
}

// ternctl fleet passes each node's heartbeat through: its numbers keep their digits.
TEST(JsonWriter, NullAndNumberText_AreWrittenAsGiven) {
  JsonWriter w;
  w.begin_array().null().number_text("1.50").number_text("-0").end_array();
  EXPECT_EQ(w.text(), "[null,1.50,-0]");
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
}  // namespace tern
