#include "protocol/plain_address.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "protocol/byte_order.h"

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {};

const TransportAddress kV6 =
    TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}, 3478);

Result<MappedAddress, AttrError> mapped_from_raw(std::vector<uint8_t> value) {
  std::array<uint8_t, 128> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  b.add(attr::MappedAddress, value);
  auto m = MessageView::parse(b.bytes());
  EXPECT_TRUE(m.ok());
  return MappedAddress::get_from(*m);
}

TEST(PlainAddress, WrittenWithoutXor) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  MappedAddress{TransportAddress::v4({192, 0, 2, 1}, 32853)}.add_to(b);
  const uint8_t expected[] = {0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x80, 0x55, 192, 0, 2, 1};
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin() + 20, b.bytes().end()),
            std::vector<uint8_t>(std::begin(expected), std::end(expected)));
}

// RFC 3489 §11.2.3 and §11.2.5: CHANGED-ADDRESS (0x0005) and SOURCE-ADDRESS (0x0004) share
// MAPPED-ADDRESS's format.
TEST(PlainAddress, Rfc3489SourceAndChangedAddress_Wire) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  SourceAddress{TransportAddress::v4({127, 0, 0, 1}, 3478)}.add_to(b);
  ChangedAddress{TransportAddress::v4({127, 0, 0, 2}, 3479)}.add_to(b);
  const uint8_t expected[] = {0x00, 0x04, 0x00, 0x08, 0x00, 0x01, 0x0D, 0x96, 127, 0, 0, 1,
                              0x00, 0x05, 0x00, 0x08, 0x00, 0x01, 0x0D, 0x97, 127, 0, 0, 2};
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin() + 20, b.bytes().end()),
            std::vector<uint8_t>(std::begin(expected), std::end(expected)));
}

// RFC 5780 §7.3, §7.4: RESPONSE-ORIGIN (0x802B) and OTHER-ADDRESS (0x802C), MAPPED-ADDRESS's
// format.
TEST(PlainAddress, Rfc5780ResponseOriginAndOtherAddress_Wire) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  ResponseOrigin{TransportAddress::v4({192, 0, 2, 1}, 3478)}.add_to(b);
  OtherAddress{kV6}.add_to(b);
  const uint8_t expected[] = {0x80, 0x2B, 0x00, 0x08, 0x00, 0x01, 0x0D, 0x96, 192,
                              0,    2,    1,    0x80, 0x2C, 0x00, 0x14, 0x00, 0x02,
                              0x0D, 0x96, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,
                              0,    0,    0,    0,    0,    0,    0,    0,    0x01};
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin() + 20, b.bytes().end()),
            std::vector<uint8_t>(std::begin(expected), std::end(expected)));
}

TEST(PlainAddress, RoundTrip_AllFourTypes) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  const auto v4 = TransportAddress::v4({203, 0, 113, 9}, 3479);
  MappedAddress{v4}.add_to(b);
  AlternateServer{kV6}.add_to(b);
  ResponseOrigin{v4}.add_to(b);
  OtherAddress{kV6}.add_to(b);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(MappedAddress::get_from(*m)->address, v4);
  EXPECT_EQ(AlternateServer::get_from(*m)->address, kV6);
  EXPECT_EQ(ResponseOrigin::get_from(*m)->address, v4);
  EXPECT_EQ(OtherAddress::get_from(*m)->address, kV6);
}

TEST(PlainAddress, WrongLengthForFamily_IsMalformed) {
  std::vector<uint8_t> v4_long(20, 0), v6_short(8, 0), v4_short(7, 0);
  v4_long[1] = 1;
  v6_short[1] = 2;
  v4_short[1] = 1;
  for (const auto& v : {v4_long, v6_short, v4_short}) {
    auto r = mapped_from_raw(v);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), AttrError::Malformed);
  }
}

TEST(PlainAddress, UnknownFamily_IsUnsupportedFamily) {
  std::vector<uint8_t> v(8, 0);
  auto r = mapped_from_raw(v);  // family 0
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AttrError::UnsupportedFamily);
}

TEST(PlainAddress, Missing_IsMissing) {
  std::array<uint8_t, 32> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(AlternateServer::get_from(*m).error(), AttrError::Missing);
}

}  // namespace
}  // namespace tern::stun
