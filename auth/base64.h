#pragma once
// Base64 (RFC 4648 §4, padded) and base64url (§5, unpadded). Decoding is strict: a byte
// outside the alphabet, misplaced padding or whitespace makes the whole input invalid, so
// attacker-supplied text (nonces, keys in config) has exactly one accepted spelling per
// alphabet apart from the unused low bits of the last character.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::auth {

std::string base64_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

// The URL- and filename-safe alphabet ('-' and '_' for '+' and '/'), without '=' padding:
// what NONCE values use, since they must never contain '"' or '\\'.
std::string base64url_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> base64url_decode(std::string_view text);

}  // namespace tern::auth
