#include "server/admin/json_log_line.h"

#include <gtest/gtest.h>

#include <chrono>
#include <variant>

#include "base/json_value.h"

namespace tern {
namespace {

using namespace std::chrono;

const auto kWhen = sys_days{year{2026} / 11 / 25} + 12min + 3s + 123ms;

TEST(JsonLogLine, AnEventLine_IsOneObjectWithItsFieldsAsMembers) {
  EXPECT_EQ(json_log_line(kWhen, LogLevel::Info,
                          "allocation created session=001000000000000017 user=\"carol\" "
                          "lifetime=600"),
            "{\"ts\":\"2026-11-25T00:12:03.123Z\",\"level\":\"INFO\",\"msg\":\"allocation "
            "created\",\"session\":\"001000000000000017\",\"user\":\"carol\",\"lifetime\":"
            "600}\n");
}

TEST(JsonLogLine, APlainLine_IsMsgAlone) {
  EXPECT_EQ(json_log_line(kWhen, LogLevel::Warning, "redis 127.0.0.1:6379 lost"),
            "{\"ts\":\"2026-11-25T00:12:03.123Z\",\"level\":\"WARNING\",\"msg\":\"redis "
            "127.0.0.1:6379 lost\"}\n");
}

TEST(JsonLogLine, ControlCharactersAndBadUtf8_CannotBreakTheLine) {
  const std::string line =
      json_log_line(kWhen, LogLevel::Error, "user \"eve\nX\" \xff done user=\"a\nb\"");
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_NE(line.find("\\u000a"), std::string::npos) << line;
  EXPECT_NE(line.find("\\ufffd"), std::string::npos) << line;
}

TEST(JsonLogLine, AFieldNamedLikeAMember_IsPrefixed) {
  const std::string line = json_log_line(kWhen, LogLevel::Info, "x msg=hi level=9");
  EXPECT_NE(line.find("\"msg\":\"x\",\"_msg\":\"hi\",\"_level\":9"), std::string::npos) << line;
}

// A log shipper sums bytes and compares durations only when they are numbers; what a
// client chose stays a string even when it is all digits, and a session id (18 digits)
// keeps every digit.
TEST(JsonLogLine, CountsPortsBytesAndDurations_AreNumbers_TextStaysText) {
  const std::string line = json_log_line(
      kWhen, LogLevel::Info,
      "allocation deleted session=001000000000000017 user=\"42\" client=127.0.0.1:50000 "
      "transport=UDP reason=expired duration=3600 packets_to_peer=0 bytes_to_peer=1234567 "
      "port=3478 window=60s delta=-2");
  const auto v = JsonValue::parse(line);
  ASSERT_TRUE(v) << line;
  auto is_number = [&](std::string_view key, std::string_view text) {
    const JsonValue* m = v->member(key);
    return m != nullptr && std::holds_alternative<JsonValue::Number>(m->v) &&
           m->number_text() == text;
  };
  auto is_string = [&](std::string_view key, std::string_view text) {
    const JsonValue* m = v->member(key);
    return m != nullptr && m->string() != nullptr && *m->string() == text;
  };
  EXPECT_TRUE(is_number("duration", "3600")) << line;
  EXPECT_TRUE(is_number("packets_to_peer", "0")) << line;
  EXPECT_TRUE(is_number("bytes_to_peer", "1234567")) << line;
  EXPECT_TRUE(is_number("port", "3478")) << line;
  EXPECT_TRUE(is_number("delta", "-2")) << line;
  EXPECT_TRUE(is_string("session", "001000000000000017")) << line;
  EXPECT_TRUE(is_string("user", "42")) << line;
  EXPECT_TRUE(is_string("client", "127.0.0.1:50000")) << line;
  EXPECT_TRUE(is_string("transport", "UDP")) << line;
  EXPECT_TRUE(is_string("window", "60s")) << line;
}

}  // namespace
}  // namespace tern
