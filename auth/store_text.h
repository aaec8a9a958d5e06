#pragma once
// Names and realms as text: the checks the stores (sqlite and Redis alike) make on them.
// Usernames come from clients and rows from hand-edited stores; base/json_writer.h's
// json_quote shows any bytes as valid JSON.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/utf8.h"

namespace tern::auth {

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

}  // namespace tern::auth
