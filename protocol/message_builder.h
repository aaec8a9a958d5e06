#pragma once
// Builds a STUN message into a caller's buffer; no allocation. The header's length field
// is kept current after every attribute, so bytes() is always a whole message (which is
// what MESSAGE-INTEGRITY and FINGERPRINT are computed over).

#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/stun_constants.h"

namespace tern::stun {

class MessageBuilder {
 public:
  // Writes the 20-byte header. A buffer too small leaves ok() false.
  MessageBuilder(std::span<uint8_t> buffer, uint16_t type,
                 std::span<const uint8_t, kTransactionIdSize> transaction_id);
  MessageBuilder(std::span<uint8_t> buffer, Method method, Class cls,
                 std::span<const uint8_t, kTransactionIdSize> transaction_id)
      : MessageBuilder(buffer, message_type(method, cls), transaction_id) {}

  // Reserves an attribute of `length` value bytes, zero padding included, and returns
  // the value to fill in place. On overflow returns an empty span and ok() turns false
  // for good (so a chain of adds needs one check at the end).
  std::span<uint8_t> append(uint16_t type, size_t length);
  void add(uint16_t type, std::span<const uint8_t> value);
  void add(uint16_t type, std::string_view value);
  void add_u32(uint16_t type, uint32_t value);
  void add_empty(uint16_t type) { append(type, 0); }

  bool ok() const { return ok_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return buffer_.first(size_); }
  std::span<uint8_t> mutable_bytes() { return buffer_.first(size_); }
  std::span<const uint8_t, kTransactionIdSize> transaction_id() const {
    return std::span<const uint8_t>(buffer_).subspan<8, kTransactionIdSize>();
  }

 private:
  void set_length();
  std::span<uint8_t> buffer_;
  size_t size_ = 0;
  bool ok_ = true;
};

}  // namespace tern::stun
