// FINGERPRINT (RFC 8489 §14.7) beyond the RFC samples.

#include "protocol/fingerprint.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/text_attributes.h"

namespace tern::stun {
namespace {

constexpr std::array<uint8_t, kTransactionIdSize> kTxId = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};

std::vector<uint8_t> with_fingerprint() {
  std::array<uint8_t, 128> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::Request, kTxId);
  Software{"tern"}.add_to(b);
  add_fingerprint(b);
  EXPECT_TRUE(b.ok());
  return {b.bytes().begin(), b.bytes().end()};
}

TEST(Fingerprint, Added_IsCrc32OfPrefixXor5354554e) {
  const auto bytes = with_fingerprint();
  const size_t offset = bytes.size() - 8;
  const uint32_t crc = static_cast<uint32_t>(crc32(0L, bytes.data(), static_cast<uInt>(offset)));
  EXPECT_EQ(load_u16(bytes.data() + offset), attr::Fingerprint);
  EXPECT_EQ(load_u32(bytes.data() + offset + 4), crc ^ 0x5354554eu);
  // The length field counted FINGERPRINT before the CRC was taken.
  EXPECT_EQ(load_u16(bytes.data() + 2), bytes.size() - kHeaderSize);
}

TEST(Fingerprint, Added_Verifies) {
  const auto bytes = with_fingerprint();
  auto m = MessageView::parse(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(has_fingerprint(*m));
  EXPECT_TRUE(verify_fingerprint(*m));
}

TEST(Fingerprint, Absent_DoesNotVerify) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::Request, kTxId);
  Software{"tern"}.add_to(b);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(has_fingerprint(*m));
  EXPECT_FALSE(verify_fingerprint(*m));
}

TEST(Fingerprint, AnyFlippedBit_DoesNotVerify) {
  const auto original = with_fingerprint();
  for (size_t i = 0; i < original.size(); ++i) {
    if (i == 2 || i == 3) continue;  // the length: the parser refuses those first
    auto bytes = original;
    bytes[i] ^= 0x10;
    auto m = MessageView::parse(bytes);
    if (!m.ok()) continue;  // e.g. the first two bits
    EXPECT_FALSE(verify_fingerprint(*m)) << "byte " << i;
  }
}

TEST(Fingerprint, NotLastAttribute_DoesNotVerify) {
  // "MUST be the last attribute": something after it (ignored by the parser) makes the
  // message's length disagree with what the CRC covered.
  std::array<uint8_t, 128> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::Request, kTxId);
  add_fingerprint(b);
  Software{"late"}.add_to(b);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(has_fingerprint(*m));
  EXPECT_FALSE(verify_fingerprint(*m));
}

TEST(Fingerprint, WrongValueLength_DoesNotVerify) {
  std::array<uint8_t, 64> buffer{};
  MessageBuilder b(buffer, Method::Binding, Class::Request, kTxId);
  auto value = b.append(attr::Fingerprint, 8);
  const uint32_t crc = static_cast<uint32_t>(crc32(0L, b.bytes().data(), kHeaderSize));
  store_u32(value.data(), crc ^ kFingerprintXor);
  auto m = MessageView::parse(b.bytes());
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(verify_fingerprint(*m));
}

TEST(Fingerprint, FullBuilder_AddsNothing) {
  std::array<uint8_t, 24> small{};
  MessageBuilder b(small, Method::Binding, Class::Request, kTxId);
  add_fingerprint(b);
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.size(), kHeaderSize);
}

}  // namespace
}  // namespace tern::stun
