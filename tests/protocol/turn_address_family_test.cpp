#include "protocol/turn_address_family.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "protocol/error_code.h"

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {};

TEST(RequestedAddressFamilyAttr, Wire_FamilyThenRffu) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Allocate, Class::Request, kTxId);
  RequestedAddressFamily{Family::V6}.add_to(b);
  AdditionalAddressFamily{Family::V6}.add_to(b);
  const uint8_t expected[] = {0x00, 0x17, 0x00, 0x04, 0x02, 0, 0, 0,
                              0x80, 0x00, 0x00, 0x04, 0x02, 0, 0, 0};
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin() + 20, b.bytes().end()),
            std::vector<uint8_t>(std::begin(expected), std::end(expected)));
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(RequestedAddressFamily::get_from(*m)->family, Family::V6);
  EXPECT_EQ(AdditionalAddressFamily::get_from(*m)->family, Family::V6);
}

TEST(RequestedAddressFamilyAttr, UnknownFamily_IsUnsupportedFamily) {
  for (uint8_t f : {0, 3, 0xFF}) {
    auto r = RequestedAddressFamily::parse(std::vector<uint8_t>{f, 0, 0, 0});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), AttrError::UnsupportedFamily) << int{f};
  }
}

TEST(RequestedAddressFamilyAttr, WrongLength_IsMalformed) {
  EXPECT_EQ(RequestedAddressFamily::parse(std::vector<uint8_t>{1}).error(), AttrError::Malformed);
  EXPECT_EQ(AdditionalAddressFamily::parse(std::vector<uint8_t>{2, 0, 0, 0, 0, 0, 0, 0}).error(),
            AttrError::Malformed);
}

TEST(RequestedAddressFamilyAttr, RffuIgnored) {
  EXPECT_EQ(RequestedAddressFamily::parse(std::vector<uint8_t>{1, 9, 9, 9})->family, Family::V4);
}

TEST(AddressErrorCodeAttr, Wire_FamilyThenClassNumberReason) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Allocate, Class::SuccessResponse, kTxId);
  AddressErrorCode{Family::V6, 440, "No v6"}.add_to(b);
  const uint8_t expected[] = {0x80, 0x01, 0x00, 0x09, 0x02, 0x00, 0x04, 40,
                              'N',  'o',  ' ',  'v',  '6',  0,    0,    0};
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin() + 20, b.bytes().end()),
            std::vector<uint8_t>(std::begin(expected), std::end(expected)));
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  auto r = AddressErrorCode::get_from(*m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (AddressErrorCode{Family::V6, 440, "No v6"}));
}

TEST(AddressErrorCodeAttr, BadFamilyOrCode_IsRefused) {
  EXPECT_EQ(AddressErrorCode::parse(std::vector<uint8_t>{7, 0, 4, 40}).error(),
            AttrError::UnsupportedFamily);
  EXPECT_EQ(AddressErrorCode::parse(std::vector<uint8_t>{1, 0, 2, 40}).error(),
            AttrError::Malformed);
  EXPECT_EQ(AddressErrorCode::parse(std::vector<uint8_t>{1, 0, 4}).error(), AttrError::Malformed);
}

}  // namespace
}  // namespace tern::stun
