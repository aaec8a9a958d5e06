#pragma once
// coturn's Redis key schema (turndb/schema.userdb.redis and dbd_redis.c), so tern and
// coturn can share one Redis:
//   turn/realm/<realm>/user/<name>/key         hex MD5 key (string)
//   turn/realm/<realm>/user/<name>/password    clear password (coturn's older form; read only)
//   turn/realm/<realm>/secret                  REST-API secrets (set)
//   turn/realm/<realm>/user-quota, total-quota, max-bps   numbers (strings)
//   turn/realm/<realm>/allowed-peer-ip, denied-peer-ip    IP ranges (sets)
// and tern's own additions, which coturn never reads:
//   turn/realm/<realm>/user/<name>/sha256-key  "<hex SHA-256 key>:<hex MD5 key it was made
//                                              with>" (see parse_sha256_value)
//   turn/realm/<realm>/secret-created          secret -> unix time it was added (hash)

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auth/long_term_key.h"
#include "auth/sqlite_store.h"  // StoreError, RealmOptions

namespace tern::auth::redis_keys {

enum class UserField : uint8_t { Md5Key, Sha256Key, Password };
enum class RealmOption : uint8_t { UserQuota, TotalQuota, MaxBps };
enum class PeerList : uint8_t { Allowed, Denied };

inline constexpr std::string_view kPrefix = "turn/realm/";

std::string user_field(std::string_view realm, std::string_view name, UserField field);
std::string secrets(std::string_view realm);
std::string secret_created(std::string_view realm);
std::string realm_option(std::string_view realm, RealmOption option);
std::string peer_list(std::string_view realm, PeerList list);
// tern's revoked credentials: a sorted set of names scored by the unix time their
// revocation lapses, the key expiring with the last of them. Also the pub/sub channel on
// which ternctl announces one ("<expiry> <name>"), so every node refuses it at once.
std::string revoked(std::string_view realm);
std::string_view option_name(RealmOption option);  // "user-quota", ...
std::string_view peer_list_name(PeerList list);    // "allowed-peer-ip", ...

// SCAN/PSUBSCRIBE patterns. The realm is escaped, so a realm with * ? [ ] or \ in it
// matches itself only.
std::string users_pattern(std::string_view realm);       // turn/realm/<realm>/user/*
std::string realm_keys_pattern(std::string_view realm);  // turn/realm/<realm>/*
std::string glob_escape(std::string_view text);

// "turn/realm/<realm>/user/<name>/<field>" -> name and field; nullopt for any other key.
// Names may contain '/': the field is the last path element.
struct UserKey {
  std::string name;
  UserField field;
};
std::optional<UserKey> parse_user_key(std::string_view key, std::string_view realm);

// The realm of any "turn/realm/<realm>/..." key: the text up to the next '/'. (tern's
// writers refuse realms containing '/', which would make the key ambiguous.)
std::optional<std::string_view> realm_of(std::string_view key);

// Hex as stored: lower case on writing, either case on reading.
using auth::key_from_hex;  // long_term_key.h
using auth::to_hex;

// The sha256-key value binds the SHA-256 key to the MD5 key written with it. coturn's
// turnadmin changes a password by rewriting only `key`; a SHA-256 key whose MD5 no longer
// matches is then stale, and is dropped rather than letting the old password log in.
std::string sha256_value(const Key& sha256, const Key& md5);
struct Sha256Value {
  Key sha256;
  std::optional<Key> md5;  // absent for a bare hex value (written by hand)
};
std::optional<Sha256Value> parse_sha256_value(std::string_view value);

// What a writer may store. Same rules and messages as the sqlite store: printable UTF-8,
// RFC 8489's lengths; and no '/' in a realm (see realm_of).
std::optional<StoreError> check_realm(std::string_view realm);
std::optional<StoreError> check_user(std::string_view realm, std::string_view name);
// A peer range is stored as text for the server to parse; here it only has to be one
// printable token.
std::optional<StoreError> check_peer_range(std::string_view range);

// A decimal number as coturn writes it; nullopt for anything else.
std::optional<uint64_t> parse_number(std::string_view text);

}  // namespace tern::auth::redis_keys
