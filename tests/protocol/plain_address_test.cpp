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
