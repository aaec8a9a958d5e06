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

}  // namespace tern::auth
