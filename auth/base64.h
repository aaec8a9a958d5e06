#pragma once
// Base64 (RFC 4648, with padding) over OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::auth {

std::string base64_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace tern::auth
