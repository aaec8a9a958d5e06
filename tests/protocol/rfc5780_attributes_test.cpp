#include "protocol/rfc5780_attributes.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "tests/protocol/attribute_bytes.h"

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {};

using test::wire_of;

TEST(ChangeRequestAttr, Wire_FlagsAreBits2And1) {
  EXPECT_EQ(wire_of(ChangeRequest{true, true}),
            (std::vector<uint8_t>{0x00, 0x03, 0x00, 0x04, 0, 0, 0, 0x06}));
  EXPECT_EQ(wire_of(ChangeRequest{true, false}),
            (std::vector<uint8_t>{0x00, 0x03, 0x00, 0x04, 0, 0, 0, 0x04}));
  EXPECT_EQ(wire_of(ChangeRequest{false, true}),
            (std::vector<uint8_t>{0x00, 0x03, 0x00, 0x04, 0, 0, 0, 0x02}));
}

TEST(ChangeRequestAttr, Parse_ReadsFlagsIgnoresOtherBits) {
  EXPECT_EQ(*ChangeRequest::parse(std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0xF9}),
            (ChangeRequest{false, false}));
  EXPECT_EQ(*ChangeRequest::parse(std::vector<uint8_t>{0, 0, 0, 0x06}),
            (ChangeRequest{true, true}));
  EXPECT_EQ(ChangeRequest::parse(std::vector<uint8_t>{0, 6}).error(), AttrError::Malformed);
}

TEST(ResponsePortAttr, Wire_LengthTwoPlusPadding) {
  EXPECT_EQ(wire_of(ResponsePort{3479}),
            (std::vector<uint8_t>{0x00, 0x27, 0x00, 0x02, 0x0D, 0x97, 0, 0}));
}

TEST(ResponsePortAttr, Parse_AcceptsLengthTwoOrFour) {
  EXPECT_EQ(ResponsePort::parse(std::vector<uint8_t>{0x0D, 0x97})->port, 3479);
  EXPECT_EQ(ResponsePort::parse(std::vector<uint8_t>{0x0D, 0x97, 0, 0})->port, 3479);
  EXPECT_EQ(ResponsePort::parse(std::vector<uint8_t>{0x0D}).error(), AttrError::Malformed);
  EXPECT_EQ(ResponsePort::parse(std::vector<uint8_t>{0x0D, 0x97, 0}).error(), AttrError::Malformed);
}

TEST(PaddingAttr, WritesZerosOfTheGivenLength) {
  EXPECT_EQ(wire_of(PaddingAttribute{5}),
            (std::vector<uint8_t>{0x00, 0x26, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(PaddingAttribute::parse(std::vector<uint8_t>(300, 0xAB))->length, 300u);
}

TEST(Rfc5780Attributes, Missing_IsMissing) {
  std::array<uint8_t, 32> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::Request, kTxId);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(ChangeRequest::get_from(*m).error(), AttrError::Missing);
  EXPECT_EQ(ResponsePort::get_from(*m).error(), AttrError::Missing);
  EXPECT_EQ(PaddingAttribute::get_from(*m).error(), AttrError::Missing);
}

}  // namespace
}  // namespace tern::stun
