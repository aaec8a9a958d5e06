#pragma once
// MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) and MESSAGE-INTEGRITY-SHA256 (§14.6).
// The HMAC covers the message up to the integrity attribute, with the header's length
// field set as if the message ended right after that attribute.

#include <cstdint>
#include <span>

#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern::stun {

inline constexpr size_t kMessageIntegritySize = 20;
inline constexpr size_t kMessageIntegritySha256Size = 32;

// Append the attribute, HMAC keyed with `key` (the short-term password, or the long-term
// key of RFC 8489 §9.2.2). Add it after every attribute it protects and before
// FINGERPRINT. Does nothing once the builder has overflowed.
void add_message_integrity(MessageBuilder& b, std::span<const uint8_t> key);
void add_message_integrity_sha256(MessageBuilder& b, std::span<const uint8_t> key);

// False when the attribute is absent, has the wrong length, or does not match. The
// SHA-256 variant accepts a value truncated to 16..32 bytes in steps of 4 (§14.6).
// Comparison is constant-time.
bool verify_message_integrity(const MessageView& m, std::span<const uint8_t> key);
bool verify_message_integrity_sha256(const MessageView& m, std::span<const uint8_t> key);

}  // namespace tern::stun
