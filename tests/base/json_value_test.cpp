#include "base/json_value.h"

#include <gtest/gtest.h>

#include <string>

#include "base/json_writer.h"

namespace tern {
namespace {

TEST(JsonString, AnyBytes_ParseBackAsJson) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const auto parsed = JsonValue::parse(json_quote(all));
  ASSERT_TRUE(parsed);
  ASSERT_NE(parsed->string(), nullptr);
  EXPECT_EQ(parsed->string()->substr(0, 128), all.substr(0, 128));
}

}  // namespace
}  // namespace tern
