#include "auth/long_term_key.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/crypto.h"
#include "protocol/byte_order.h"

namespace tern::auth {
namespace {

std::string hex(std::span<const uint8_t> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s += kDigits[x >> 4];
    s += kDigits[x & 15];
  }
  return s;
}

// "マトリックス" as in RFC 5769 §2.4.
constexpr std::string_view kMatrixUser = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";

TEST(LongTermKey, Md5_MatchesRfcCheckValue) {
  const auto key = derive_key(PasswordAlgorithm::Md5, "user", "realm", "pass");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->algorithm(), PasswordAlgorithm::Md5);
  EXPECT_EQ(hex(key->bytes()), "8493fbc53ba582fb4c044c456bdc40eb");
}

TEST(LongTermKey, Sha256_IsSha256OfTheSameString) {
  const auto key = derive_key(PasswordAlgorithm::Sha256, "user", "realm", "pass");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->algorithm(), PasswordAlgorithm::Sha256);
  EXPECT_EQ(hex(key->bytes()), "07e934117abd40836e7c6329b54731b2b2d2a5f9a71f544922d75e0730d8251b");
}

// RFC 5769 §2.4: the request's MESSAGE-INTEGRITY verifies with the key derived from the
// unprepared password, which only holds if SASLprep ran and the key is MD5-based.
TEST(LongTermKey, Rfc5769LongTermRequest_IntegrityVerifiesWithDerivedKey) {
  const std::vector<uint8_t> msg = {
      0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, 0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72,
      0xc0, 0x29, 0xda, 0x41, 0x2e, 0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88,
      0xe3, 0x83, 0xaa, 0xe3, 0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00, 0x00,
      0x15, 0x00, 0x1c, 0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39, 0x35, 0x34, 0x64, 0x36,
      0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46, 0x53, 0x54, 0x76, 0x79, 0x36, 0x34, 0x73,
      0x41, 0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72,
      0x67, 0x00, 0x00, 0x08, 0x00, 0x14, 0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02,
      0xb8, 0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66};
  const auto key =
      derive_key(PasswordAlgorithm::Md5, kMatrixUser, "example.org", "The\u00ADM\u00AAtr\u2168");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->bytes().size(), 16u);
  const size_t mi = msg.size() - 24;  // MESSAGE-INTEGRITY is last; its length already counted
  const auto mac = hmac_sha1(key->bytes(), std::span(msg).first(mi));
  EXPECT_EQ(hex(mac), hex(std::span(msg).subspan(mi + 4)));
}

TEST(LongTermKey, PasswordFailingSaslprep_GivesNoKey) {
  EXPECT_FALSE(derive_key(PasswordAlgorithm::Md5, "user", "realm", "bad\x01"));
}

TEST(LongTermKey, UsernameIsTakenAsIs) {
  // Only the password is prepared; USERNAME already carries the client's spelling.
  EXPECT_NE(derive_key(PasswordAlgorithm::Md5, "I\u00ADX", "r", "p"),
            derive_key(PasswordAlgorithm::Md5, "IX", "r", "p"));
}

TEST(LongTermKey, Userhash_MatchesRfc8489AppendixB1) {
  EXPECT_EQ(hex(userhash(kMatrixUser, "example.org")),
            "4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704");
}

TEST(LongTermKey, PasswordAlgorithmFromWire_KnowsOnlyMd5AndSha256) {
  EXPECT_EQ(password_algorithm_from_wire(1), PasswordAlgorithm::Md5);
  EXPECT_EQ(password_algorithm_from_wire(2), PasswordAlgorithm::Sha256);
  EXPECT_FALSE(password_algorithm_from_wire(0));
  EXPECT_FALSE(password_algorithm_from_wire(3));
}

TEST(LongTermKey, DefaultKey_IsEmpty) {
  EXPECT_TRUE(Key().empty());
  EXPECT_FALSE(derive_key(PasswordAlgorithm::Md5, "u", "r", "p")->empty());
}

}  // namespace
}  // namespace tern::auth
