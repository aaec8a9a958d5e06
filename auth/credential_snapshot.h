#pragma once
// One realm as a store holds it, loaded into memory: users' keys, REST-API secrets, realm
// options and peer ranges. The sqlite and Redis stores each build one on reload and swap
// it in whole; every lookup answers from the snapshot it took, so a reload never stalls a
// packet and a lookup never sees half a reload.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/credential_source.h"
#include "auth/long_term_key.h"
#include "auth/revocations.h"
#include "auth/snapshot_cell.h"

namespace tern::auth {

// 0 means unlimited (or, on the server, "not set here": ternd's own flag applies).
struct RealmOptions {
  uint32_t user_quota = 0;
  uint32_t total_quota = 0;
  uint64_t max_bps = 0;

  bool operator==(const RealmOptions&) const = default;
};

struct CredentialSnapshot {
  struct Keys {
    Key md5;     // empty for a user known only by a SHA-256 key
    Key sha256;  // empty when only an MD5 key is known

    bool operator==(const Keys&) const = default;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::unordered_map<std::string, Keys, StringHash, std::equal_to<>> users;
  std::map<std::array<uint8_t, 32>, std::string> by_userhash;
  std::vector<std::string> secrets;  // the order the server tries them in: newest first
  RealmOptions options;
  // As the store holds them; ternd parses them when it builds its peer policy.
  std::vector<std::string> allowed_peer_ranges;  // sorted
  std::vector<std::string> denied_peer_ranges;   // sorted
  std::vector<Revocation> revoked;               // sorted; lapsed ones may linger until read again

  // Adds (or replaces) `name` and its USERHASH entry for `realm`.
  void add_user(const std::string& name, std::string_view realm, const Keys& keys);
  // Appends the key of `algorithm` that `username` has; false when it has none.
  bool lookup(std::string_view username, PasswordAlgorithm algorithm, CandidateKeys& out) const;
  std::optional<std::string> username_for_userhash(std::span<const uint8_t, 32> hash) const;

  // Equal users (and USERHASH entries, which follow from them), secrets, options, ranges.
  bool same_content(const CredentialSnapshot& other) const;
};

// What the stores' server sides hold: swapped whole on reload, read by every lookup.
using CredentialCell = SnapshotCell<CredentialSnapshot>;

}  // namespace tern::auth
