#pragma once
// FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message up to the attribute, XOR
// 0x5354554e, so STUN can be told apart from other protocols on the same port.

#include <cstdint>
#include <span>

#include "protocol/message.h"
#include "protocol/message_builder.h"

namespace tern::stun {

inline constexpr uint32_t kFingerprintXor = 0x5354554e;

// Append FINGERPRINT; it must be the last attribute added.
void add_fingerprint(MessageBuilder& b);
// True when FINGERPRINT is present, is the last attribute in the message ("MUST be the
// last attribute"), is 4 bytes long and matches.
bool verify_fingerprint(const MessageView& m);
bool has_fingerprint(const MessageView& m);

}  // namespace tern::stun
