#include "protocol/xor_address.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "protocol/byte_order.h"
#include "tests/protocol/attribute_bytes.h"

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                                           0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

const TransportAddress kV4 = TransportAddress::v4({192, 0, 2, 1}, 32853);
const TransportAddress kV6 = TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
                                                   0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77},
                                                  32853);

// A message holding `type` with the given raw value.
std::vector<uint8_t> with_raw(uint16_t type, std::vector<uint8_t> value) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  b.add(type, value);
  return {b.bytes().begin(), b.bytes().end()};
}

using test::read_back;

TEST(XorAddress, Ipv4_IsXoredWithCookie) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  XorMappedAddress{kV4}.add_to(b);
  const auto v = b.bytes().subspan(24);
  ASSERT_EQ(v.size(), 8u);
  EXPECT_EQ(v[0], 0);
  EXPECT_EQ(v[1], 0x01);
  EXPECT_EQ(load_u16(v.data() + 2), 32853 ^ 0x2112);
  EXPECT_EQ(load_u32(v.data() + 4), 0xC0000201u ^ kMagicCookie);
}

TEST(XorAddress, Ipv6_IsXoredWithCookieAndTransactionId) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  XorMappedAddress{kV6}.add_to(b);
  const auto v = b.bytes().subspan(24);
  ASSERT_EQ(v.size(), 20u);
  EXPECT_EQ(v[1], 0x02);
  EXPECT_EQ(load_u32(v.data() + 4), 0x20010db8u ^ kMagicCookie);
  for (size_t i = 4; i < 16; ++i) EXPECT_EQ(v[4 + i], kV6.ip[i] ^ kTxId[i - 4]) << i;
}

TEST(XorAddress, RoundTrip_EachTypeAndFamily) {
  for (const auto& a : {kV4, kV6, TransportAddress::v4({0, 0, 0, 0}, 0),
                        TransportAddress::v4({255, 255, 255, 255}, 65535)}) {
    std::array<uint8_t, 128> buffer{};
    MessageBuilder b(buffer, Method::Allocate, Class::SuccessResponse, kTxId);
    XorMappedAddress{a}.add_to(b);
    XorPeerAddress{a}.add_to(b);
    XorRelayedAddress{a}.add_to(b);
    auto m = MessageView::parse(b.bytes());
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(XorMappedAddress::get_from(*m)->address, a);
    EXPECT_EQ(XorPeerAddress::get_from(*m)->address, a);
    EXPECT_EQ(XorRelayedAddress::get_from(*m)->address, a);
  }
}

TEST(XorAddress, Missing_IsMissing) {
  auto r = read_back<XorPeerAddress>(with_raw(attr::Software, {'x'}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AttrError::Missing);
}

TEST(XorAddress, Ipv4FamilyWithIpv6Length_IsMalformed) {
  std::vector<uint8_t> v(20, 0);
  v[1] = 0x01;
  auto r = read_back<XorMappedAddress>(with_raw(attr::XorMappedAddress, v));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AttrError::Malformed);
}

TEST(XorAddress, Ipv6FamilyWithIpv4Length_IsMalformed) {
  std::vector<uint8_t> v(8, 0);
  v[1] = 0x02;
  auto r = read_back<XorMappedAddress>(with_raw(attr::XorMappedAddress, v));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AttrError::Malformed);
}

TEST(XorAddress, ShorterThanHeader_IsMalformed) {
  for (size_t n : {0u, 1u, 3u}) {
    auto r = read_back<XorPeerAddress>(with_raw(attr::XorPeerAddress, std::vector<uint8_t>(n, 1)));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), AttrError::Malformed) << n;
  }
}

TEST(XorAddress, UnknownFamily_IsUnsupportedFamily) {
  std::vector<uint8_t> v(8, 0);
  v[1] = 0x03;
  auto r = read_back<XorPeerAddress>(with_raw(attr::XorPeerAddress, v));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AttrError::UnsupportedFamily);
}

TEST(XorAddress, ReservedByte_IsIgnored) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::SuccessResponse, kTxId);
  XorMappedAddress{kV4}.add_to(b);
  b.mutable_bytes()[24] = 0xFF;
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(XorMappedAddress::get_from(*m)->address, kV4);
}

TEST(XorAddress, GetAll_ReturnsEveryPeerInOrder) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::CreatePermission, Class::Request, kTxId);
  const TransportAddress peers[] = {kV4, kV6, TransportAddress::v4({198, 51, 100, 7}, 1)};
  for (const auto& p : peers) XorPeerAddress{p}.add_to(b);
  XorRelayedAddress{kV4}.add_to(b);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  std::array<XorPeerAddress, 8> out{};
  auto n = XorPeerAddress::get_all(*m, out);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(out[i].address, peers[i]);
}

TEST(XorAddress, GetAll_MoreThanRoom_CountsAllWritesWhatFits) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::CreatePermission, Class::Request, kTxId);
  for (uint8_t i = 0; i < 5; ++i) XorPeerAddress{TransportAddress::v4({10, 0, 0, i}, i)}.add_to(b);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  std::array<XorPeerAddress, 2> out{};
  auto n = XorPeerAddress::get_all(*m, out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(out[1].address, TransportAddress::v4({10, 0, 0, 1}, 1));
}

TEST(XorAddress, GetAll_OneBadAmongGood_IsAnError) {
  std::array<uint8_t, 256> buffer{};
  MessageBuilder b(buffer, Method::CreatePermission, Class::Request, kTxId);
  XorPeerAddress{kV4}.add_to(b);
  const uint8_t bad[] = {0, 0x01, 0, 0};  // IPv4 without its address
  b.add(attr::XorPeerAddress, bad);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  std::array<XorPeerAddress, 4> out{};
  auto n = XorPeerAddress::get_all(*m, out);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error(), AttrError::Malformed);
}

TEST(XorAddress, GetAll_None_IsMissing) {
  auto bytes = with_raw(attr::Software, {'x'});
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  std::array<XorRelayedAddress, 2> out{};
  auto n = XorRelayedAddress::get_all(*m, out);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error(), AttrError::Missing);
}

}  // namespace
}  // namespace tern::stun
