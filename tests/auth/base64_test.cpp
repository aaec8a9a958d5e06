#include "auth/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tern::auth {
namespace {

std::vector<uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

struct Vector {
  const char* plain;
  const char* padded;
  const char* url;
};
// RFC 4648 §10.
constexpr Vector kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64, Rfc4648Vectors_EncodeAndDecode) {
  for (const auto& v : kRfc4648) {
    EXPECT_EQ(base64_encode(bytes(v.plain)), v.padded);
    EXPECT_EQ(base64_decode(v.padded), bytes(v.plain)) << v.padded;
    EXPECT_EQ(base64url_encode(bytes(v.plain)), v.url);
    EXPECT_EQ(base64url_decode(v.url), bytes(v.plain)) << v.url;
  }
}

TEST(Base64, AlphabetsDifferOnlyInTheLastTwoSymbols) {
  const std::vector<uint8_t> high = {0xFB, 0xFF, 0xBF};
  EXPECT_EQ(base64_encode(high), "+/+/");
  EXPECT_EQ(base64url_encode(high), "-_-_");
  EXPECT_EQ(base64_decode("+/+/"), high);
  EXPECT_EQ(base64url_decode("-_-_"), high);
  EXPECT_FALSE(base64_decode("-_-_"));
  EXPECT_FALSE(base64url_decode("+/+/"));
}

TEST(Base64, Decode_LengthNotMultipleOf4_IsRejected) {
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zm9vY"));
}

TEST(Base64, Decode_MisplacedOrExcessPadding_IsRejected) {
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("Zg=a"));
  EXPECT_FALSE(base64_decode("Zg==Zm9v"));
  EXPECT_FALSE(base64url_decode("Zg=="));
}

TEST(Base64, Decode_WhitespaceOrForeignBytes_IsRejected) {
  EXPECT_FALSE(base64_decode(" Zm9v"));
  EXPECT_FALSE(base64_decode("Zm9v\n"));
  EXPECT_FALSE(base64_decode("Zm 9"));
  EXPECT_FALSE(base64_decode(std::string_view("Zm\0v", 4)));
  EXPECT_FALSE(base64_decode("Zm9\xC3"));
}

TEST(Base64Url, Decode_OneCharLeftOver_IsRejected) {
  EXPECT_FALSE(base64url_decode("Zm9vY"));
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::vector<uint8_t> all(256);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::vector<uint8_t> part(all.begin(), all.begin() + static_cast<long>(n));
    EXPECT_EQ(base64_decode(base64_encode(part)), part);
    EXPECT_EQ(base64url_decode(base64url_encode(part)), part);
  }
}

}  // namespace
}  // namespace tern::auth
