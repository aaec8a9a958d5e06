#pragma once
// The embedded credential store: a sqlite file of users' keys (never their passwords,
// RFC 8656 §6), REST-API secrets and realm options. Two sides share it:
//  - SqliteStore, the admin side (ternctl), reads and writes rows;
//  - SqliteCredentials, the server side, loads one realm into memory and answers every
//    lookup from there, so a packet never waits on the file.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "auth/credential_snapshot.h"  // RealmOptions too
#include "auth/credential_source.h"
#include "auth/sqlite_schema.h"
#include "auth/store_error.h"
#include "protocol/result.h"

namespace tern::auth {

struct UserRecord {
  std::string realm;
  std::string name;
  bool has_sha256_key = false;  // false for users imported with only an MD5 key

  bool operator==(const UserRecord&) const = default;
};

struct SecretRecord {
  std::string realm;
  std::string value;
  int64_t created = 0;  // seconds since the epoch

  bool operator==(const SecretRecord&) const = default;
};

class SqliteStore {
 public:
  // Brings the file's schema up to date.
  static Result<SqliteStore, StoreError> open(
      const std::string& path, sqlite::OpenMode mode = sqlite::OpenMode::CreateIfMissing);

  // Stores MD5 and SHA-256 keys of SASLprep(password). Exists when the realm already has
  // the name (use delete first: a silent overwrite would hide a typo'd name).
  StoreStatus add_user(std::string_view realm, std::string_view name, std::string_view password);
  StoreStatus delete_user(std::string_view realm, std::string_view name);
  // Sorted by realm, then name. nullopt: every realm.
  Result<std::vector<UserRecord>, StoreError> list_users(
      std::optional<std::string_view> realm = std::nullopt);

  StoreStatus add_secret(std::string_view realm, std::string_view value, int64_t created);
  StoreStatus delete_secret(std::string_view realm, std::string_view value);
  // Newest first, the order a server tries them in during rotation.
  Result<std::vector<SecretRecord>, StoreError> list_secrets(
      std::optional<std::string_view> realm = std::nullopt);

  StoreStatus set_realm_options(std::string_view realm, const RealmOptions& options);
  // The defaults when none were set.
  Result<RealmOptions, StoreError> realm_options(std::string_view realm);

  // Revokes `revocation` in `realm` until its expiry (a later one kept when it is there
  // already), and purges the revocations lapsed before `now`, so the table stays small.
  StoreStatus revoke(std::string_view realm, const Revocation& revocation, int64_t now);
  // Those in force at `now`, sorted by name.
  Result<std::vector<Revocation>, StoreError> list_revoked(std::string_view realm, int64_t now);

  // Every realm that has a user, a secret or options, sorted.
  Result<std::vector<std::string>, StoreError> realms();

 private:
  SqliteStore(std::string path, sqlite::DbPtr db) : path_(std::move(path)), db_(std::move(db)) {}
  StoreError database_error() const;

  std::string path_;
  sqlite::DbPtr db_;
};

class SqliteCredentials final : public CredentialSource {
 public:
  // What a reload saw; `skipped` names rows that could not be used (a key that is not hex
  // of the right length: a hand-edited file), one line each for the log.
  struct LoadSummary {
    size_t users = 0;
    size_t secrets = 0;
    std::vector<std::string> skipped;
  };

  // Opens an existing file (bringing its schema up to date) and loads `realm`. A missing
  // file is an error rather than a server that silently knows nobody.
  static Result<std::unique_ptr<SqliteCredentials>, StoreError> open(const std::string& path,
                                                                     std::string realm);

  struct Passkey {  // lets make_unique call the constructor while only open() can
    explicit Passkey() = default;
  };
  SqliteCredentials(Passkey, std::string path, std::string realm, sqlite::DbPtr db)
      : path_(std::move(path)), realm_(std::move(realm)), db_(std::move(db)) {}

  // Re-reads users, secrets, the realm's options and peer ranges and swaps them in at once. Lookups
  // running meanwhile finish with the old snapshot; on error the old snapshot stays. One reload at
  // a time (the caller's timer); safe alongside any number of lookups.
  Result<LoadSummary, StoreError> reload();

  size_t user_count() const;
  // The realm's REST-API secrets, newest first, for RestSecrets::set_secrets.
  std::shared_ptr<const std::vector<std::string>> secrets() const;
  // The whole realm as last loaded (options and peer ranges for ternd's policy).
  std::shared_ptr<const CredentialSnapshot> snapshot() const { return snapshot_.get(); }

  bool lookup(std::string_view username, std::string_view realm, PasswordAlgorithm algorithm,
              int64_t now, CandidateKeys& out) const override;
  std::optional<std::string> username_for_userhash(std::span<const uint8_t, 32> hash,
                                                   std::string_view realm) const override;
  bool supports_userhash() const override { return true; }

 private:
  StoreError database_error() const;
  // Each fills its part of `into` inside reload()'s read transaction.
  std::optional<StoreError> load_users(CredentialSnapshot& into, LoadSummary& summary);
  std::optional<StoreError> load_secrets(CredentialSnapshot& into);
  std::optional<StoreError> load_realm(CredentialSnapshot& into);
  std::optional<StoreError> load_revoked(CredentialSnapshot& into);

  std::string path_;
  std::string realm_;
  std::mutex reload_mutex_;  // guards db_: sqlite work happens only in reload()
  sqlite::DbPtr db_;
  CredentialCell snapshot_;
};

}  // namespace tern::auth
