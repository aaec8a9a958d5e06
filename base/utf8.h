#pragma once
// Well-formed UTF-8 (RFC 3629), for text that comes from clients and hand-edited stores.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tern {

// The length of the UTF-8 sequence starting at s[i] (i < s.size()), or 0 when it is not
// well-formed (overlong forms, surrogates and code points past U+10FFFF included).
inline size_t utf8_sequence(std::string_view s, size_t i) {
  const auto b = static_cast<uint8_t>(s[i]);
  const size_t n = b < 0x80           ? 1
                   : (b >> 5) == 0x6  ? 2
                   : (b >> 4) == 0xE  ? 3
                   : (b >> 3) == 0x1E ? 4
                                      : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t cp = n == 1 ? b : b & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<uint8_t>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Code points in `s`, or nullopt when it is not UTF-8.
inline std::optional<size_t> utf8_length(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    const size_t n = utf8_sequence(s, i);
    if (n == 0) return std::nullopt;
    i += n;
  }
  return count;
}

}  // namespace tern
