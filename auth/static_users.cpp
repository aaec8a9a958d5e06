#include "auth/static_users.h"

#include <array>

namespace tern::auth {
namespace {

std::optional<uint8_t> hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

std::optional<std::array<uint8_t, 16>> parse_md5_key(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  std::array<uint8_t, 16> key{};
  for (size_t i = 0; i < key.size(); ++i) {
    const auto hi = hex_digit(hex[2 * i]);
    const auto lo = hex_digit(hex[2 * i + 1]);
    if (!hi || !lo) return std::nullopt;
    key[i] = static_cast<uint8_t>((*hi << 4) | *lo);
  }
  return key;
}

}  // namespace

const char* to_string(UserSpecError e) {
  switch (e) {
    case UserSpecError::MissingColon:
      return "expected name:password or name:0x<md5 key>";
    case UserSpecError::EmptyName:
      return "empty user name";
    case UserSpecError::BadHexKey:
      return "a 0x key must be 32 hex digits (the MD5 of name:realm:password)";
    case UserSpecError::PasswordRejected:
      return "password is not a valid SASLprep string (control or unassigned characters)";
  }
  return "invalid user";
}

StaticUsers::StaticUsers(std::string realm) : realm_(std::move(realm)) {}

Result<std::string, UserSpecError> StaticUsers::add(std::string_view spec) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos) return unexpected(UserSpecError::MissingColon);
  const std::string_view name = spec.substr(0, colon);
  const std::string_view secret = spec.substr(colon + 1);
  if (name.empty()) return unexpected(UserSpecError::EmptyName);

  Keys keys;
  if (secret.starts_with("0x")) {
    const auto md5 = parse_md5_key(secret.substr(2));
    if (!md5) return unexpected(UserSpecError::BadHexKey);
    keys.md5 = Key(PasswordAlgorithm::Md5, *md5);
  } else {
    auto md5 = derive_key(PasswordAlgorithm::Md5, name, realm_, secret);
    auto sha = derive_key(PasswordAlgorithm::Sha256, name, realm_, secret);
    if (!md5 || !sha) return unexpected(UserSpecError::PasswordRejected);
    keys.md5 = *md5;
    keys.sha256 = *sha;
  }
  std::string owned(name);
  users_.insert_or_assign(owned, keys);
  by_userhash_.insert_or_assign(userhash(name, realm_), owned);
  return owned;
}

bool StaticUsers::lookup(std::string_view username, std::string_view realm,
                         PasswordAlgorithm algorithm, int64_t /*now*/, CandidateKeys& out) const {
  if (realm != realm_) return false;
  const auto it = users_.find(username);
  if (it == users_.end()) return false;
  const Key& key = algorithm == PasswordAlgorithm::Sha256 ? it->second.sha256 : it->second.md5;
  return !key.empty() && out.add(key);
}

std::optional<std::string> StaticUsers::username_for_userhash(std::span<const uint8_t, 32> hash,
                                                              std::string_view realm) const {
  if (realm != realm_) return std::nullopt;
  std::array<uint8_t, 32> h{};
  std::copy(hash.begin(), hash.end(), h.begin());
  const auto it = by_userhash_.find(h);
  if (it == by_userhash_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tern::auth
