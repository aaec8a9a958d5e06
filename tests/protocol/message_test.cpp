// The header and attribute-walk rules of MessageView::parse (RFC 8489 §5, §6, §14):
// what is refused, and which attributes count.

#include "protocol/message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/byte_order.h"

namespace tern::stun {
namespace {

// A Binding request with the given attributes (type, value), each padded with zeros, and
// the header's length field set to match.
struct RawAttribute {
  uint16_t type;
  std::vector<uint8_t> value;
};

std::vector<uint8_t> message_with(const std::vector<RawAttribute>& attributes) {
  std::vector<uint8_t> m = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                            3,    4,    5,    6,    7,    8,    9,    10,   11, 12};
  for (const auto& a : attributes) {
    const size_t at = m.size();
    m.resize(at + 4 + padded4(a.value.size()), 0);
    store_u16(m.data() + at, a.type);
    store_u16(m.data() + at + 2, static_cast<uint16_t>(a.value.size()));
    std::copy(a.value.begin(), a.value.end(), m.begin() + at + 4);
  }
  store_u16(m.data() + 2, static_cast<uint16_t>(m.size() - kHeaderSize));
  return m;
}

RawAttribute text(uint16_t type, std::string_view s) {
  return {type, {s.begin(), s.end()}};
}

ParseError error_of(const std::vector<uint8_t>& bytes, ParseOptions options = {}) {
  auto m = MessageView::parse(bytes, options);
  EXPECT_FALSE(m.ok());
  return m.ok() ? ParseError::TooShort : m.error();
}

// --- header ------------------------------------------------------------------------------

TEST(MessageParse, EmptyMessage_ParsesWithNoAttributes) {
  const auto bytes = message_with({});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->attribute_count(), 0u);
  EXPECT_EQ(m->method(), Method::Binding);
  EXPECT_EQ(m->message_class(), Class::Request);
  EXPECT_TRUE(m->has_magic_cookie());
  EXPECT_EQ(m->transaction_id_copy(), (TransactionId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
}

TEST(MessageParse, FewerThan20Bytes_IsTooShort) {
  auto bytes = message_with({});
  bytes.pop_back();
  EXPECT_EQ(error_of(bytes), ParseError::TooShort);
  EXPECT_EQ(error_of({}), ParseError::TooShort);
}

TEST(MessageParse, FirstTwoBitsNotZero_IsNotStun) {
  for (uint8_t top : {0x40, 0x80, 0xC0}) {
    auto bytes = message_with({});
    bytes[0] |= top;
    EXPECT_EQ(error_of(bytes), ParseError::NotStun) << int{top};
  }
}

TEST(MessageParse, WrongMagicCookie_IsRefused) {
  auto bytes = message_with({});
  bytes[7] ^= 0x01;
  EXPECT_EQ(error_of(bytes), ParseError::BadMagicCookie);
}

TEST(MessageParse, WrongMagicCookie_AcceptedWhenRfc3489Allowed) {
  auto bytes = message_with({});
  bytes[7] ^= 0x01;
  auto m = MessageView::parse(bytes, ParseOptions{.allow_rfc3489 = true});
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_magic_cookie());
}

TEST(MessageParse, LengthNotMultipleOf4_IsBadLength) {
  auto bytes = message_with({text(attr::Software, "abcd")});
  bytes.push_back(0);
  store_u16(bytes.data() + 2, static_cast<uint16_t>(bytes.size() - kHeaderSize));
  EXPECT_EQ(error_of(bytes), ParseError::BadLength);
}

TEST(MessageParse, LengthLargerThanDatagram_IsBadLength) {
  auto bytes = message_with({text(attr::Software, "abcd")});
  store_u16(bytes.data() + 2, load_u16(bytes.data() + 2) + 4);
  EXPECT_EQ(error_of(bytes), ParseError::BadLength);
}

TEST(MessageParse, TrailingBytesAfterLength_IsBadLength) {
  // One message per datagram: bytes past the length are not a second message.
  auto bytes = message_with({text(attr::Software, "abcd")});
  bytes.insert(bytes.end(), {0, 0, 0, 0});
  EXPECT_EQ(error_of(bytes), ParseError::BadLength);
}

// --- attribute walk ------------------------------------------------------------------------

TEST(MessageParse, AttributeLongerThanMessage_IsTruncated) {
  auto bytes = message_with({text(attr::Software, "abcd")});
  store_u16(bytes.data() + 22, 8);  // says 8, holds 4
  EXPECT_EQ(error_of(bytes), ParseError::TruncatedAttribute);
}

TEST(MessageParse, AttributeWhosePaddingRunsPastEnd_IsTruncated) {
  auto bytes = message_with({text(attr::Software, "abcd")});
  store_u16(bytes.data() + 22, 5);  // 5 needs 8 bytes with padding; 4 are there
  EXPECT_EQ(error_of(bytes), ParseError::TruncatedAttribute);
}

TEST(MessageParse, AttributeValuesPointIntoTheDatagram) {
  const auto bytes = message_with({text(attr::Username, "abc"), text(attr::Realm, "realm")});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->attribute_count(), 2u);
  const Attribute first = m->attribute(0);
  EXPECT_EQ(first.type, attr::Username);
  EXPECT_EQ(first.offset, 20u);
  EXPECT_EQ(first.value.data(), bytes.data() + 24);
  EXPECT_EQ(first.value.size(), 3u);
  const Attribute second = m->attribute(1);
  EXPECT_EQ(second.offset, 28u);
  EXPECT_EQ(second.value.data(), bytes.data() + 32);
  EXPECT_EQ(second.value.size(), 5u);
}

TEST(MessageParse, ZeroLengthAttribute_Parses) {
  const auto bytes = message_with({{attr::DontFragment, {}}});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has(attr::DontFragment));
  EXPECT_TRUE(m->find(attr::DontFragment)->value.empty());
}

TEST(MessageParse, FortyAttributes_Parse) {
  std::vector<RawAttribute> many(MessageView::kMaxAttributes, text(attr::Software, "x"));
  auto m = MessageView::parse(message_with(many));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->attribute_count(), MessageView::kMaxAttributes);
}

TEST(MessageParse, FortyOneAttributes_IsTooManyAttributes) {
  std::vector<RawAttribute> many(MessageView::kMaxAttributes + 1, text(attr::Software, "x"));
  EXPECT_EQ(error_of(message_with(many)), ParseError::TooManyAttributes);
}

TEST(MessageParse, IgnoredAttributesAfterIntegrity_DoNotCountTowardTheLimit) {
  std::vector<RawAttribute> many(MessageView::kMaxAttributes - 1, text(attr::Software, "x"));
  many.push_back({attr::MessageIntegrity, std::vector<uint8_t>(20)});
  many.insert(many.end(), 20, text(attr::Software, "y"));
  auto m = MessageView::parse(message_with(many));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->attribute_count(), MessageView::kMaxAttributes);
}

TEST(MessageParse, DuplicateAttribute_FirstWins) {
  const auto bytes = message_with({text(attr::Username, "first"), text(attr::Username, "second")});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  auto u = m->find(attr::Username);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(u->value.data()), u->value.size()),
            "first");
}

TEST(MessageParse, AttributeAfterIntegrity_IsIgnored) {
  // Otherwise an attacker could append a REALM or LIFETIME the HMAC does not cover.
  const auto bytes = message_with({text(attr::Username, "u"),
                                   {attr::MessageIntegrity, std::vector<uint8_t>(20)},
                                   text(attr::Realm, "evil"),
                                   {attr::Lifetime, {0, 0, 0, 0}}});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->attribute_count(), 2u);
  EXPECT_FALSE(m->has(attr::Realm));
  EXPECT_FALSE(m->has(attr::Lifetime));
}

TEST(MessageParse, Sha256IntegrityAndFingerprintAfterIntegrity_Count) {
  const auto bytes = message_with({{attr::MessageIntegrity, std::vector<uint8_t>(20)},
                                   {attr::MessageIntegritySha256, std::vector<uint8_t>(32)},
                                   {attr::Fingerprint, {0, 0, 0, 0}}});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->attribute_count(), 3u);
  EXPECT_TRUE(m->has(attr::MessageIntegritySha256));
  EXPECT_TRUE(m->has(attr::Fingerprint));
}

TEST(MessageParse, SecondIntegrityAfterIntegrity_IsIgnored) {
  const auto bytes = message_with({{attr::MessageIntegrity, std::vector<uint8_t>(20, 1)},
                                   {attr::MessageIntegrity, std::vector<uint8_t>(20, 2)}});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->attribute_count(), 1u);
  EXPECT_EQ(m->find(attr::MessageIntegrity)->value[0], 1);
}

TEST(MessageParse, IntegrityAfterSha256Integrity_IsIgnored) {
  // §14.6: after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT counts.
  const auto bytes = message_with({{attr::MessageIntegritySha256, std::vector<uint8_t>(32)},
                                   {attr::MessageIntegrity, std::vector<uint8_t>(20)},
                                   {attr::Fingerprint, {0, 0, 0, 0}}});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->attribute_count(), 2u);
  EXPECT_FALSE(m->has(attr::MessageIntegrity));
  EXPECT_TRUE(m->has(attr::Fingerprint));
}

TEST(MessageParse, NothingAfterFingerprint_Counts) {
  const auto bytes = message_with({text(attr::Username, "u"),
                                   {attr::Fingerprint, {1, 1, 1, 1}},
                                   text(attr::Realm, "late"),
                                   {attr::MessageIntegrity, std::vector<uint8_t>(20)},
                                   {attr::Fingerprint, {2, 2, 2, 2}}});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->attribute_count(), 2u);
  EXPECT_FALSE(m->has(attr::Realm));
  EXPECT_FALSE(m->has(attr::MessageIntegrity));
  EXPECT_EQ(m->find(attr::Fingerprint)->value[0], 1);
}

TEST(MessageParse, TruncatedAttributeAfterIntegrity_IsStillRefused) {
  // Ignored attributes are still walked: the length field must hold together.
  auto bytes = message_with(
      {{attr::MessageIntegrity, std::vector<uint8_t>(20)}, text(attr::Software, "abcd")});
  store_u16(bytes.data() + 20 + 24 + 2, 8);
  EXPECT_EQ(error_of(bytes), ParseError::TruncatedAttribute);
}

TEST(MessageParse, UnknownComprehensionRequired_ListsOnlyUnknownBelow0x8000) {
  const auto bytes = message_with({{0x7777, {}}, {0x8777, {}}, text(attr::Username, "u")});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  uint16_t out[4] = {};
  const size_t n = m->unknown_comprehension_required(attr::is_known, out);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(out[0], 0x7777);
}

TEST(MessageParse, PeekHeader_ReadsTypeAndLengthWithoutWalking) {
  auto bytes = message_with({text(attr::Software, "abcd")});
  bytes[20 + 3] = 0xFF;  // a broken attribute does not matter to peek_header
  auto h = peek_header(bytes);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->type, 0x0001);
  EXPECT_EQ(h->length, 8);
  EXPECT_TRUE(h->has_magic_cookie);
  bytes[0] = 0x80;
  EXPECT_FALSE(peek_header(bytes).has_value());
  EXPECT_FALSE(peek_header(std::span(bytes).first(19)).has_value());
}

// FAILS against protocol/message.{h,cpp} at 69bc533: Attribute::offset and Entry::offset
// are uint16_t, but a message may be 20 + 65532 bytes, so an attribute that starts at or
// beyond byte 65536 gets its offset truncated (65540 -> 4) and attribute(i).value then
// points into the header. Disabled until the offset is widened (uint32_t); run with
// --gtest_also_run_disabled_tests.
TEST(MessageParse, AttributeStartingPast64KiB_KeepsItsOffsetAndValue) {
  // PADDING fills bytes 20..65539; SOFTWARE's header sits at 65540, its value at 65544.
  const auto bytes = message_with(
      {{attr::Padding, std::vector<uint8_t>(65516)}, text(attr::Software, "12345678")});
  ASSERT_EQ(bytes.size(), 65552u);
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->attribute_count(), 2u);
  const Attribute software = m->attribute(1);
  EXPECT_EQ(size_t{software.offset}, 65540u);
  EXPECT_EQ(software.value.data(), bytes.data() + 65544);
}

}  // namespace
}  // namespace tern::stun
