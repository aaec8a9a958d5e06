#pragma once
// An attribute as it goes on the wire, and one read back from a whole message, for the
// protocol's attribute tests.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "protocol/message.h"
#include "protocol/message_builder.h"
#include "protocol/result.h"

namespace tern::test {

// `attribute`'s header, value and padding, as add_to() writes them (in a Binding request
// with a zero transaction id).
std::vector<uint8_t> wire_of(const auto& attribute) {
  std::array<uint8_t, 256> buffer{};
  stun::MessageBuilder b(buffer, stun::Method::Binding, stun::Class::Request,
                         stun::TransactionId{});
  attribute.add_to(b);
  EXPECT_TRUE(b.ok());
  return {b.bytes().begin() + stun::kHeaderSize, b.bytes().end()};
}

// The attribute T of the message `bytes` (a test failure when they do not parse).
template <typename T>
Result<T, stun::AttrError> read_back(const std::vector<uint8_t>& bytes) {
  auto m = stun::MessageView::parse(bytes);
  EXPECT_TRUE(m.ok());
  return T::get_from(*m);
}

}  // namespace tern::test
