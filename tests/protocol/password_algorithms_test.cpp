#include "protocol/password_algorithms.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "tests/protocol/attribute_bytes.h"

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {};

using test::wire_of;

PasswordAlgorithms md5_and_sha256() {
  PasswordAlgorithms list;
  list.add({PasswordAlgorithm::kMd5, {}});
  list.add({PasswordAlgorithm::kSha256, {}});
  return list;
}

TEST(PasswordAlgorithmsAttr, Wire_TwoEntriesWithoutParameters) {
  EXPECT_EQ(wire_of(md5_and_sha256()), (std::vector<uint8_t>{0x80, 0x02, 0x00, 0x08, 0x00, 0x01,
                                                             0x00, 0x00, 0x00, 0x02, 0x00, 0x00}));
}

TEST(PasswordAlgorithmsAttr, RoundTrip_AndEquality) {
  const auto bytes = [] {
    std::array<uint8_t, 128> buffer{};
    MessageBuilder b(buffer, Method::Allocate, Class::ErrorResponse, kTxId);
    md5_and_sha256().add_to(b);
    return std::vector<uint8_t>(b.bytes().begin(), b.bytes().end());
  }();
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  auto back = PasswordAlgorithms::get_from(*m);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, md5_and_sha256());
  EXPECT_TRUE(back->contains(PasswordAlgorithm::kSha256));
  EXPECT_FALSE(back->contains(0x0003));
}

TEST(PasswordAlgorithmsAttr, DifferentOrder_IsNotEqual) {
  // The bid-down check compares lists exactly (RFC 8489 §9.2.4).
  PasswordAlgorithms reversed;
  reversed.add({PasswordAlgorithm::kSha256, {}});
  reversed.add({PasswordAlgorithm::kMd5, {}});
  EXPECT_NE(reversed, md5_and_sha256());
}

TEST(PasswordAlgorithmsAttr, ParametersArePaddedPerEntry) {
  const uint8_t params[] = {0xAA, 0xBB, 0xCC};
  PasswordAlgorithms list;
  list.add({0x7FFF, params});
  list.add({PasswordAlgorithm::kSha256, {}});
  const auto wire = wire_of(list);
  EXPECT_EQ(wire, (std::vector<uint8_t>{0x80, 0x02, 0x00, 0x0C, 0x7F, 0xFF, 0x00, 0x03, 0xAA, 0xBB,
                                        0xCC, 0x00, 0x00, 0x02, 0x00, 0x00}));
  auto back = PasswordAlgorithms::parse(std::span(wire).subspan(4));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, list);
}

TEST(PasswordAlgorithmsAttr, ParameterLengthPastEnd_IsMalformed) {
  EXPECT_EQ(
      PasswordAlgorithms::parse(std::vector<uint8_t>{0x00, 0x02, 0xFF, 0xFF, 0x00, 0x00}).error(),
      AttrError::Malformed);
  EXPECT_EQ(
      PasswordAlgorithms::parse(std::vector<uint8_t>{0x00, 0x01, 0x00, 0x00, 0x00, 0x02}).error(),
      AttrError::Malformed);
}

TEST(PasswordAlgorithmsAttr, EmptyOrTooMany_IsMalformed) {
  EXPECT_EQ(PasswordAlgorithms::parse({}).error(), AttrError::Malformed);
  std::vector<uint8_t> many;
  for (size_t i = 0; i <= PasswordAlgorithms::kMax; ++i) many.insert(many.end(), {0, 1, 0, 0});
  EXPECT_EQ(PasswordAlgorithms::parse(many).error(), AttrError::Malformed);
}

TEST(PasswordAlgorithmAttr, Wire_AndRoundTrip) {
  EXPECT_EQ(wire_of(PasswordAlgorithm{PasswordAlgorithm::kSha256, {}}),
            (std::vector<uint8_t>{0x00, 0x1D, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00}));
  const uint8_t params[] = {1, 2};
  const auto wire = wire_of(PasswordAlgorithm{9, params});
  // Length counts the parameters unpadded; the builder pads the value.
  EXPECT_EQ(wire,
            (std::vector<uint8_t>{0x00, 0x1D, 0x00, 0x06, 0x00, 0x09, 0x00, 0x02, 1, 2, 0, 0}));
  auto back = PasswordAlgorithm::parse(std::span(wire).subspan(4, 6));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, (PasswordAlgorithm{9, params}));
}

TEST(PasswordAlgorithmAttr, TrailingBytesOrShort_IsMalformed) {
  EXPECT_EQ(PasswordAlgorithm::parse(std::vector<uint8_t>{0, 2, 0, 0, 0, 0, 0, 0}).error(),
            AttrError::Malformed);
  EXPECT_EQ(PasswordAlgorithm::parse(std::vector<uint8_t>{0, 2}).error(), AttrError::Malformed);
}

TEST(UserhashAttr, Compute_IsSha256OfUsernameColonRealm) {
  // SHA-256("user:realm"), computed independently with sha256sum.
  const Userhash expected{{0x6a, 0x30, 0x29, 0x11, 0x6b, 0x47, 0xaa, 0x98, 0xbc, 0xaa, 0x32,
                           0x53, 0x99, 0x73, 0x3d, 0xc1, 0xa2, 0x3c, 0xd5, 0x7e, 0x26, 0xb8,
                           0x1b, 0xef, 0x3f, 0xf6, 0x53, 0x1c, 0xe6, 0x24, 0xe2, 0xda}};
  EXPECT_EQ(Userhash::compute("user", "realm"), expected);
}

TEST(UserhashAttr, WrongLength_IsMalformed) {
  EXPECT_EQ(Userhash::parse(std::vector<uint8_t>(31, 0)).error(), AttrError::Malformed);
  EXPECT_TRUE(Userhash::parse(std::vector<uint8_t>(32, 0)).ok());
}

}  // namespace
}  // namespace tern::stun
