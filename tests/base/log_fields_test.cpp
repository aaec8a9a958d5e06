#include "base/log_fields.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tern {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

Fields fields_of(const LogFields& f) {
  Fields out;
  for (const auto& field : f.fields) out.emplace_back(std::string(field.key), field.value);
  return out;
}

TEST(SplitLogFields, AnEventLine_IsItsWordsThenItsFields) {
  const auto f = split_log_fields(
      "allocation created session=001000000000000017 user=\"carol\" transport=UDP lifetime=600");
  EXPECT_EQ(f.text, "allocation created");
  EXPECT_EQ(fields_of(f), (Fields{{"session", "001000000000000017"},
                                  {"user", "carol"},
                                  {"transport", "UDP"},
                                  {"lifetime", "600"}}));
}

TEST(SplitLogFields, QuotedValues_AreUnescaped_AndMayHoldSpacesAndEquals) {
  const std::string quoted = log_quoted("a \"b\" c=d \\ e");
  const std::string line = "authentication failed user=" + quoted + " reason=\"bad\"";
  const auto f = split_log_fields(line);
  EXPECT_EQ(f.text, "authentication failed");
  EXPECT_EQ(fields_of(f), (Fields{{"user", "a \"b\" c=d \\ e"}, {"reason", "bad"}}));
}

TEST(SplitLogFields, ALineWithoutFields_IsAllText) {
  const auto f = split_log_fields("ternd ready: 2 workers");
  EXPECT_EQ(f.text, "ternd ready: 2 workers");
  EXPECT_TRUE(f.fields.empty());
}

TEST(SplitLogFields, ATailThatIsNotAllFields_KeepsTheWholeLineAsText) {
  for (std::string_view line :
       {"peer policy: a=1 and then words", "x=\"never closed", "a=1  b=2", "a=1 b=2 "}) {
    const auto f = split_log_fields(line);
    EXPECT_EQ(f.text, line);
    EXPECT_TRUE(f.fields.empty()) << line;
  }
}

TEST(SplitLogFields, FieldsFromTheStart_HaveNoText) {
  const auto f = split_log_fields("a=1 b=2");
  EXPECT_EQ(f.text, "");
  EXPECT_EQ(fields_of(f), (Fields{{"a", "1"}, {"b", "2"}}));
}

TEST(SplitLogFields, QuotedValues_AreMarkedQuoted_BareOnesAreNot) {
  const auto f = split_log_fields("x user=\"42\" lifetime=600");
  ASSERT_EQ(f.fields.size(), 2u);
  EXPECT_TRUE(f.fields[0].quoted);
  EXPECT_FALSE(f.fields[1].quoted);
}

TEST(LogValueIsNumber, IntegersUpTo15DigitsWithoutLeadingZeros) {
  for (std::string_view yes : {"0", "600", "-3", "3478", "999999999999999"}) {
    EXPECT_TRUE(log_value_is_number(yes)) << yes;
  }
  for (std::string_view no : {"", "-", "001000000000000017", "1000000000000000", "60s", "1.5",
                              "127.0.0.1:3478", "0x10", "+1", "UDP"}) {
    EXPECT_FALSE(log_value_is_number(no)) << no;
  }
}

}  // namespace
}  // namespace tern
