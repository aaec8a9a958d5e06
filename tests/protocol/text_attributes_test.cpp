#include "protocol/text_attributes.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "tests/protocol/attribute_bytes.h"

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {};

std::vector<uint8_t> with_raw(uint16_t type, std::string_view value) {
  std::vector<uint8_t> buffer(1200);
  MessageBuilder b(buffer, Method::Binding, Class::Request, kTxId);
  b.add(type, value);
  EXPECT_TRUE(b.ok());
  return {b.bytes().begin(), b.bytes().end()};
}

using test::read_back;

TEST(TextAttributes, RoundTrip_IsAViewIntoTheMessage) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::Allocate, Class::Request, kTxId);
  Username{"alice"}.add_to(b);
  Realm{"example.org"}.add_to(b);
  Nonce{"obMatJos2AAAB"}.add_to(b);
  Software{"tern 0.1"}.add_to(b);
  AlternateDomain{"turn.example.org"}.add_to(b);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  auto u = Username::get_from(*m);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->value, "alice");
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(u->value.data()), buffer.data() + 24);
  EXPECT_EQ(Realm::get_from(*m)->value, "example.org");
  EXPECT_EQ(Nonce::get_from(*m)->value, "obMatJos2AAAB");
  EXPECT_EQ(Software::get_from(*m)->value, "tern 0.1");
  EXPECT_EQ(AlternateDomain::get_from(*m)->value, "turn.example.org");
}

TEST(TextAttributes, Empty_IsValid) {
  auto r = read_back<Realm>(with_raw(attr::Realm, ""));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value, "");
}

TEST(TextAttributes, Missing_IsMissing) {
  auto r = read_back<Nonce>(with_raw(attr::Realm, "r"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AttrError::Missing);
}

TEST(TextAttributes, AtTheLimit_Parses_OneMore_IsMalformed) {
  EXPECT_TRUE(read_back<Username>(with_raw(attr::Username, std::string(763, 'u'))).ok());
  EXPECT_EQ(read_back<Username>(with_raw(attr::Username, std::string(764, 'u'))).error(),
            AttrError::Malformed);
  EXPECT_TRUE(read_back<Realm>(with_raw(attr::Realm, std::string(763, 'r'))).ok());
  EXPECT_EQ(read_back<Realm>(with_raw(attr::Realm, std::string(764, 'r'))).error(),
            AttrError::Malformed);
  EXPECT_TRUE(read_back<Nonce>(with_raw(attr::Nonce, std::string(763, 'n'))).ok());
  EXPECT_EQ(read_back<Nonce>(with_raw(attr::Nonce, std::string(764, 'n'))).error(),
            AttrError::Malformed);
  EXPECT_TRUE(read_back<Software>(with_raw(attr::Software, std::string(763, 's'))).ok());
  EXPECT_EQ(read_back<Software>(with_raw(attr::Software, std::string(764, 's'))).error(),
            AttrError::Malformed);
  EXPECT_TRUE(
      read_back<AlternateDomain>(with_raw(attr::AlternateDomain, std::string(255, 'd'))).ok());
  EXPECT_EQ(
      read_back<AlternateDomain>(with_raw(attr::AlternateDomain, std::string(256, 'd'))).error(),
      AttrError::Malformed);
}

TEST(TextAttributes, InvalidUtf8_IsMalformed) {
  auto r = read_back<Username>(with_raw(attr::Username, "bad\xFF"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AttrError::Malformed);
}

TEST(Utf8, AcceptsAsciiAndMultibyte) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xC2\xA0"));          // U+00A0
  EXPECT_TRUE(is_valid_utf8("\xE3\x83\x9E"));      // U+30DE
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBD"));      // U+FFFD
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8, RejectsOverlongSurrogatesAndOutOfRange) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong 3-byte
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // overlong 4-byte
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, RejectsTruncatedAndStrayContinuation) {
  EXPECT_FALSE(is_valid_utf8("\xE3\x83"));  // cut short
  EXPECT_FALSE(is_valid_utf8("\xC2"));
  EXPECT_FALSE(is_valid_utf8("\x80"));      // continuation with no lead
  EXPECT_FALSE(is_valid_utf8("\xC2\x41"));  // lead followed by ASCII
  EXPECT_FALSE(is_valid_utf8("\xE3\x83\x41"));
}

}  // namespace
}  // namespace tern::stun
