#include "auth/store_text.h"

#include <fmt/format.h>

namespace tern::auth {

std::optional<std::string> realm_problem(std::string_view realm) {
  if (realm.empty()) return "the realm is empty";
  const auto length = utf8_length(realm);
  if (!length || has_control(realm)) return "the realm is not printable UTF-8";
  if (*length > kMaxRealmCharacters) {
    return fmt::format("the realm is longer than {} characters", kMaxRealmCharacters);
  }
  return std::nullopt;
}

std::optional<std::string> user_name_problem(std::string_view name) {
  if (name.empty()) return "the user name is empty";
  if (!utf8_length(name) || has_control(name)) return "the user name is not printable UTF-8";
  if (name.size() > kMaxUsernameBytes) {
    return fmt::format("the user name is longer than {} bytes", kMaxUsernameBytes);
  }
  return std::nullopt;
}

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\u{:04x}", c);
    } else if (c >= 0x80) {
      const size_t n = utf8_sequence(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
  return out;
}

}  // namespace tern::auth
