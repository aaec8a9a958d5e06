#pragma once
// The Redis credential store, admin side (ternctl): reads and writes coturn's keys
// (auth/redis_keys.h) with blocking hiredis calls, which suit a command-line tool. Same
// operations, error kinds and messages as SqliteStore, so ternctl treats both alike.
// Every command goes as an argv: names and passwords are never formatted into command
// text.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/redis_keys.h"
#include "auth/sqlite_store.h"  // StoreError, StoreStatus, UserRecord, SecretRecord, RealmOptions
#include "base/redis/redis_blocking.h"
#include "base/redis/redis_connection_string.h"
#include "protocol/result.h"

namespace tern::auth {

class RedisStore {
 public:
  using PeerList = redis_keys::PeerList;

  // Connects, logs in and selects the database, each bounded by connect_timeout (which
  // also bounds every later command). Errors are Kind::Open and name the server:
  // "redis 127.0.0.1:6390: Connection refused".
  static Result<RedisStore, StoreError> connect(std::string_view connection_string);
  static Result<RedisStore, StoreError> connect(const RedisConnectionConfig& config);

  // Writes coturn's `key` (hex MD5 key) and tern's `sha256-key`. Exists when the realm
  // already has the name (as a key or as coturn's clear password).
  StoreStatus add_user(std::string_view realm, std::string_view name, std::string_view password);
  // Removes every key of the user (MD5, SHA-256, clear password).
  StoreStatus delete_user(std::string_view realm, std::string_view name);
  // Sorted by realm, then name. nullopt: every realm.
  Result<std::vector<UserRecord>, StoreError> list_users(
      std::optional<std::string_view> realm = std::nullopt);

  // `created` goes to tern's secret-created hash; it orders list_secrets and the server's
  // tries. Secrets added by coturn have no date (created 0) and sort last.
  StoreStatus add_secret(std::string_view realm, std::string_view value, int64_t created);
  StoreStatus delete_secret(std::string_view realm, std::string_view value);
  // Newest first, then by value; sorted by realm first when listing every realm.
  Result<std::vector<SecretRecord>, StoreError> list_secrets(
      std::optional<std::string_view> realm = std::nullopt);

  // As coturn: a value of 0 (unlimited) deletes the key.
  StoreStatus set_realm_options(std::string_view realm, const RealmOptions& options);
  // The defaults when none were set. A value that is not a number is a Database error
  // naming the key (someone wrote it by hand).
  Result<RealmOptions, StoreError> realm_options(std::string_view realm);

  // coturn's turn/realm/<realm>/allowed-peer-ip and denied-peer-ip sets. The range is
  // stored as given; the server parses it (IP, IP-IP or CIDR).
  StoreStatus add_peer_range(std::string_view realm, PeerList list, std::string_view range);
  StoreStatus delete_peer_range(std::string_view realm, PeerList list, std::string_view range);
  Result<std::vector<std::string>, StoreError> peer_ranges(std::string_view realm, PeerList list);

  // As SqliteStore's: ZADD to turn/realm/<realm>/revoked (a later expiry kept), lapsed
  // ones purged, the key set to expire with its last member. Then PUBLISHes it on that
  // name, so nodes refuse it at once; `listeners` gets how many nodes heard it.
  StoreStatus revoke(std::string_view realm, const Revocation& revocation, int64_t now,
                     int64_t* listeners = nullptr);
  Result<std::vector<Revocation>, StoreError> list_revoked(std::string_view realm, int64_t now);

  // Every realm with any key under turn/realm/, sorted.
  Result<std::vector<std::string>, StoreError> realms();

  const std::string& address() const { return redis_.address(); }

 private:
  using ReplyPtr = RedisReplyPtr;

  explicit RedisStore(RedisBlocking redis) : redis_(std::move(redis)) {}

  // An error reply is a Database error too, so a reply handed back is never an error.
  Result<ReplyPtr, StoreError> command(std::initializer_list<std::string_view> argv);
  Result<ReplyPtr, StoreError> command(const std::vector<std::string_view>& argv);
  Result<std::vector<std::string>, StoreError> scan(const std::string& pattern);
  Result<std::vector<std::string>, StoreError> members(const std::string& key);
  StoreError failure(std::string_view what) const;

  RedisBlocking redis_;
};

}  // namespace tern::auth
