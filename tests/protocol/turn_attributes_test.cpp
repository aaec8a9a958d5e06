#include "protocol/turn_attributes.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {};

// The attribute's wire bytes (header, value, padding) after add_to.
template <typename T>
std::vector<uint8_t> wire(const T& attribute) {
  std::array<uint8_t, 128> buffer{};
  MessageBuilder b(buffer, Method::Allocate, Class::Request, kTxId);
  attribute.add_to(b);
  EXPECT_TRUE(b.ok());
  return {b.bytes().begin() + kHeaderSize, b.bytes().end()};
}

template <typename T>
Result<T, AttrError> round_trip(const T& attribute) {
  static thread_local std::array<uint8_t, 128> buffer;  // parsed views point into it
  buffer.fill(0);
  MessageBuilder b(buffer, Method::Allocate, Class::Request, kTxId);
  attribute.add_to(b);
  auto m = MessageView::parse(b.bytes());
  EXPECT_TRUE(m.ok());
  return T::get_from(*m);
}

template <typename T>
AttrError error_for(std::vector<uint8_t> value) {
  auto r = T::parse(value);
  EXPECT_FALSE(r.ok());
  return r.ok() ? AttrError::Missing : r.error();
}

TEST(ChannelNumberAttr, Wire_NumberThenZeroRffu) {
  EXPECT_EQ(wire(ChannelNumber{0x4001}),
            (std::vector<uint8_t>{0x00, 0x0C, 0x00, 0x04, 0x40, 0x01, 0x00, 0x00}));
}

TEST(ChannelNumberAttr, RoundTrip_AndRffuIgnored) {
  EXPECT_EQ(*round_trip(ChannelNumber{0x4FFF}), ChannelNumber{0x4FFF});
  auto r = ChannelNumber::parse(std::vector<uint8_t>{0x40, 0x00, 0xAB, 0xCD});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->number, 0x4000);
}

TEST(ChannelNumberAttr, OutOfRange_ParsesButIsNotInRange) {
  auto r = ChannelNumber::parse(std::vector<uint8_t>{0x50, 0x00, 0, 0});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->in_range());
  EXPECT_FALSE(ChannelNumber{0x3FFF}.in_range());
  EXPECT_TRUE(ChannelNumber{0x4000}.in_range());
  EXPECT_TRUE(ChannelNumber{0x4FFF}.in_range());
}

TEST(ChannelNumberAttr, WrongLength_IsMalformed) {
  EXPECT_EQ(error_for<ChannelNumber>({0x40, 0x00}), AttrError::Malformed);
  EXPECT_EQ(error_for<ChannelNumber>({0x40, 0x00, 0, 0, 0, 0, 0, 0}), AttrError::Malformed);
}

TEST(LifetimeAttr, RoundTrip) {
  EXPECT_EQ(wire(Lifetime{600}),
            (std::vector<uint8_t>{0x00, 0x0D, 0x00, 0x04, 0x00, 0x00, 0x02, 0x58}));
  EXPECT_EQ(round_trip(Lifetime{0})->seconds, 0u);
  EXPECT_EQ(round_trip(Lifetime{0xFFFFFFFF})->seconds, 0xFFFFFFFFu);
}

TEST(LifetimeAttr, WrongLength_IsMalformed) {
  EXPECT_EQ(error_for<Lifetime>({0, 0, 2}), AttrError::Malformed);
}

TEST(DataAttr, RoundTrip_AnyLengthIncludingZero) {
  const std::vector<uint8_t> payload = {1, 2, 3, 4, 5};
  auto r = round_trip(DataAttribute{payload});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::vector<uint8_t>(r->bytes.begin(), r->bytes.end()), payload);
  auto empty = round_trip(DataAttribute{});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->bytes.empty());
}

TEST(EvenPortAttr, Wire_RBitIsTheTopBit) {
  EXPECT_EQ(wire(EvenPort{true}), (std::vector<uint8_t>{0x00, 0x18, 0x00, 0x01, 0x80, 0, 0, 0}));
  EXPECT_EQ(wire(EvenPort{false}), (std::vector<uint8_t>{0x00, 0x18, 0x00, 0x01, 0x00, 0, 0, 0}));
}

TEST(EvenPortAttr, RoundTrip_AndRffuBitsIgnored) {
  EXPECT_TRUE(round_trip(EvenPort{true})->reserve_next);
  EXPECT_FALSE(round_trip(EvenPort{false})->reserve_next);
  EXPECT_FALSE(EvenPort::parse(std::vector<uint8_t>{0x7F})->reserve_next);
}

TEST(EvenPortAttr, WrongLength_IsMalformed) {
  EXPECT_EQ(error_for<EvenPort>({}), AttrError::Malformed);
  EXPECT_EQ(error_for<EvenPort>({0x80, 0, 0, 0}), AttrError::Malformed);
}

TEST(RequestedTransportAttr, Wire_ProtocolThenRffu) {
  EXPECT_EQ(wire(RequestedTransport{RequestedTransport::kUdp}),
            (std::vector<uint8_t>{0x00, 0x19, 0x00, 0x04, 17, 0, 0, 0}));
}

TEST(RequestedTransportAttr, RoundTrip_AnyProtocolNumber) {
  EXPECT_EQ(round_trip(RequestedTransport{RequestedTransport::kTcp})->protocol, 6);
  // An unsupported protocol parses; 442 is the handler's answer.
  EXPECT_EQ(RequestedTransport::parse(std::vector<uint8_t>{132, 1, 2, 3})->protocol, 132);
}

TEST(RequestedTransportAttr, WrongLength_IsMalformed) {
  EXPECT_EQ(error_for<RequestedTransport>({17}), AttrError::Malformed);
}

TEST(DontFragmentAttr, EmptyRoundTrips_ValueIsMalformed) {
  EXPECT_EQ(wire(DontFragment{}), (std::vector<uint8_t>{0x00, 0x1A, 0x00, 0x00}));
  EXPECT_TRUE(round_trip(DontFragment{}).ok());
  EXPECT_EQ(error_for<DontFragment>({0}), AttrError::Malformed);
}

TEST(ReservationTokenAttr, RoundTrip_EightBytes) {
  const ReservationToken t{{1, 2, 3, 4, 5, 6, 7, 8}};
  EXPECT_EQ(*round_trip(t), t);
  EXPECT_EQ(error_for<ReservationToken>({1, 2, 3, 4}), AttrError::Malformed);
  EXPECT_EQ(error_for<ReservationToken>(std::vector<uint8_t>(12, 0)), AttrError::Malformed);
}

TEST(IcmpAttr, Wire_ReservedTypeCodeData) {
  EXPECT_EQ(wire(Icmp{3, 4, 1400}),
            (std::vector<uint8_t>{0x80, 0x04, 0x00, 0x08, 0, 0, 3, 4, 0, 0, 0x05, 0x78}));
}

TEST(IcmpAttr, RoundTrip_AndReservedIgnored) {
  EXPECT_EQ(*round_trip(Icmp{2, 0, 1280}), (Icmp{2, 0, 1280}));
  auto r = Icmp::parse(std::vector<uint8_t>{0xFF, 0xFF, 1, 2, 0, 0, 0, 0});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Icmp{1, 2, 0}));
  EXPECT_EQ(error_for<Icmp>({0, 0, 3, 4}), AttrError::Malformed);
}

TEST(ConnectionIdAttr, RoundTrip) {
  EXPECT_EQ(round_trip(ConnectionId{0xDEADBEEF})->id, 0xDEADBEEFu);
  EXPECT_EQ(error_for<ConnectionId>({1, 2, 3, 4, 5, 6, 7, 8}), AttrError::Malformed);
}

TEST(TurnAttributes, Missing_IsMissing) {
  std::array<uint8_t, 32> buffer{};
  MessageBuilder b(buffer, Method::Allocate, Class::Request, kTxId);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(Lifetime::get_from(*m).error(), AttrError::Missing);
  EXPECT_EQ(RequestedTransport::get_from(*m).error(), AttrError::Missing);
  EXPECT_EQ(DontFragment::get_from(*m).error(), AttrError::Missing);
  EXPECT_EQ(ConnectionId::get_from(*m).error(), AttrError::Missing);
}

}  // namespace
}  // namespace tern::stun
