// MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 beyond the RFC samples: checked against
// OpenSSL's one-shot HMAC over a patched copy of the message, truncation, wrong lengths,
// and what may follow the attribute.

#include "protocol/integrity.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <string_view>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/fingerprint.h"
#include "protocol/text_attributes.h"

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const auto kKey = bytes_of("a key of some length");

// The HMAC the RFC describes, computed the slow way: copy the message up to the
// attribute, set the length to end after an attribute of `value_size` bytes, hash.
std::vector<uint8_t> reference_hmac(const EVP_MD* md, std::span<const uint8_t> key,
                                    std::span<const uint8_t> message, size_t attribute_offset,
                                    size_t value_size) {
  std::vector<uint8_t> copy(message.begin(), message.begin() + attribute_offset);
  store_u16(copy.data() + 2,
            static_cast<uint16_t>(attribute_offset + 4 + padded4(value_size) - kHeaderSize));
  std::vector<uint8_t> mac(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), copy.data(), copy.size(), mac.data(), &len);
  mac.resize(len);
  return mac;
}

struct Built {
  std::array<uint8_t, 512> buffer{};
  size_t size = 0;
  std::span<const uint8_t> bytes() const { return std::span(buffer).first(size); }
};

MessageView parse(const Built& b) {
  auto m = MessageView::parse(b.bytes());
  EXPECT_TRUE(m.ok());
  return *m;
}

TEST(MessageIntegrity, Added_VerifiesWithSameKey) {
  Built out;
  MessageBuilder b(out.buffer, Method::Allocate, Class::Request, kTxId);
  Username{"alice"}.add_to(b);
  add_message_integrity(b, kKey);
  ASSERT_TRUE(b.ok());
  out.size = b.size();
  const MessageView m = parse(out);
  EXPECT_EQ(m.find(attr::MessageIntegrity)->value.size(), kMessageIntegritySize);
  EXPECT_TRUE(verify_message_integrity(m, kKey));
  EXPECT_FALSE(verify_message_integrity(m, bytes_of("another key")));
}

TEST(MessageIntegrity, Value_IsHmacSha1OverMessageWithLengthEndingAtIt) {
  Built out;
  MessageBuilder b(out.buffer, Method::Allocate, Class::Request, kTxId);
  Username{"alice"}.add_to(b);
  Realm{"example.org"}.add_to(b);
  const size_t offset = b.size();
  add_message_integrity(b, kKey);
  out.size = b.size();
  const auto expected = reference_hmac(EVP_sha1(), kKey, out.bytes(), offset, 20);
  const auto value = parse(out).find(attr::MessageIntegrity)->value;
  EXPECT_EQ(std::vector<uint8_t>(value.begin(), value.end()), expected);
}

TEST(MessageIntegrity, EmptyKey_IsHmacWithEmptyKey) {
  Built out;
  MessageBuilder b(out.buffer, Method::Binding, Class::Request, kTxId);
  const size_t offset = b.size();
  add_message_integrity(b, {});
  out.size = b.size();
  const uint8_t no_key = 0;
  const auto expected =
      reference_hmac(EVP_sha1(), std::span<const uint8_t>(&no_key, 0), out.bytes(), offset, 20);
  const MessageView m = parse(out);
  const auto value = m.find(attr::MessageIntegrity)->value;
  EXPECT_EQ(std::vector<uint8_t>(value.begin(), value.end()), expected);
  EXPECT_TRUE(verify_message_integrity(m, {}));
}

TEST(MessageIntegrity, Absent_DoesNotVerify) {
  Built out;
  MessageBuilder b(out.buffer, Method::Binding, Class::Request, kTxId);
  Username{"alice"}.add_to(b);
  out.size = b.size();
  EXPECT_FALSE(verify_message_integrity(parse(out), kKey));
  EXPECT_FALSE(verify_message_integrity_sha256(parse(out), kKey));
}

TEST(MessageIntegrity, WrongLength_DoesNotVerify) {
  for (size_t n : {0u, 16u, 19u, 21u, 32u}) {
    Built out;
    MessageBuilder b(out.buffer, Method::Binding, Class::Request, kTxId);
    const size_t offset = b.size();
    auto value = b.append(attr::MessageIntegrity, n);
    out.size = b.size();
    // Fill with the HMAC of the right prefix, so only the length is wrong.
    const auto mac = reference_hmac(EVP_sha1(), kKey, out.bytes(), offset, n);
    std::copy_n(mac.begin(), std::min(n, mac.size()), value.begin());
    EXPECT_FALSE(verify_message_integrity(parse(out), kKey)) << n;
  }
}

TEST(MessageIntegrity, FollowedByFingerprint_BothVerify) {
  Built out;
  MessageBuilder b(out.buffer, Method::Binding, Class::SuccessResponse, kTxId);
  Software{"tern"}.add_to(b);
  add_message_integrity(b, kKey);
  add_fingerprint(b);
  ASSERT_TRUE(b.ok());
  out.size = b.size();
  const MessageView m = parse(out);
  EXPECT_TRUE(verify_message_integrity(m, kKey));
  EXPECT_TRUE(verify_fingerprint(m));
}

TEST(MessageIntegrity, IgnoredAttributesAppendedAfterIt_StillVerifies) {
  // The receiver's length adjustment cuts them off, as the sender never hashed them.
  Built out;
  MessageBuilder b(out.buffer, Method::Binding, Class::Request, kTxId);
  Username{"alice"}.add_to(b);
  add_message_integrity(b, kKey);
  Realm{"appended by someone else"}.add_to(b);
  out.size = b.size();
  const MessageView m = parse(out);
  EXPECT_FALSE(m.has(attr::Realm));
  EXPECT_TRUE(verify_message_integrity(m, kKey));
}

TEST(MessageIntegrity, TamperedHeaderType_DoesNotVerify) {
  Built out;
  MessageBuilder b(out.buffer, Method::Refresh, Class::Request, kTxId);
  add_message_integrity(b, kKey);
  out.size = b.size();
  out.buffer[1] = 0x03;  // Refresh -> Allocate
  EXPECT_FALSE(verify_message_integrity(parse(out), kKey));
}

TEST(MessageIntegrity, FullBuilder_AddsNothing) {
  std::array<uint8_t, 40> small{};
  MessageBuilder b(small, Method::Binding, Class::Request, kTxId);
  add_message_integrity(b, kKey);
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.size(), kHeaderSize);
}

TEST(MessageIntegritySha256, Added_VerifiesWithSameKey) {
  Built out;
  MessageBuilder b(out.buffer, Method::Allocate, Class::Request, kTxId);
  Username{"alice"}.add_to(b);
  const size_t offset = b.size();
  add_message_integrity_sha256(b, kKey);
  out.size = b.size();
  const MessageView m = parse(out);
  const auto value = m.find(attr::MessageIntegritySha256)->value;
  EXPECT_EQ(std::vector<uint8_t>(value.begin(), value.end()),
            reference_hmac(EVP_sha256(), kKey, out.bytes(), offset, 32));
  EXPECT_TRUE(verify_message_integrity_sha256(m, kKey));
  EXPECT_FALSE(verify_message_integrity_sha256(m, bytes_of("x")));
  EXPECT_FALSE(verify_message_integrity(m, kKey));
}

// A sender may truncate the SHA-256 HMAC (RFC 8489 §14.6); its length field then ends
// after the shorter attribute.
Built with_truncated_sha256(size_t n) {
  Built out;
  MessageBuilder b(out.buffer, Method::Binding, Class::Request, kTxId);
  Username{"alice"}.add_to(b);
  const size_t offset = b.size();
  auto value = b.append(attr::MessageIntegritySha256, n);
  out.size = b.size();
  const auto mac = reference_hmac(EVP_sha256(), kKey, out.bytes(), offset, n);
  std::copy_n(mac.begin(), std::min(n, mac.size()), value.begin());
  return out;
}

TEST(MessageIntegritySha256, TruncatedTo16Through32InStepsOf4_Verifies) {
  for (size_t n : {16u, 20u, 24u, 28u, 32u}) {
    EXPECT_TRUE(verify_message_integrity_sha256(parse(with_truncated_sha256(n)), kKey)) << n;
  }
}

TEST(MessageIntegritySha256, OtherLengths_DoNotVerify) {
  for (size_t n : {0u, 4u, 12u, 17u, 18u, 30u, 36u}) {
    EXPECT_FALSE(verify_message_integrity_sha256(parse(with_truncated_sha256(n)), kKey)) << n;
  }
}

TEST(MessageIntegritySha256, AfterSha1Integrity_CoversIt) {
  Built out;
  MessageBuilder b(out.buffer, Method::Binding, Class::Request, kTxId);
  Username{"alice"}.add_to(b);
  add_message_integrity(b, kKey);
  add_message_integrity_sha256(b, kKey);
  add_fingerprint(b);
  out.size = b.size();
  EXPECT_TRUE(verify_message_integrity(parse(out), kKey));
  EXPECT_TRUE(verify_message_integrity_sha256(parse(out), kKey));
  out.buffer[36] ^= 0x01;  // first byte of the SHA-1 HMAC, which SHA-256 covers
  EXPECT_FALSE(verify_message_integrity(parse(out), kKey));
  EXPECT_FALSE(verify_message_integrity_sha256(parse(out), kKey));
}

// IntegrityKey: the request path's way to the same bytes with one key schedule.

Built signed_request(std::span<const uint8_t> key, bool sha256, std::string_view user) {
  Built out;
  MessageBuilder b(out.buffer, Method::Allocate, Class::Request, kTxId);
  Username{user}.add_to(b);
  Realm{"example.org"}.add_to(b);
  if (sha256) {
    add_message_integrity_sha256(b, key);
  } else {
    add_message_integrity(b, key);
  }
  out.size = b.size();
  return out;
}

TEST(IntegrityKey, Verify_SameAnswersAsTheFunctionsForSeveralKeysAndMessages) {
  IntegrityKey k;
  for (bool sha256 : {false, true}) {
    const IntegrityKind kind = sha256 ? IntegrityKind::Sha256 : IntegrityKind::Sha1;
    for (std::string_view key : {"", "k", "a key of some length", "sixteen byte key",
                                 "a key well past the sixty-four bytes of one SHA block, hashed"}) {
      for (std::string_view user : {"alice", "a much longer user name that spills a block"}) {
        const Built request = signed_request(bytes_of(key), sha256, user);
        const MessageView m = parse(request);
        ASSERT_TRUE(k.set(kind, bytes_of(key)));
        EXPECT_TRUE(k.verify(m)) << key << " " << user;
        ASSERT_TRUE(k.set(kind, bytes_of("wrong")));
        EXPECT_FALSE(k.verify(m)) << key << " " << user;
      }
    }
  }
}

TEST(IntegrityKey, Added_IsByteForByteTheFunctionsAttribute) {
  IntegrityKey k;
  for (bool sha256 : {false, true}) {
    ASSERT_TRUE(k.set(sha256 ? IntegrityKind::Sha256 : IntegrityKind::Sha1, kKey));
    for (std::string_view software : {"tern", "a longer SOFTWARE value to change the blocks"}) {
      Built expected, actual;
      MessageBuilder e(expected.buffer, Method::Allocate, Class::SuccessResponse, kTxId);
      MessageBuilder a(actual.buffer, Method::Allocate, Class::SuccessResponse, kTxId);
      Software{software}.add_to(e);
      Software{software}.add_to(a);
      if (sha256) {
        add_message_integrity_sha256(e, kKey);
      } else {
        add_message_integrity(e, kKey);
      }
      k.add_to(a);
      add_fingerprint(e);
      add_fingerprint(a);
      ASSERT_TRUE(a.ok());
      EXPECT_EQ(std::vector<uint8_t>(a.bytes().begin(), a.bytes().end()),
                std::vector<uint8_t>(e.bytes().begin(), e.bytes().end()));
    }
  }
}

TEST(IntegrityKey, VerifyThenSign_TheRequestPathsPair) {
  const Built request = signed_request(kKey, false, "alice");
  IntegrityKey k;
  ASSERT_TRUE(k.set(IntegrityKind::Sha1, kKey));
  ASSERT_TRUE(k.verify(parse(request)));
  Built response;
  MessageBuilder b(response.buffer, Method::Allocate, Class::SuccessResponse, kTxId);
  k.add_to(b);
  response.size = b.size();
  EXPECT_TRUE(verify_message_integrity(parse(response), kKey));
}

TEST(IntegrityKey, Kind_ChoosesTheAttribute) {
  IntegrityKey k;
  ASSERT_TRUE(k.set(IntegrityKind::Sha256, kKey));
  EXPECT_EQ(k.kind(), IntegrityKind::Sha256);
  EXPECT_FALSE(k.verify(parse(signed_request(kKey, false, "alice"))));
  EXPECT_TRUE(k.verify(parse(with_truncated_sha256(16))));
  ASSERT_TRUE(k.set(IntegrityKind::Sha1, kKey));
  EXPECT_EQ(k.kind(), IntegrityKind::Sha1);
  EXPECT_TRUE(k.verify(parse(signed_request(kKey, false, "alice"))));
  EXPECT_FALSE(k.verify(parse(signed_request(kKey, true, "alice"))));
}

TEST(IntegrityKey, Unset_VerifiesNothingAndAddsNothing) {
  IntegrityKey k;
  EXPECT_FALSE(k.has_key());
  EXPECT_FALSE(k.verify(parse(signed_request({}, false, "alice"))));
  Built out;
  MessageBuilder b(out.buffer, Method::Binding, Class::SuccessResponse, kTxId);
  k.add_to(b);
  EXPECT_EQ(b.size(), kHeaderSize);
}

}  // namespace
}  // namespace tern::stun
