#pragma once
// MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) and MESSAGE-INTEGRITY-SHA256 (§14.6).
// The HMAC covers the message up to the integrity attribute, with the header's length
// field set as if the message ended right after that attribute.

#include <cstdint>
#include <span>

#include "protocol/hmac.h"
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

// Which attribute: MESSAGE-INTEGRITY (HMAC-SHA1) or MESSAGE-INTEGRITY-SHA256.
enum class IntegrityKind : uint8_t { Sha1, Sha256 };

// A key made ready for one integrity attribute. A server verifies a request and signs
// its response with the same key (RFC 8489 §9.2.4); through one IntegrityKey the pair
// pays for the key schedule once instead of twice, and the answers are the functions'
// above, byte for byte. Keep one per worker and set() it per request (making one
// allocates). Not thread-safe, like Hmac.
class IntegrityKey {
 public:
  // False when OpenSSL fails; until a set() succeeds nothing verifies and nothing is added.
  bool set(IntegrityKind kind, std::span<const uint8_t> key);
  bool has_key() const { return hmac_.has_key(); }
  IntegrityKind kind() const {
    return hmac_.digest() == HmacDigest::Sha1 ? IntegrityKind::Sha1 : IntegrityKind::Sha256;
  }

  // verify_message_integrity or verify_message_integrity_sha256, as kind() says.
  bool verify(const MessageView& m);
  // add_message_integrity or add_message_integrity_sha256, as kind() says.
  void add_to(MessageBuilder& b);

 private:
  Hmac hmac_;
};

}  // namespace tern::stun
