// ternctl's reading of the admin API's HTTP replies (the network side is covered by the
// ternctl tests against a real ternd).

#include "admin/http_client.h"

#include <gtest/gtest.h>

namespace tern::admin {
namespace {

TEST(HttpResponse, StatusAndBodyCutToContentLength) {
  const auto r = parse_http_response("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n[]trailing");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "[]");
}

// Found by fuzz_json: from_chars took "-12" for a status.
TEST(HttpResponse, StatusThatIsNotThreeDigitsFrom100_IsNotHttp) {
  EXPECT_FALSE(parse_http_response("HTTP/1.1 -12 Odd\r\n\r\n{}"));
  EXPECT_FALSE(parse_http_response("HTTP/1.1 099 Low\r\n\r\n"));
  EXPECT_FALSE(parse_http_response("HTTP/1.1 2x0 Odd\r\n\r\n"));
}

TEST(HttpResponse, BodyShorterThanContentLength_IsCutShort) {
  const auto r = parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "the reply was cut short");
}

}  // namespace
}  // namespace tern::admin
