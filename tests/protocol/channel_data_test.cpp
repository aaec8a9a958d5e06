#include "protocol/channel_data.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace tern::stun {
namespace {

std::vector<uint8_t> bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int b : v) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST(ChannelNumber, BoundsAre4000To4FFF) {
  EXPECT_FALSE(is_valid_channel(0x3FFF));
  EXPECT_TRUE(is_valid_channel(0x4000));
  EXPECT_TRUE(is_valid_channel(0x4FFF));
  EXPECT_FALSE(is_valid_channel(0x5000));
  EXPECT_FALSE(is_valid_channel(0x7FFF));
  EXPECT_FALSE(is_valid_channel(0xFFFF));
  EXPECT_FALSE(is_valid_channel(0x0000));
}

TEST(ChannelData, Parse_HeaderAndData) {
  const auto msg = bytes({0x40, 0x01, 0x00, 0x03, 'a', 'b', 'c', 0x00});
  const auto r = parse_channel_data(msg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->channel, 0x4001);
  ASSERT_EQ(r->data.size(), 3u);
  EXPECT_EQ(r->data.data(), msg.data() + 4);  // a view, not a copy
  EXPECT_EQ(r->data[2], 'c');
}

TEST(ChannelData, Parse_EmptyData_IsAccepted) {
  const auto msg = bytes({0x4F, 0xFF, 0x00, 0x00});
  const auto r = parse_channel_data(msg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->channel, 0x4FFF);
  EXPECT_TRUE(r->data.empty());
}

TEST(ChannelData, Parse_UdpWithoutPadding_IsAccepted) {
  const auto msg = bytes({0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5});
  const auto r = parse_channel_data(msg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), 5u);
}

TEST(ChannelData, Parse_DatagramLongerThanLength_IgnoresTheRest) {
  const auto msg = bytes({0x40, 0x00, 0x00, 0x02, 1, 2, 9, 9, 9, 9, 9, 9});
  const auto r = parse_channel_data(msg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), 2u);
}

TEST(ChannelData, Parse_FewerThanFourBytes_IsTooShort) {
  for (size_t n = 0; n < 4; ++n) {
    const auto msg = bytes({0x40, 0x00, 0x00});
    const auto r = parse_channel_data(std::span(msg).first(std::min<size_t>(n, msg.size())));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error(), ChannelDataError::TooShort) << n;
  }
}

TEST(ChannelData, Parse_NumberAbove4FFF_IsRejected) {
  for (uint16_t channel : {0x5000, 0x5FFF, 0x7FFF}) {
    const auto msg = bytes({channel >> 8, channel & 0xFF, 0x00, 0x00});
    const auto r = parse_channel_data(msg);
    ASSERT_FALSE(r.ok()) << channel;
    EXPECT_EQ(r.error(), ChannelDataError::BadChannel) << channel;
  }
}

TEST(ChannelData, Parse_FirstBitsNot01_IsRejected) {
  for (int first : {0x00, 0x3F, 0x80, 0xC0, 0xFF}) {
    const auto msg = bytes({first, 0x00, 0x00, 0x00});
    const auto r = parse_channel_data(msg);
    ASSERT_FALSE(r.ok()) << first;
    EXPECT_EQ(r.error(), ChannelDataError::BadChannel) << first;
  }
}

TEST(ChannelData, Parse_LengthPastTheEnd_IsTruncated) {
  const auto msg = bytes({0x40, 0x00, 0x00, 0x05, 1, 2, 3, 4});
  const auto r = parse_channel_data(msg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), ChannelDataError::Truncated);
}

TEST(ChannelData, Parse_MaximumLength_IsAccepted) {
  std::vector<uint8_t> msg(4 + 0xFFFF, 0xAB);
  msg[0] = 0x40;
  msg[1] = 0x00;
  msg[2] = 0xFF;
  msg[3] = 0xFF;
  const auto r = parse_channel_data(msg);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), 0xFFFFu);
}

TEST(ChannelData, Write_Padded_ZeroesPadding) {
  std::array<uint8_t, 16> out;
  out.fill(0xEE);  // stale bytes must not leak into the padding
  const auto data = bytes({1, 2, 3, 4, 5});
  const size_t n = write_channel_data(out, 0x4ABC, data, /*pad=*/true);
  EXPECT_EQ(n, 12u);
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + 12),
            bytes({0x4A, 0xBC, 0x00, 0x05, 1, 2, 3, 4, 5, 0, 0, 0}));
  EXPECT_EQ(out[12], 0xEE);  // nothing past the frame is touched
}

TEST(ChannelData, Write_Unpadded_StopsAfterData) {
  std::array<uint8_t, 16> out;
  out.fill(0xEE);
  const auto data = bytes({1, 2, 3, 4, 5});
  const size_t n = write_channel_data(out, 0x4000, data, /*pad=*/false);
  EXPECT_EQ(n, 9u);
  EXPECT_EQ(out[8], 5);
  EXPECT_EQ(out[9], 0xEE);
}

TEST(ChannelData, Write_MultipleOfFour_HasNoPadding) {
  std::array<uint8_t, 8> out{};
  const auto data = bytes({1, 2, 3, 4});
  EXPECT_EQ(write_channel_data(out, 0x4000, data, /*pad=*/true), 8u);
}

TEST(ChannelData, Write_BufferTooSmall_ReturnsZero) {
  std::array<uint8_t, 11> out{};
  const auto data = bytes({1, 2, 3, 4, 5});
  EXPECT_EQ(write_channel_data(out, 0x4000, data, /*pad=*/true), 0u);
  EXPECT_EQ(write_channel_data(std::span(out).first(8), 0x4000, data, /*pad=*/false), 0u);
  EXPECT_EQ(write_channel_data(std::span(out).first(9), 0x4000, data, /*pad=*/false), 9u);
}

TEST(ChannelData, Write_InvalidChannel_ReturnsZero) {
  std::array<uint8_t, 16> out{};
  const auto data = bytes({1});
  EXPECT_EQ(write_channel_data(out, 0x5000, data, true), 0u);
  EXPECT_EQ(write_channel_data(out, 0x3FFF, data, true), 0u);
}

TEST(ChannelData, Write_DataOver65535_ReturnsZero) {
  std::vector<uint8_t> out(70000);
  std::vector<uint8_t> data(65536);
  EXPECT_EQ(write_channel_data(out, 0x4000, data, true), 0u);
}

TEST(ChannelData, Write_ThenParse_RoundTrips) {
  std::array<uint8_t, 32> out{};
  const auto data = bytes({9, 8, 7});
  const size_t n = write_channel_data(out, 0x4123, data, true);
  const auto r = parse_channel_data(std::span(out).first(n));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->channel, 0x4123);
  EXPECT_EQ(std::vector<uint8_t>(r->data.begin(), r->data.end()), data);
}

TEST(ChannelData, WriteHeader_InFrontOfDataInPlace) {
  std::array<uint8_t, 8> buf{0, 0, 0, 0, 'h', 'i', '!', 0};
  EXPECT_EQ(write_channel_data_header(std::span(buf).first<4>(), 0x4002, 3), 4u);
  EXPECT_EQ(buf, (std::array<uint8_t, 8>{0x40, 0x02, 0x00, 0x03, 'h', 'i', '!', 0}));
  const auto r = parse_channel_data(buf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), 3u);
}

TEST(ChannelData, Size_PadsOnlyWhenAsked) {
  EXPECT_EQ(channel_data_size(0, true), 4u);
  EXPECT_EQ(channel_data_size(1, true), 8u);
  EXPECT_EQ(channel_data_size(1, false), 5u);
  EXPECT_EQ(channel_data_size(65535, true), 65540u);
}

}  // namespace
}  // namespace tern::stun

namespace tern::stun {
namespace {

TEST(ChannelData, Rfc5766Range_AcceptsUpTo7FFF_OnlyWhenAsked) {
  const std::array<uint8_t, 8> frame{0x7C, 0x0D, 0x00, 0x04, 1, 2, 3, 4};
  EXPECT_FALSE(parse_channel_data(frame).ok());
  auto wide = parse_channel_data(frame, ChannelRange::Rfc5766);
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->channel, 0x7C0D);
  const std::array<uint8_t, 4> past{0x80, 0x00, 0x00, 0x00};
  EXPECT_FALSE(parse_channel_data(past, ChannelRange::Rfc5766).ok());
}

}  // namespace
}  // namespace tern::stun
