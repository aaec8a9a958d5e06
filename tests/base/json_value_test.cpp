#include "auth/store_text.h"

#include <gtest/gtest.h>

#include "admin/json_value.h"

namespace tern::admin {
namespace {

TEST(JsonString, AnyBytes_ParseBackAsJson) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const auto parsed = JsonValue::parse(auth::json_quote(all));
  ASSERT_TRUE(parsed);
  ASSERT_NE(parsed->string(), nullptr);
  EXPECT_EQ(parsed->string()->substr(0, 128), all.substr(0, 128));
}

}  // namespace
}  // namespace tern::admin
