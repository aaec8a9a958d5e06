// RFC 5769 test vectors, byte for byte: parse each sample, check every attribute, verify
// MESSAGE-INTEGRITY and FINGERPRINT, rebuild it with our builder, and tamper with it.

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/fingerprint.h"
#include "protocol/integrity.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/text_attributes.h"
#include "protocol/xor_address.h"

namespace tern::stun {
namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

constexpr std::string_view kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
constexpr uint16_t kPriority = 0x0024;       // RFC 8445 ICE attributes, not tern's
constexpr uint16_t kIceControlled = 0x8029;  // business, but part of sample §2.1

// "マトリックス" (U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9) in UTF-8.
constexpr std::string_view kKatakanaUser =
    "\xE3\x83\x9E\xE3\x83\x88\xE3\x83\xAA\xE3\x83\x83\xE3\x82\xAF\xE3\x82\xB9";

// RFC 5769 §2.1 Sample Request
constexpr uint8_t kSampleRequest[] = {
    0x00, 0x01, 0x00, 0x58,  //    Request type and message length
    0x21, 0x12, 0xa4, 0x42,  //    Magic cookie
    0xb7, 0xe7, 0xa7, 0x01,  // }
    0xbc, 0x34, 0xd6, 0x86,  // }  Transaction ID
    0xfa, 0x87, 0xdf, 0xae,  // }
    0x80, 0x22, 0x00, 0x10,  //    SOFTWARE attribute header
    0x53, 0x54, 0x55, 0x4e,  // }
    0x20, 0x74, 0x65, 0x73,  // }  User-agent...
    0x74, 0x20, 0x63, 0x6c,  // }  ...name
    0x69, 0x65, 0x6e, 0x74,  // }
    0x00, 0x24, 0x00, 0x04,  //    PRIORITY attribute header
    0x6e, 0x00, 0x01, 0xff,  //    ICE priority value
    0x80, 0x29, 0x00, 0x08,  //    ICE-CONTROLLED attribute header
    0x93, 0x2f, 0xf9, 0xb1,  // }  Pseudo-random tie breaker...
    0x51, 0x26, 0x3b, 0x36,  // }   ...for ICE control
    0x00, 0x06, 0x00, 0x09,  //    USERNAME attribute header
    0x65, 0x76, 0x74, 0x6a,  // }
    0x3a, 0x68, 0x36, 0x76,  // }  Username (9 bytes) and padding (3 bytes)
    0x59, 0x20, 0x20, 0x20,  // }
    0x00, 0x08, 0x00, 0x14,  //    MESSAGE-INTEGRITY attribute header
    0x9a, 0xea, 0xa7, 0x0c,  // }
    0xbf, 0xd8, 0xcb, 0x56,  // }
    0x78, 0x1e, 0xf2, 0xb5,  // }  HMAC-SHA1 fingerprint
    0xb2, 0xd3, 0xf2, 0x49,  // }
    0xc1, 0xb5, 0x71, 0xa2,  // }
    0x80, 0x28, 0x00, 0x04,  //    FINGERPRINT attribute header
    0xe5, 0x7a, 0x3b, 0xcf,  //    CRC32 fingerprint
};

// RFC 5769 §2.2 Sample IPv4 Response
constexpr uint8_t kSampleIpv4Response[] = {
    0x01, 0x01, 0x00, 0x3c,  //    Response type and message length
    0x21, 0x12, 0xa4, 0x42,  //    Magic cookie
    0xb7, 0xe7, 0xa7, 0x01,  // }
    0xbc, 0x34, 0xd6, 0x86,  // }  Transaction ID
    0xfa, 0x87, 0xdf, 0xae,  // }
    0x80, 0x22, 0x00, 0x0b,  //    SOFTWARE attribute header
    0x74, 0x65, 0x73, 0x74,  // }
    0x20, 0x76, 0x65, 0x63,  // }  UTF-8 server name
    0x74, 0x6f, 0x72, 0x20,  // }
    0x00, 0x20, 0x00, 0x08,  //    XOR-MAPPED-ADDRESS attribute header
    0x00, 0x01, 0xa1, 0x47,  //    Address family (IPv4) and xor'd mapped port number
    0xe1, 0x12, 0xa6, 0x43,  //    Xor'd mapped IPv4 address
    0x00, 0x08, 0x00, 0x14,  //    MESSAGE-INTEGRITY attribute header
    0x2b, 0x91, 0xf5, 0x99,  // }
    0xfd, 0x9e, 0x90, 0xc3,  // }
    0x8c, 0x74, 0x89, 0xf9,  // }  HMAC-SHA1 fingerprint
    0x2a, 0xf9, 0xba, 0x53,  // }
    0xf0, 0x6b, 0xe7, 0xd7,  // }
    0x80, 0x28, 0x00, 0x04,  //    FINGERPRINT attribute header
    0xc0, 0x7d, 0x4c, 0x96,  //    CRC32 fingerprint
};

// RFC 5769 §2.3 Sample IPv6 Response
constexpr uint8_t kSampleIpv6Response[] = {
    0x01, 0x01, 0x00, 0x48,  //    Response type and message length
    0x21, 0x12, 0xa4, 0x42,  //    Magic cookie
    0xb7, 0xe7, 0xa7, 0x01,  // }
    0xbc, 0x34, 0xd6, 0x86,  // }  Transaction ID
    0xfa, 0x87, 0xdf, 0xae,  // }
    0x80, 0x22, 0x00, 0x0b,  //    SOFTWARE attribute header
    0x74, 0x65, 0x73, 0x74,  // }
    0x20, 0x76, 0x65, 0x63,  // }  UTF-8 server name
    0x74, 0x6f, 0x72, 0x20,  // }
    0x00, 0x20, 0x00, 0x14,  //    XOR-MAPPED-ADDRESS attribute header
    0x00, 0x02, 0xa1, 0x47,  //    Address family (IPv6) and xor'd mapped port number
    0x01, 0x13, 0xa9, 0xfa,  // }
    0xa5, 0xd3, 0xf1, 0x79,  // }  Xor'd mapped IPv6 address
    0xbc, 0x25, 0xf4, 0xb5,  // }
    0xbe, 0xd2, 0xb9, 0xd9,  // }
    0x00, 0x08, 0x00, 0x14,  //    MESSAGE-INTEGRITY attribute header
    0xa3, 0x82, 0x95, 0x4e,  // }
    0x4b, 0xe6, 0x7b, 0xf1,  // }
    0x17, 0x84, 0xc9, 0x7c,  // }  HMAC-SHA1 fingerprint
    0x82, 0x92, 0xc2, 0x75,  // }
    0xbf, 0xe3, 0xed, 0x41,  // }
    0x80, 0x28, 0x00, 0x04,  //    FINGERPRINT attribute header
    0xc8, 0xfb, 0x0b, 0x4c,  //    CRC32 fingerprint
};

// RFC 5769 §2.4 Sample Request with Long-Term Authentication
constexpr uint8_t kSampleLongTermRequest[] = {
    0x00, 0x01, 0x00, 0x60,  //    Request type and message length
    0x21, 0x12, 0xa4, 0x42,  //    Magic cookie
    0x78, 0xad, 0x34, 0x33,  // }
    0xc6, 0xad, 0x72, 0xc0,  // }  Transaction ID
    0x29, 0xda, 0x41, 0x2e,  // }
    0x00, 0x06, 0x00, 0x12,  //    USERNAME attribute header
    0xe3, 0x83, 0x9e, 0xe3,  // }
    0x83, 0x88, 0xe3, 0x83,  // }
    0xaa, 0xe3, 0x83, 0x83,  // }  Username value (18 bytes) and padding (2 bytes)
    0xe3, 0x82, 0xaf, 0xe3,  // }
    0x82, 0xb9, 0x00, 0x00,  // }
    0x00, 0x15, 0x00, 0x1c,  //    NONCE attribute header
    0x66, 0x2f, 0x2f, 0x34,  // }
    0x39, 0x39, 0x6b, 0x39,  // }
    0x35, 0x34, 0x64, 0x36,  // }
    0x4f, 0x4c, 0x33, 0x34,  // }  Nonce value
    0x6f, 0x4c, 0x39, 0x46,  // }
    0x53, 0x54, 0x76, 0x79,  // }
    0x36, 0x34, 0x73, 0x41,  // }
    0x00, 0x14, 0x00, 0x0b,  //    REALM attribute header
    0x65, 0x78, 0x61, 0x6d,  // }
    0x70, 0x6c, 0x65, 0x2e,  // }  Realm value (11 bytes) and padding (1 byte)
    0x6f, 0x72, 0x67, 0x00,  // }
    0x00, 0x08, 0x00, 0x14,  //    MESSAGE-INTEGRITY attribute header
    0xf6, 0x70, 0x24, 0x65,  // }
    0x6d, 0xd6, 0x4a, 0x3e,  // }
    0x02, 0xb8, 0xe0, 0x71,  // }  HMAC-SHA1 fingerprint
    0x2e, 0x85, 0xc9, 0xa2,  // }
    0x8c, 0xa8, 0x96, 0x66,  // }
};

constexpr uint8_t kEmptyBindingRequest[kHeaderSize] = {0x00, 0x01, 0x00, 0x00,
                                                       0x21, 0x12, 0xa4, 0x42};

// A sample that fails to parse fails the test, and the test goes on with an empty message
// rather than aborting the whole binary.
MessageView parse_ok(std::span<const uint8_t> bytes) {
  auto m = MessageView::parse(bytes);
  if (m.ok()) return *m;
  ADD_FAILURE() << to_string(m.error());
  return *MessageView::parse(kEmptyBindingRequest);
}

std::span<const uint8_t, kTransactionIdSize> transaction_id_of(std::span<const uint8_t> sample) {
  return sample.subspan<8, kTransactionIdSize>();
}

// The long-term key of §2.4: MD5(username ":" realm ":" password). The password is given
// already SASLprep'ed ("TheMatrIX"); SASLprep itself is auth/'s and tested there.
std::array<uint8_t, 16> long_term_md5_key() {
  const std::string input = std::string(kKatakanaUser) + ":example.org:TheMatrIX";
  std::array<uint8_t, 16> key{};
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(input.data(), input.size(), key.data(), &len, EVP_md5(), nullptr), 1);
  return key;
}

// RFC 5769 §2.1-2.3 pad some attributes with spaces (padding "MAY be any value"), our
// builder always writes zeros: overwrite the padding of the attribute just added so the
// MESSAGE-INTEGRITY and FINGERPRINT computed after it see the sample's bytes.
void pad_last_attribute_with_spaces(MessageBuilder& b, size_t value_length) {
  auto bytes = b.mutable_bytes();
  const size_t padding = padded4(value_length) - value_length;
  for (size_t i = bytes.size() - padding; i < bytes.size(); ++i) bytes[i] = 0x20;
}

std::vector<uint8_t> flipped(std::span<const uint8_t> sample, size_t index) {
  std::vector<uint8_t> copy(sample.begin(), sample.end());
  copy[index] ^= 0x01;
  return copy;
}

// --- §2.1 -------------------------------------------------------------------------------

TEST(Rfc5769, SampleRequest_ParsesWithEveryAttribute) {
  const MessageView m = parse_ok(kSampleRequest);
  EXPECT_EQ(m.method(), Method::Binding);
  EXPECT_EQ(m.message_class(), Class::Request);
  ASSERT_EQ(m.attribute_count(), 6u);

  auto software = Software::get_from(m);
  ASSERT_TRUE(software.ok());
  EXPECT_EQ(software->value, "STUN test client");
  auto priority = m.find(kPriority);
  ASSERT_TRUE(priority.has_value());
  EXPECT_EQ(load_u32(priority->value.data()), 0x6e0001ffu);
  auto controlled = m.find(kIceControlled);
  ASSERT_TRUE(controlled.has_value());
  EXPECT_EQ(controlled->value.size(), 8u);
  EXPECT_EQ(load_u32(controlled->value.data()), 0x932ff9b1u);
  EXPECT_EQ(load_u32(controlled->value.data() + 4), 0x51263b36u);
  auto username = Username::get_from(m);
  ASSERT_TRUE(username.ok());
  EXPECT_EQ(username->value, "evtj:h6vY");
}

TEST(Rfc5769, SampleRequest_IntegrityAndFingerprintVerify) {
  const MessageView m = parse_ok(kSampleRequest);
  EXPECT_TRUE(verify_message_integrity(m, bytes_of(kPassword)));
  EXPECT_TRUE(has_fingerprint(m));
  EXPECT_TRUE(verify_fingerprint(m));
}

TEST(Rfc5769, SampleRequest_WrongPassword_FailsIntegrity) {
  const MessageView m = parse_ok(kSampleRequest);
  EXPECT_FALSE(verify_message_integrity(m, bytes_of("VOkJxbRl1RmTxUk/WvJxBu")));
  EXPECT_FALSE(verify_message_integrity(m, {}));
}

TEST(Rfc5769, SampleRequest_RebuiltByteForByte) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::Request, transaction_id_of(kSampleRequest));
  Software{"STUN test client"}.add_to(b);
  b.add_u32(kPriority, 0x6e0001ff);
  const uint8_t tie_breaker[] = {0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36};
  b.add(kIceControlled, tie_breaker);
  Username{"evtj:h6vY"}.add_to(b);
  pad_last_attribute_with_spaces(b, 9);
  add_message_integrity(b, bytes_of(kPassword));
  add_fingerprint(b);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin(), b.bytes().end()),
            std::vector<uint8_t>(std::begin(kSampleRequest), std::end(kSampleRequest)));
}

TEST(Rfc5769, SampleRequest_FlippedUsernameByte_FailsBothChecks) {
  const auto tampered = flipped(kSampleRequest, 64);  // 'e' of "evtj:h6vY"
  const MessageView m = parse_ok(tampered);
  EXPECT_FALSE(verify_message_integrity(m, bytes_of(kPassword)));
  EXPECT_FALSE(verify_fingerprint(m));
}

TEST(Rfc5769, SampleRequest_FlippedPaddingByte_FailsBothChecks) {
  // Padding is covered by both: a relay that rewrote it would be caught.
  const auto tampered = flipped(kSampleRequest, 73);  // first 0x20 after "evtj:h6vY"
  const MessageView m = parse_ok(tampered);
  EXPECT_FALSE(verify_message_integrity(m, bytes_of(kPassword)));
  EXPECT_FALSE(verify_fingerprint(m));
}

TEST(Rfc5769, SampleRequest_FlippedFingerprintByte_FailsOnlyFingerprint) {
  const auto tampered = flipped(kSampleRequest, sizeof kSampleRequest - 1);
  const MessageView m = parse_ok(tampered);
  EXPECT_TRUE(verify_message_integrity(m, bytes_of(kPassword)));
  EXPECT_FALSE(verify_fingerprint(m));
}

TEST(Rfc5769, SampleRequest_FlippedIntegrityByte_FailsBothChecks) {
  const auto tampered = flipped(kSampleRequest, 99);  // last HMAC byte
  const MessageView m = parse_ok(tampered);
  EXPECT_FALSE(verify_message_integrity(m, bytes_of(kPassword)));
  EXPECT_FALSE(verify_fingerprint(m));
}

// --- §2.2 -------------------------------------------------------------------------------

TEST(Rfc5769, SampleIpv4Response_ParsesWithEveryAttribute) {
  const MessageView m = parse_ok(kSampleIpv4Response);
  EXPECT_EQ(m.method(), Method::Binding);
  EXPECT_EQ(m.message_class(), Class::SuccessResponse);
  ASSERT_EQ(m.attribute_count(), 4u);
  auto software = Software::get_from(m);
  ASSERT_TRUE(software.ok());
  EXPECT_EQ(software->value, "test vector");
  auto mapped = XorMappedAddress::get_from(m);
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(mapped->address, TransportAddress::v4({192, 0, 2, 1}, 32853));
  EXPECT_EQ(mapped->address.to_string(), "192.0.2.1:32853");
}

TEST(Rfc5769, SampleIpv4Response_IntegrityAndFingerprintVerify) {
  const MessageView m = parse_ok(kSampleIpv4Response);
  EXPECT_TRUE(verify_message_integrity(m, bytes_of(kPassword)));
  EXPECT_TRUE(verify_fingerprint(m));
}

TEST(Rfc5769, SampleIpv4Response_RebuiltByteForByte) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse,
                   transaction_id_of(kSampleIpv4Response));
  Software{"test vector"}.add_to(b);
  // The sample pads "test vector" with one 0x20; with our zero byte instead, only the
  // padding, the HMAC and the CRC would differ.
  pad_last_attribute_with_spaces(b, 11);
  XorMappedAddress{TransportAddress::v4({192, 0, 2, 1}, 32853)}.add_to(b);
  add_message_integrity(b, bytes_of(kPassword));
  add_fingerprint(b);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin(), b.bytes().end()),
            std::vector<uint8_t>(std::begin(kSampleIpv4Response), std::end(kSampleIpv4Response)));
}

TEST(Rfc5769, SampleIpv4Response_FlippedAddressByte_FailsBothChecks) {
  const auto tampered = flipped(kSampleIpv4Response, 44);  // first address byte
  const MessageView m = parse_ok(tampered);
  EXPECT_FALSE(verify_message_integrity(m, bytes_of(kPassword)));
  EXPECT_FALSE(verify_fingerprint(m));
}

// --- §2.3 -------------------------------------------------------------------------------

TEST(Rfc5769, SampleIpv6Response_ParsesWithEveryAttribute) {
  const MessageView m = parse_ok(kSampleIpv6Response);
  EXPECT_EQ(m.message_class(), Class::SuccessResponse);
  ASSERT_EQ(m.attribute_count(), 4u);
  auto software = Software::get_from(m);
  ASSERT_TRUE(software.ok());
  EXPECT_EQ(software->value, "test vector");
  auto mapped = XorMappedAddress::get_from(m);
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(mapped->address.family, Family::V6);
  EXPECT_EQ(mapped->address.to_string(), "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
}

TEST(Rfc5769, SampleIpv6Response_IntegrityAndFingerprintVerify) {
  const MessageView m = parse_ok(kSampleIpv6Response);
  EXPECT_TRUE(verify_message_integrity(m, bytes_of(kPassword)));
  EXPECT_TRUE(verify_fingerprint(m));
}

TEST(Rfc5769, SampleIpv6Response_RebuiltByteForByte) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse,
                   transaction_id_of(kSampleIpv6Response));
  Software{"test vector"}.add_to(b);
  pad_last_attribute_with_spaces(b, 11);
  XorMappedAddress{TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11,
                                         0x22, 0x33, 0x44, 0x55, 0x66, 0x77},
                                        32853)}
      .add_to(b);
  add_message_integrity(b, bytes_of(kPassword));
  add_fingerprint(b);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin(), b.bytes().end()),
            std::vector<uint8_t>(std::begin(kSampleIpv6Response), std::end(kSampleIpv6Response)));
}

TEST(Rfc5769, SampleIpv6Response_FlippedTransactionIdByte_FailsBothChecks) {
  // The IPv6 address is XORed with the transaction id, and the id is under the HMAC.
  const auto tampered = flipped(kSampleIpv6Response, 19);
  const MessageView m = parse_ok(tampered);
  EXPECT_FALSE(verify_message_integrity(m, bytes_of(kPassword)));
  EXPECT_FALSE(verify_fingerprint(m));
}

// --- §2.4 -------------------------------------------------------------------------------

TEST(Rfc5769, SampleLongTermRequest_ParsesWithEveryAttribute) {
  const MessageView m = parse_ok(kSampleLongTermRequest);
  EXPECT_EQ(m.method(), Method::Binding);
  EXPECT_EQ(m.message_class(), Class::Request);
  ASSERT_EQ(m.attribute_count(), 4u);
  auto username = Username::get_from(m);
  ASSERT_TRUE(username.ok());
  EXPECT_EQ(username->value, kKatakanaUser);
  auto nonce = Nonce::get_from(m);
  ASSERT_TRUE(nonce.ok());
  EXPECT_EQ(nonce->value, "f//499k954d6OL34oL9FSTvy64sA");
  auto realm = Realm::get_from(m);
  ASSERT_TRUE(realm.ok());
  EXPECT_EQ(realm->value, "example.org");
  EXPECT_FALSE(has_fingerprint(m));
  EXPECT_FALSE(verify_fingerprint(m));
}

TEST(Rfc5769, SampleLongTermRequest_IntegrityVerifiesWithMd5Key) {
  const MessageView m = parse_ok(kSampleLongTermRequest);
  EXPECT_TRUE(verify_message_integrity(m, long_term_md5_key()));
  // The raw password is not the key.
  EXPECT_FALSE(verify_message_integrity(m, bytes_of("TheMatrIX")));
}

TEST(Rfc5769, SampleLongTermRequest_RebuiltByteForByte) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::Request,
                   transaction_id_of(kSampleLongTermRequest));
  Username{kKatakanaUser}.add_to(b);
  Nonce{"f//499k954d6OL34oL9FSTvy64sA"}.add_to(b);
  Realm{"example.org"}.add_to(b);
  add_message_integrity(b, long_term_md5_key());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(
      std::vector<uint8_t>(b.bytes().begin(), b.bytes().end()),
      std::vector<uint8_t>(std::begin(kSampleLongTermRequest), std::end(kSampleLongTermRequest)));
}

TEST(Rfc5769, SampleLongTermRequest_FlippedRealmByte_FailsIntegrity) {
  const auto tampered = flipped(kSampleLongTermRequest, 80);  // 'e' of "example.org"
  const MessageView m = parse_ok(tampered);
  EXPECT_FALSE(verify_message_integrity(m, long_term_md5_key()));
}

TEST(Rfc5769, SampleLongTermRequest_FlippedLengthField_IsNotAMessage) {
  // The length is under the HMAC too, but first the parser refuses it.
  const auto tampered = flipped(kSampleLongTermRequest, 3);
  EXPECT_FALSE(MessageView::parse(tampered).ok());
}

}  // namespace
}  // namespace tern::stun
