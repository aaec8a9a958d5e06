#include "auth/store_error.h"

#include <fmt/format.h>

#include "auth/store_text.h"

namespace tern::auth {

using Kind = StoreError::Kind;

std::optional<StoreError> check_realm(std::string_view realm) {
  if (auto problem = realm_problem(realm)) return StoreError{Kind::InvalidInput, *problem};
  return std::nullopt;
}

std::optional<StoreError> check_user(std::string_view realm, std::string_view name) {
  if (auto bad = check_realm(realm)) return bad;
  if (auto problem = user_name_problem(name)) return StoreError{Kind::InvalidInput, *problem};
  return std::nullopt;
}

Result<UserKeys, StoreError> user_keys(std::string_view realm, std::string_view name,
                                       std::string_view password) {
  if (password.empty()) return store_failure(Kind::InvalidInput, "the password is empty");
  const auto md5 = derive_key(PasswordAlgorithm::Md5, name, realm, password);
  const auto sha256 = derive_key(PasswordAlgorithm::Sha256, name, realm, password);
  if (!md5 || !sha256) {
    return store_failure(Kind::InvalidInput,
                         "the password is not a valid SASLprep string (control, unassigned or "
                         "prohibited characters)");
  }
  return UserKeys{*md5, *sha256};
}

Unexpected<StoreError> user_exists(std::string_view realm, std::string_view name) {
  return store_failure(Kind::Exists,
                       fmt::format("user {} already exists in realm {}", name, realm));
}

}  // namespace tern::auth
