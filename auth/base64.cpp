#include "auth/base64.h"

#include <array>

namespace tern::auth {
namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr uint8_t kInvalid = 0xFF;

constexpr std::array<uint8_t, 256> reverse(std::string_view alphabet) {
  std::array<uint8_t, 256> table{};
  table.fill(kInvalid);
  for (size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<uint8_t>(alphabet[i])] = static_cast<uint8_t>(i);
  }
  return table;
}
constexpr auto kStandardReverse = reverse(kStandard);
constexpr auto kUrlReverse = reverse(kUrl);

std::string encode(std::span<const uint8_t> in, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve(4 * ((in.size() + 2) / 3));
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const size_t rest = in.size() - i;
  if (rest == 0) return out;
  uint32_t v = uint32_t{in[i]} << 16;
  if (rest == 2) v |= uint32_t{in[i + 1]} << 8;
  out += alphabet[(v >> 18) & 63];
  out += alphabet[(v >> 12) & 63];
  if (rest == 2) out += alphabet[(v >> 6) & 63];
  if (pad) out.append(3 - rest, '=');
  return out;
}

// `text` holds no padding here; a length of 1 mod 4 cannot come from any byte string.
std::optional<std::vector<uint8_t>> decode(std::string_view text,
                                           const std::array<uint8_t, 256>& table) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const uint8_t v = table[static_cast<uint8_t>(c)];
    if (v == kInvalid) return std::nullopt;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  return out;
}

}  // namespace

std::string base64_encode(std::span<const uint8_t> bytes) {
  return encode(bytes, kStandard, true);
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  return decode(text.substr(0, text.size() - padding), kStandardReverse);
}

std::string base64url_encode(std::span<const uint8_t> bytes) {
  return encode(bytes, kUrl, false);
}

std::optional<std::vector<uint8_t>> base64url_decode(std::string_view text) {
  return decode(text, kUrlReverse);
}

}  // namespace tern::auth
