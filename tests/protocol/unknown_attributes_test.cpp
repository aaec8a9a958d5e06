#include "protocol/unknown_attributes.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {};

TEST(UnknownAttributesAttr, RoundTrip_OddCountIsPadded) {
  UnknownAttributes u;
  ASSERT_TRUE(u.add(0x7001));
  ASSERT_TRUE(u.add(0x0033));
  ASSERT_TRUE(u.add(0x0042));
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::ErrorResponse, kTxId);
  u.add_to(b);
  // Length 6, value padded to 8 with zeros (not RFC 3489's repeated last type).
  const uint8_t expected[] = {0x00, 0x0A, 0x00, 0x06, 0x70, 0x01, 0x00, 0x33, 0x00, 0x42, 0, 0};
  EXPECT_EQ(std::vector<uint8_t>(b.bytes().begin() + 20, b.bytes().end()),
            std::vector<uint8_t>(std::begin(expected), std::end(expected)));
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  auto back = UnknownAttributes::get_from(*m);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, u);
}

TEST(UnknownAttributesAttr, Add_StopsAtMax) {
  UnknownAttributes u;
  for (size_t i = 0; i < UnknownAttributes::kMax; ++i) EXPECT_TRUE(u.add(static_cast<uint16_t>(i)));
  EXPECT_FALSE(u.add(0x1234));
  EXPECT_EQ(u.list().size(), UnknownAttributes::kMax);
}

TEST(UnknownAttributesAttr, OddValueLength_IsMalformed) {
  const uint8_t v[] = {0x70, 0x01, 0x00};
  auto r = UnknownAttributes::parse(v);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AttrError::Malformed);
}

TEST(UnknownAttributesAttr, MoreThanMax_KeepsTheFirst) {
  std::vector<uint8_t> v;
  for (uint16_t i = 0; i < 20; ++i) v.insert(v.end(), {0x00, static_cast<uint8_t>(i)});
  auto r = UnknownAttributes::parse(v);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->count, UnknownAttributes::kMax);
  EXPECT_EQ(r->list().back(), UnknownAttributes::kMax - 1);
}

TEST(UnknownAttributesAttr, Empty_ParsesAsEmptyList) {
  auto r = UnknownAttributes::parse({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->count, 0u);
}

}  // namespace
}  // namespace tern::stun
