// RFC 8489 Appendix B.1: long-term authentication with USERHASH, PASSWORD-ALGORITHM and
// MESSAGE-INTEGRITY-SHA256. The published dump is inconsistent (length 0x009c, no
// PASSWORD-ALGORITHM); this is the sample as corrected by verified erratum 6268: length
// 0x0090, PASSWORD-ALGORITHM SHA-256 added, nonce with the "obMatJos2" security-feature
// cookie. The HMAC value below is the erratum's; our code must reproduce it.

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/integrity.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/password_algorithms.h"
#include "protocol/text_attributes.h"

namespace tern::stun {
namespace {

// "マトリックス" (U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9) in UTF-8, unchanged by
// OpaqueString. The password "The<U+00AD>M<U+00AA>tr<U+2168>" is "TheMatrIX" after it.
constexpr std::string_view kUsername =
    "\xE3\x83\x9E\xE3\x83\x88\xE3\x83\xAA\xE3\x83\x83\xE3\x82\xAF\xE3\x82\xB9";
constexpr std::string_view kRealm = "example.org";
constexpr std::string_view kPassword = "TheMatrIX";
constexpr std::string_view kNonce = "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA";

constexpr uint8_t kSampleB1[] = {
    0x00, 0x01, 0x00, 0x90,  //    Request type and message length
    0x21, 0x12, 0xa4, 0x42,  //    Magic cookie
    0x78, 0xad, 0x34, 0x33,  // }
    0xc6, 0xad, 0x72, 0xc0,  // }  Transaction ID
    0x29, 0xda, 0x41, 0x2e,  // }
    0x00, 0x1e, 0x00, 0x20,  //    USERHASH attribute header
    0x4a, 0x3c, 0xf3, 0x8f,  // }
    0xef, 0x69, 0x92, 0xbd,  // }
    0xa9, 0x52, 0xc6, 0x78,  // }
    0x04, 0x17, 0xda, 0x0f,  // }  Userhash value (32 bytes)
    0x24, 0x81, 0x94, 0x15,  // }
    0x56, 0x9e, 0x60, 0xb2,  // }
    0x05, 0xc4, 0x6e, 0x41,  // }
    0x40, 0x7f, 0x17, 0x04,  // }
    0x00, 0x15, 0x00, 0x29,  //    NONCE attribute header
    0x6f, 0x62, 0x4d, 0x61,  // }
    0x74, 0x4a, 0x6f, 0x73,  // }
    0x32, 0x41, 0x41, 0x41,  // }
    0x43, 0x66, 0x2f, 0x2f,  // }
    0x34, 0x39, 0x39, 0x6b,  // }  Nonce value and padding (3 bytes)
    0x39, 0x35, 0x34, 0x64,  // }
    0x36, 0x4f, 0x4c, 0x33,  // }
    0x34, 0x6f, 0x4c, 0x39,  // }
    0x46, 0x53, 0x54, 0x76,  // }
    0x79, 0x36, 0x34, 0x73,  // }
    0x41, 0x00, 0x00, 0x00,  // }
    0x00, 0x14, 0x00, 0x0b,  //    REALM attribute header
    0x65, 0x78, 0x61, 0x6d,  // }
    0x70, 0x6c, 0x65, 0x2e,  // }  Realm value (11 bytes) and padding (1 byte)
    0x6f, 0x72, 0x67, 0x00,  // }
    0x00, 0x1d, 0x00, 0x04,  //    PASSWORD-ALGORITHM attribute header
    0x00, 0x02, 0x00, 0x00,  //    PASSWORD-ALGORITHM value (4 bytes)
    0x00, 0x1c, 0x00, 0x20,  //    MESSAGE-INTEGRITY-SHA256 attribute header
    0xb5, 0xc7, 0xbf, 0x00,  // }
    0x5b, 0x6c, 0x52, 0xa2,  // }
    0x1c, 0x51, 0xc5, 0xe8,  // }
    0x92, 0xf8, 0x19, 0x24,  // }  HMAC-SHA256 value
    0x13, 0x62, 0x96, 0xcb,  // }
    0x92, 0x7c, 0x43, 0x14,  // }
    0x93, 0x09, 0x27, 0x8c,  // }
    0xc6, 0x51, 0x8e, 0x65,  // }
};

// The long-term key with PASSWORD-ALGORITHM SHA-256 (§9.2.2):
// SHA-256(username ":" realm ":" password).
std::array<uint8_t, 32> sha256_key() {
  const std::string input =
      std::string(kUsername) + ":" + std::string(kRealm) + ":" + std::string(kPassword);
  std::array<uint8_t, 32> key{};
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(input.data(), input.size(), key.data(), &len, EVP_sha256(), nullptr), 1);
  return key;
}

TEST(Rfc8489VectorB1, Parses_WithTheErratumLength) {
  auto m = MessageView::parse(kSampleB1);
  ASSERT_TRUE(m.ok()) << to_string(m.error());
  EXPECT_EQ(m->method(), Method::Binding);
  EXPECT_EQ(m->message_class(), Class::Request);
  EXPECT_EQ(m->attribute_count(), 5u);
}

TEST(Rfc8489VectorB1, Userhash_IsSha256OfUsernameColonRealm) {
  auto m = MessageView::parse(kSampleB1);
  ASSERT_TRUE(m.ok());
  auto userhash = Userhash::get_from(*m);
  ASSERT_TRUE(userhash.ok());
  EXPECT_EQ(*userhash, Userhash::compute(kUsername, kRealm));
  EXPECT_NE(*userhash, Userhash::compute(kUsername, "example.com"));
}

TEST(Rfc8489VectorB1, NonceRealmAndPasswordAlgorithm_ReadBack) {
  auto m = MessageView::parse(kSampleB1);
  ASSERT_TRUE(m.ok());
  auto nonce = Nonce::get_from(*m);
  ASSERT_TRUE(nonce.ok());
  EXPECT_EQ(nonce->value, kNonce);
  auto realm = Realm::get_from(*m);
  ASSERT_TRUE(realm.ok());
  EXPECT_EQ(realm->value, kRealm);
  auto algorithm = PasswordAlgorithm::get_from(*m);
  ASSERT_TRUE(algorithm.ok());
  EXPECT_EQ(algorithm->algorithm, PasswordAlgorithm::kSha256);
  EXPECT_TRUE(algorithm->params.empty());
  EXPECT_FALSE(m->has(attr::Username));
}

TEST(Rfc8489VectorB1, MessageIntegritySha256_Verifies) {
  auto m = MessageView::parse(kSampleB1);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(verify_message_integrity_sha256(*m, sha256_key()));
  // Nothing here for the SHA-1 check to find.
  EXPECT_FALSE(verify_message_integrity(*m, sha256_key()));
}

TEST(Rfc8489VectorB1, WrongPassword_FailsIntegrity) {
  auto m = MessageView::parse(kSampleB1);
  ASSERT_TRUE(m.ok());
  auto key = sha256_key();
  key[0] ^= 0x01;
  EXPECT_FALSE(verify_message_integrity_sha256(*m, key));
}

TEST(Rfc8489VectorB1, FlippedNonceByte_FailsIntegrity) {
  std::vector<uint8_t> tampered(std::begin(kSampleB1), std::end(kSampleB1));
  tampered[60] ^= 0x01;  // 'o' of "obMatJos2"
  auto m = MessageView::parse(tampered);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(verify_message_integrity_sha256(*m, sha256_key()));
}

TEST(Rfc8489VectorB1, FlippedPasswordAlgorithm_FailsIntegrity) {
  // A bid-down from SHA-256 to MD5 in transit is caught by the HMAC.
  std::vector<uint8_t> tampered(std::begin(kSampleB1), std::end(kSampleB1));
  tampered[125] = 0x01;  // low byte of the algorithm number
  auto m = MessageView::parse(tampered);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(PasswordAlgorithm::get_from(*m)->algorithm, PasswordAlgorithm::kMd5);
  EXPECT_FALSE(verify_message_integrity_sha256(*m, sha256_key()));
}

TEST(Rfc8489VectorB1, RebuiltByteForByte) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::Request,
                   std::span<const uint8_t>(kSampleB1).subspan<8, kTransactionIdSize>());
  Userhash::compute(kUsername, kRealm).add_to(b);
  Nonce{kNonce}.add_to(b);
  Realm{kRealm}.add_to(b);
  PasswordAlgorithm{PasswordAlgorithm::kSha256, {}}.add_to(b);
  add_message_integrity_sha256(b, sha256_key());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin(), b.bytes().end()),
            std::vector<uint8_t>(std::begin(kSampleB1), std::end(kSampleB1)));
}

}  // namespace
}  // namespace tern::stun
