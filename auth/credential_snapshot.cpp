#include "auth/credential_snapshot.h"

#include <algorithm>

namespace tern::auth {

void CredentialSnapshot::add_user(const std::string& name, std::string_view realm,
                                  const Keys& keys) {
  by_userhash.insert_or_assign(userhash(name, realm), name);
  users.insert_or_assign(name, keys);
}

bool CredentialSnapshot::lookup(std::string_view username, PasswordAlgorithm algorithm,
                                CandidateKeys& out) const {
  const auto it = users.find(username);
  if (it == users.end()) return false;
  const Key& key = algorithm == PasswordAlgorithm::Sha256 ? it->second.sha256 : it->second.md5;
  return !key.empty() && out.add(key);
}

std::optional<std::string> CredentialSnapshot::username_for_userhash(
    std::span<const uint8_t, 32> hash) const {
  std::array<uint8_t, 32> h{};
  std::ranges::copy(hash, h.begin());
  const auto it = by_userhash.find(h);
  if (it == by_userhash.end()) return std::nullopt;
  return it->second;
}

bool CredentialSnapshot::same_content(const CredentialSnapshot& other) const {
  return users == other.users && secrets == other.secrets && options == other.options &&
         allowed_peer_ranges == other.allowed_peer_ranges &&
         denied_peer_ranges == other.denied_peer_ranges && revoked == other.revoked;
}

}  // namespace tern::auth
