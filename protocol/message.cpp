#include "protocol/message.h"

#include <algorithm>

#include "protocol/byte_order.h"

namespace tern::stun {

const char* to_string(ParseError e) {
  switch (e) {
    case ParseError::TooShort:
      return "shorter than a STUN header";
    case ParseError::NotStun:
      return "first two bits not zero";
    case ParseError::BadMagicCookie:
      return "bad magic cookie";
    case ParseError::BadLength:
      return "bad message length";
    case ParseError::TruncatedAttribute:
      return "truncated attribute";
    case ParseError::TooManyAttributes:
      return "too many attributes";
  }
  return "unknown parse error";
}

std::optional<HeaderInfo> peek_header(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) return std::nullopt;
  if ((bytes[0] & 0xC0) != 0) return std::nullopt;
  return HeaderInfo{load_u16(bytes.data()), load_u16(bytes.data() + 2),
                    load_u32(bytes.data() + 4) == kMagicCookie};
}

Result<MessageView, ParseError> MessageView::parse(std::span<const uint8_t> bytes,
                                                   ParseOptions options) {
  if (bytes.size() < kHeaderSize) return unexpected(ParseError::TooShort);
  if ((bytes[0] & 0xC0) != 0) return unexpected(ParseError::NotStun);
  const uint16_t length = load_u16(bytes.data() + 2);
  const bool cookie = load_u32(bytes.data() + 4) == kMagicCookie;
  if (!cookie && !options.allow_rfc3489) return unexpected(ParseError::BadMagicCookie);
  if (length % 4 != 0 || bytes.size() != kHeaderSize + length) {
    return unexpected(ParseError::BadLength);
  }

  MessageView view;
  view.bytes_ = bytes;
  view.has_cookie_ = cookie;
  // After MESSAGE-INTEGRITY only these two still count (RFC 8489 §14.5, §14.6, §14.7).
  enum class Stage { Open, AfterIntegrity, AfterIntegritySha256, AfterFingerprint };
  Stage stage = Stage::Open;
  size_t pos = kHeaderSize;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < kAttributeHeaderSize)
      return unexpected(ParseError::TruncatedAttribute);
    const uint16_t type = load_u16(bytes.data() + pos);
    const uint16_t len = load_u16(bytes.data() + pos + 2);
    if (padded4(len) > bytes.size() - pos - kAttributeHeaderSize) {
      return unexpected(ParseError::TruncatedAttribute);
    }
    bool counts = false;
    switch (stage) {
      case Stage::Open:
        counts = true;
        break;
      case Stage::AfterIntegrity:
        counts = type == attr::MessageIntegritySha256 || type == attr::Fingerprint;
        break;
      case Stage::AfterIntegritySha256:
        counts = type == attr::Fingerprint;
        break;
      case Stage::AfterFingerprint:
        counts = false;
        break;
    }
    if (counts) {
      if (view.count_ == kMaxAttributes) return unexpected(ParseError::TooManyAttributes);
      view.entries_[view.count_++] = Entry{type, len, static_cast<uint32_t>(pos)};
      if (type == attr::MessageIntegrity) stage = Stage::AfterIntegrity;
      if (type == attr::MessageIntegritySha256) stage = Stage::AfterIntegritySha256;
      if (type == attr::Fingerprint) stage = Stage::AfterFingerprint;
    }
    pos += kAttributeHeaderSize + padded4(len);
  }
  return view;
}

uint16_t MessageView::type() const {
  return load_u16(bytes_.data());
}

TransactionId MessageView::transaction_id_copy() const {
  TransactionId id;
  std::ranges::copy(transaction_id(), id.begin());
  return id;
}

Attribute MessageView::attribute(size_t i) const {
  const Entry& e = entries_[i];
  return Attribute{e.type, e.offset, bytes_.subspan(e.offset + kAttributeHeaderSize, e.length)};
}

std::optional<Attribute> MessageView::find(uint16_t type) const {
  for (size_t i = 0; i < count_; ++i) {
    if (entries_[i].type == type) return attribute(i);
  }
  return std::nullopt;
}

}  // namespace tern::stun
