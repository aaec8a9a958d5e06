#include "auth/crypto.h"

#include <gtest/gtest.h>

#include <string>

#include "auth/long_term_key.h"

namespace tern::auth {
namespace {

constexpr std::string_view kFox = "The quick brown fox jumps over the lazy dog";

TEST(Crypto, Md5_KnownAnswer) {
  EXPECT_EQ(to_hex(md5(as_bytes("user:realm:pass"))), "8493fbc53ba582fb4c044c456bdc40eb");
}

TEST(Crypto, Sha256_KnownAnswer) {
  EXPECT_EQ(to_hex(sha256(as_bytes(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, Hmac_KnownAnswers) {
  EXPECT_EQ(to_hex(hmac_sha1(as_bytes("key"), as_bytes(kFox))),
            "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9");
  EXPECT_EQ(to_hex(hmac_sha256(as_bytes("key"), as_bytes(kFox))),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST(Crypto, ConstantTimeEqual_ComparesContentAndSize) {
  const std::array<uint8_t, 3> a{1, 2, 3}, b{1, 2, 3}, c{1, 2, 4};
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, c));
  EXPECT_FALSE(constant_time_equal(a, std::span(b).first(2)));
  EXPECT_TRUE(constant_time_equal({}, {}));
}

}  // namespace
}  // namespace tern::auth
