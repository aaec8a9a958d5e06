#include "protocol/error_code.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {};

Result<ErrorCodeAttribute, AttrError> from_raw(std::vector<uint8_t> value,
                                               std::vector<uint8_t>& storage) {
  storage.assign(1024, 0);
  MessageBuilder b(storage, Method::Allocate, Class::ErrorResponse, kTxId);
  b.add(attr::ErrorCode, value);
  storage.resize(b.size());
  auto m = MessageView::parse(storage);
  EXPECT_TRUE(m.ok());
  return ErrorCodeAttribute::get_from(*m);
}

TEST(ErrorCodeAttr, NamedCodes_HaveTheirRfcNumbers) {
  EXPECT_EQ(static_cast<uint16_t>(ErrorCode::TryAlternate), 300);
  EXPECT_EQ(static_cast<uint16_t>(ErrorCode::Unauthorized), 401);
  EXPECT_EQ(static_cast<uint16_t>(ErrorCode::AllocationMismatch), 437);
  EXPECT_EQ(static_cast<uint16_t>(ErrorCode::StaleNonce), 438);
  EXPECT_EQ(static_cast<uint16_t>(ErrorCode::WrongCredentials), 441);
  EXPECT_EQ(static_cast<uint16_t>(ErrorCode::PeerAddressFamilyMismatch), 443);
  EXPECT_EQ(static_cast<uint16_t>(ErrorCode::ConnectionTimeoutOrFailure), 447);
  EXPECT_EQ(static_cast<uint16_t>(ErrorCode::AllocationQuotaReached), 486);
  EXPECT_EQ(static_cast<uint16_t>(ErrorCode::InsufficientCapacity), 508);
}

TEST(ErrorCodeAttr, DefaultReasons_AreTheRfcPhrases) {
  EXPECT_STREQ(default_reason(ErrorCode::BadRequest), "Bad Request");
  EXPECT_STREQ(default_reason(ErrorCode::AllocationMismatch), "Allocation Mismatch");
  EXPECT_STREQ(default_reason(ErrorCode::UnsupportedTransportProtocol),
               "Unsupported Transport Protocol");
  EXPECT_STREQ(default_reason(static_cast<ErrorCode>(499)), "Unknown Error");
}

TEST(ErrorCodeAttr, Encoding_IsClassAndNumber) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Allocate, Class::ErrorResponse, kTxId);
  ErrorCodeAttribute{437, "Mismatch"}.add_to(b);
  const auto v = b.bytes().subspan(20);
  const uint8_t expected[] = {0x00, 0x09, 0x00, 0x0C, 0x00, 0x00, 0x04, 37,
                              'M',  'i',  's',  'm',  'a',  't',  'c',  'h'};
  EXPECT_EQ(std::vector<uint8_t>(v.begin(), v.end()),
            std::vector<uint8_t>(std::begin(expected), std::end(expected)));
}

TEST(ErrorCodeAttr, RoundTrip_WithPaddedReason) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Allocate, Class::ErrorResponse, kTxId);
  ErrorCodeAttribute::of(ErrorCode::StaleNonce).add_to(b);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  auto e = ErrorCodeAttribute::get_from(*m);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->code, 438);
  EXPECT_EQ(e->reason, "Stale Nonce");
  // "Stale Nonce" is 11 bytes: one zero byte of padding.
  EXPECT_EQ(b.bytes()[24 + 4 + 11], 0);
}

TEST(ErrorCodeAttr, EmptyReason_Parses) {
  std::vector<uint8_t> storage;
  auto e = from_raw({0, 0, 5, 0}, storage);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->code, 500);
  EXPECT_EQ(e->reason, "");
}

TEST(ErrorCodeAttr, ReservedBits_AreIgnored) {
  std::vector<uint8_t> storage;
  auto e = from_raw({0xFF, 0xFF, 0xF8 | 4, 1}, storage);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->code, 401);
}

TEST(ErrorCodeAttr, ClassOutside3To6_IsMalformed) {
  std::vector<uint8_t> storage;
  for (uint8_t cls : {0, 1, 2, 7}) {
    auto e = from_raw({0, 0, cls, 0}, storage);
    ASSERT_FALSE(e.ok()) << int{cls};
    EXPECT_EQ(e.error(), AttrError::Malformed);
  }
}

TEST(ErrorCodeAttr, NumberAbove99_IsMalformed) {
  std::vector<uint8_t> storage;
  EXPECT_TRUE(from_raw({0, 0, 4, 99}, storage).ok());
  EXPECT_EQ(from_raw({0, 0, 4, 100}, storage).error(), AttrError::Malformed);
}

TEST(ErrorCodeAttr, ShorterThan4_IsMalformed) {
  std::vector<uint8_t> storage;
  EXPECT_EQ(from_raw({0, 0, 4}, storage).error(), AttrError::Malformed);
}

TEST(ErrorCodeAttr, ReasonTooLongOrNotUtf8_IsMalformed) {
  std::vector<uint8_t> storage;
  std::vector<uint8_t> v = {0, 0, 4, 0};
  v.resize(4 + 763, 'x');
  EXPECT_TRUE(from_raw(v, storage).ok());
  v.push_back('x');
  EXPECT_EQ(from_raw(v, storage).error(), AttrError::Malformed);
  EXPECT_EQ(from_raw({0, 0, 4, 0, 0xC3}, storage).error(), AttrError::Malformed);
}

TEST(ErrorCodeAttr, Missing_IsMissing) {
  std::array<uint8_t, 32> buffer{};
  MessageBuilder b(buffer, Method::Allocate, Class::ErrorResponse, kTxId);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(ErrorCodeAttribute::get_from(*m).error(), AttrError::Missing);
}

}  // namespace
}  // namespace tern::stun
