#pragma once
// The UTF-8 text attributes: USERNAME, REALM, NONCE, SOFTWARE (RFC 8489 §14.3, §14.9,
// §14.10, §14.14) and ALTERNATE-DOMAIN (§14.16). A parsed value is a view into the
// message: valid as long as the message bytes are.

#include <cstddef>
#include <string_view>

#include "protocol/attr_error.h"
#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern::stun {

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);

template <uint16_t Type, size_t MaxBytes>
struct TextAttribute {
  static constexpr uint16_t kType = Type;
  static constexpr size_t kMaxBytes = MaxBytes;
  std::string_view value;

  // Malformed when longer than kMaxBytes or not UTF-8.
  static Result<TextAttribute, AttrError> parse(std::span<const uint8_t> v) {
    std::string_view s(reinterpret_cast<const char*>(v.data()), v.size());
    if (s.size() > MaxBytes || !is_valid_utf8(s)) return unexpected(AttrError::Malformed);
    return TextAttribute{s};
  }
  static Result<TextAttribute, AttrError> get_from(const MessageView& m) {
    return parse_first<TextAttribute>(m, Type, parse);
  }
  // Writes the value as given; keeping it within kMaxBytes is the caller's job (config
  // validation), since a builder cannot refuse one attribute.
  void add_to(MessageBuilder& b) const { b.add(Type, value); }

  friend bool operator==(const TextAttribute&, const TextAttribute&) = default;
};

// "A compliant implementation MUST be able to parse a UTF-8-encoded sequence of 763 or
// fewer octets" (RFC 8489 §14.3), although senders keep USERNAME under 509 bytes; REALM,
// NONCE and SOFTWARE are "fewer than 128 characters", up to 763 bytes when decoding.
using Username = TextAttribute<attr::Username, 763>;
using Realm = TextAttribute<attr::Realm, 763>;
using Nonce = TextAttribute<attr::Nonce, 763>;
using Software = TextAttribute<attr::Software, 763>;
// A DNS name: at most 255 bytes (RFC 1035 §2.3.4).
using AlternateDomain = TextAttribute<attr::AlternateDomain, 255>;

}  // namespace tern::stun
