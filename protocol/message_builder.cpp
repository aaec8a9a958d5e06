#include "protocol/message_builder.h"

#include <algorithm>
#include <cstring>

#include "protocol/byte_order.h"

namespace tern::stun {

MessageBuilder::MessageBuilder(std::span<uint8_t> buffer, uint16_t type,
                               std::span<const uint8_t, kTransactionIdSize> transaction_id)
    : buffer_(buffer) {
  if (buffer.size() < kHeaderSize) {
    ok_ = false;
    return;
  }
  store_u16(buffer_.data(), type);
  store_u16(buffer_.data() + 2, 0);
  store_u32(buffer_.data() + 4, kMagicCookie);
  std::ranges::copy(transaction_id, buffer_.begin() + 8);
  size_ = kHeaderSize;
}

std::span<uint8_t> MessageBuilder::append(uint16_t type, size_t length) {
  const size_t total = kAttributeHeaderSize + padded4(length);
  if (!ok_ || length > 0xFFFF || buffer_.size() - size_ < total ||
      size_ + total - kHeaderSize > 0xFFFF) {
    ok_ = false;
    return {};
  }
  uint8_t* p = buffer_.data() + size_;
  store_u16(p, type);
  store_u16(p + 2, static_cast<uint16_t>(length));
  // Padding is always zeroed: never send a client bytes of an earlier message.
  std::memset(p + kAttributeHeaderSize + length, 0, padded4(length) - length);
  size_ += total;
  set_length();
  return {p + kAttributeHeaderSize, length};
}

void MessageBuilder::add(uint16_t type, std::span<const uint8_t> value) {
  auto out = append(type, value.size());
  if (ok_) std::ranges::copy(value, out.begin());
}

void MessageBuilder::add(uint16_t type, std::string_view value) {
  add(type, std::span(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
}

void MessageBuilder::add_u32(uint16_t type, uint32_t value) {
  auto out = append(type, 4);
  if (ok_) store_u32(out.data(), value);
}

void MessageBuilder::set_length() {
  store_u16(buffer_.data() + 2, static_cast<uint16_t>(size_ - kHeaderSize));
}

}  // namespace tern::stun
