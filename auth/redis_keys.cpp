#include "auth/redis_keys.h"
#include "auth/store_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace tern::auth::redis_keys {
namespace {

using Kind = StoreError::Kind;

constexpr size_t kMaxPeerRangeBytes = 100;

constexpr std::string_view kUserInfix = "/user/";

std::string_view field_name(UserField field) {
  switch (field) {
    case UserField::Md5Key:
      return "key";
    case UserField::Sha256Key:
      return "sha256-key";
    case UserField::Password:
      return "password";
  }
  return "key";
}

}  // namespace

std::string user_field(std::string_view realm, std::string_view name, UserField field) {
  return fmt::format("{}{}{}{}/{}", kPrefix, realm, kUserInfix, name, field_name(field));
}

std::string secrets(std::string_view realm) {
  return fmt::format("{}{}/secret", kPrefix, realm);
}

std::string secret_created(std::string_view realm) {
  return fmt::format("{}{}/secret-created", kPrefix, realm);
}

std::string_view option_name(RealmOption option) {
  switch (option) {
    case RealmOption::UserQuota:
      return "user-quota";
    case RealmOption::TotalQuota:
      return "total-quota";
    case RealmOption::MaxBps:
      return "max-bps";
  }
  return "user-quota";
}

std::string_view peer_list_name(PeerList list) {
  return list == PeerList::Allowed ? "allowed-peer-ip" : "denied-peer-ip";
}

std::string realm_option(std::string_view realm, RealmOption option) {
  return fmt::format("{}{}/{}", kPrefix, realm, option_name(option));
}

std::string peer_list(std::string_view realm, PeerList list) {
  return fmt::format("{}{}/{}", kPrefix, realm, peer_list_name(list));
}

std::string revoked(std::string_view realm) {
  return fmt::format("{}{}/revoked", kPrefix, realm);
}

std::string glob_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
  }
  return escaped;
}

std::string users_pattern(std::string_view realm) {
  return fmt::format("{}{}{}*", kPrefix, glob_escape(realm), kUserInfix);
}

std::string realm_keys_pattern(std::string_view realm) {
  return fmt::format("{}{}/*", kPrefix, glob_escape(realm));
}

std::optional<UserKey> parse_user_key(std::string_view key, std::string_view realm) {
  if (!key.starts_with(kPrefix)) return std::nullopt;
  key.remove_prefix(kPrefix.size());
  if (!key.starts_with(realm)) return std::nullopt;
  key.remove_prefix(realm.size());
  if (!key.starts_with(kUserInfix)) return std::nullopt;
  key.remove_prefix(kUserInfix.size());
  const size_t slash = key.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  const std::string_view field = key.substr(slash + 1);
  for (auto f : {UserField::Md5Key, UserField::Sha256Key, UserField::Password}) {
    if (field == field_name(f)) return UserKey{std::string(key.substr(0, slash)), f};
  }
  return std::nullopt;
}

std::optional<std::string_view> realm_of(std::string_view key) {
  if (!key.starts_with(kPrefix)) return std::nullopt;
  key.remove_prefix(kPrefix.size());
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  return key.substr(0, slash);
}

std::string sha256_value(const Key& sha256, const Key& md5) {
  return fmt::format("{}:{}", to_hex(sha256.bytes()), to_hex(md5.bytes()));
}

std::optional<Sha256Value> parse_sha256_value(std::string_view value) {
  const size_t colon = value.find(':');
  const auto sha256 = key_from_hex(PasswordAlgorithm::Sha256, value.substr(0, colon));
  if (!sha256) return std::nullopt;
  if (colon == std::string_view::npos) return Sha256Value{*sha256, std::nullopt};
  const auto md5 = key_from_hex(PasswordAlgorithm::Md5, value.substr(colon + 1));
  if (!md5) return std::nullopt;
  return Sha256Value{*sha256, *md5};
}

std::optional<StoreError> check_realm(std::string_view realm) {
  if (auto bad = auth::check_realm(realm)) return bad;
  if (realm.find('/') != std::string_view::npos) {
    return StoreError{Kind::InvalidInput,
                      "the realm contains '/', which separates the parts of a Redis key name"};
  }
  return std::nullopt;
}

std::optional<StoreError> check_user(std::string_view realm, std::string_view name) {
  if (auto bad = check_realm(realm)) return bad;  // with the '/' rule
  return auth::check_user(realm, name);
}

std::optional<StoreError> check_peer_range(std::string_view range) {
  if (range.empty()) return StoreError{Kind::InvalidInput, "the peer range is empty"};
  const bool token = std::all_of(range.begin(), range.end(), [](char c) {
    const auto b = static_cast<uint8_t>(c);
    return b > 0x20 && b < 0x7F;
  });
  if (!token || range.size() > kMaxPeerRangeBytes) {
    return StoreError{Kind::InvalidInput, "the peer range is not an IP, IP-IP range or CIDR block"};
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_number(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace tern::auth::redis_keys
