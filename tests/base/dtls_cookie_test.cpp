#include "base/dtls_cookie.h"

#include <gtest/gtest.h>

#include <array>

namespace tern {
namespace {

const TransportAddress kClient = TransportAddress::v4({192, 0, 2, 1}, 40000);

std::array<uint8_t, DtlsCookies::kSize> cookie_for(DtlsCookies& c, const TransportAddress& a,
                                                   int64_t now) {
  std::array<uint8_t, DtlsCookies::kSize> out{};
  c.make(a, now, out);
  return out;
}

TEST(DtlsCookies, ItsOwnCookie_ForTheSameAddress_IsAccepted) {
  DtlsCookies cookies(0);
  auto c = cookie_for(cookies, kClient, 10);
  EXPECT_TRUE(cookies.check(kClient, 20, c));
}

TEST(DtlsCookies, AnotherPortOrAddress_IsRefused) {
  DtlsCookies cookies(0);
  auto c = cookie_for(cookies, kClient, 10);
  EXPECT_FALSE(cookies.check(TransportAddress::v4({192, 0, 2, 1}, 40001), 20, c));
  EXPECT_FALSE(cookies.check(TransportAddress::v4({192, 0, 2, 2}, 40000), 20, c));
}

TEST(DtlsCookies, WrongLengthOrFlippedBit_IsRefused) {
  DtlsCookies cookies(0);
  auto c = cookie_for(cookies, kClient, 10);
  EXPECT_FALSE(cookies.check(kClient, 20, std::span(c).first(16)));
  c[5] ^= 1;
  EXPECT_FALSE(cookies.check(kClient, 20, c));
  EXPECT_FALSE(cookies.check(kClient, 20, {}));
}

TEST(DtlsCookies, SurvivesOneRotation_NotTwo) {
  DtlsCookies cookies(0);
  auto c = cookie_for(cookies, kClient, 0);
  EXPECT_TRUE(cookies.check(kClient, DtlsCookies::kRotateMs, c));
  EXPECT_FALSE(cookies.check(kClient, 2 * DtlsCookies::kRotateMs, c));
}

TEST(DtlsCookies, AnotherServersSecret_IsRefused) {
  DtlsCookies ours(0), theirs(0);
  EXPECT_FALSE(ours.check(kClient, 1, cookie_for(theirs, kClient, 1)));
}

}  // namespace
}  // namespace tern
