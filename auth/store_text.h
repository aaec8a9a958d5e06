#pragma once
// Names and realms as text: the checks the stores (sqlite and Redis alike) make on them,
// and the JSON form in which ternctl and the admin API show them. Usernames come from
// clients and rows from hand-edited stores, so any bytes must come out as valid JSON.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::auth {

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

// Control characters would let a name forge extra lines in ternctl's listings and logs.
inline bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<uint8_t>(c);
    return b < 0x20 || b == 0x7F;
  });
}

// RFC 8489 §14.3: USERNAME is fewer than 509 bytes. §14.9: REALM is fewer than 128
// characters. A longer one could never be sent, so it is a typo, not a user.
inline constexpr size_t kMaxUsernameBytes = 508;
inline constexpr size_t kMaxRealmCharacters = 127;

// Why a store cannot keep `realm` (empty, not printable UTF-8, too long), one line for the
// operator; nullopt when it can.
std::optional<std::string> realm_problem(std::string_view realm);
// The same for a user name.
std::optional<std::string> user_name_problem(std::string_view name);

// `s` as a quoted JSON string. Quotes, backslashes and control characters are escaped;
// each byte that is not part of well-formed UTF-8 becomes U+FFFD, since JSON text must
// be UTF-8 (so a hostile name never breaks a reply or forges a field).
std::string json_quote(std::string_view s);

}  // namespace tern::auth
