#include "server/admin/json_log_line.h"

#include <gtest/gtest.h>

#include <chrono>

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
            "\"600\"}\n");
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
  EXPECT_NE(line.find("\"msg\":\"x\",\"_msg\":\"hi\",\"_level\":\"9\""), std::string::npos) << line;
}

}  // namespace
}  // namespace tern
