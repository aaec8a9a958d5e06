#include "auth/sqlite_store.h"
#include "auth/store_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace tern::auth {
namespace {

using sqlite::Statement;
using sqlite::Transaction;
using Kind = StoreError::Kind;

void bind_optional(Statement& stmt, int index, std::optional<std::string_view> value) {
  if (value) {
    stmt.bind(index, *value);
  } else {
    stmt.bind_null(index);
  }
}

}  // namespace

// ---- SqliteStore ---------------------------------------------------------------------

Result<SqliteStore, StoreError> SqliteStore::open(const std::string& path, sqlite::OpenMode mode) {
  auto db = sqlite::open_database(path, mode);
  if (!db) return store_failure(Kind::Open, db.error());
  return SqliteStore(path, std::move(*db));
}

StoreError SqliteStore::database_error() const {
  return {Kind::Database,
          fmt::format("user database {}: {}", path_, sqlite::last_error(db_.get()))};
}

StoreStatus SqliteStore::add_user(std::string_view realm, std::string_view name,
                                  std::string_view password) {
  if (auto bad = check_user(realm, name)) return unexpected(*bad);
  const auto keys = user_keys(realm, name, password);
  if (!keys) return unexpected(keys.error());
  auto stmt = Statement::prepare(db_.get(),
                                 "INSERT INTO users (realm, name, md5_key_hex, sha256_key_hex) "
                                 "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm)
      .bind(2, name)
      .bind(3, to_hex(keys->md5.bytes()))
      .bind(4, to_hex(keys->sha256.bytes()));
  if (stmt->step() != Statement::Step::Done) return unexpected(database_error());
  if (sqlite::rows_changed(db_.get()) == 0) {
    return user_exists(realm, name);
  }
  return std::monostate{};
}

StoreStatus SqliteStore::delete_user(std::string_view realm, std::string_view name) {
  auto stmt = Statement::prepare(db_.get(), "DELETE FROM users WHERE realm = ?1 AND name = ?2");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm).bind(2, name);
  if (stmt->step() != Statement::Step::Done) return unexpected(database_error());
  if (sqlite::rows_changed(db_.get()) == 0) {
    return store_failure(Kind::NotFound, fmt::format("no user {} in realm {}", name, realm));
  }
  return std::monostate{};
}

Result<std::vector<UserRecord>, StoreError> SqliteStore::list_users(
    std::optional<std::string_view> realm) {
  auto stmt = Statement::prepare(db_.get(),
                                 "SELECT realm, name, sha256_key_hex IS NOT NULL FROM users "
                                 "WHERE ?1 IS NULL OR realm = ?1 ORDER BY realm, name");
  if (!stmt) return unexpected(database_error());
  bind_optional(*stmt, 1, realm);
  std::vector<UserRecord> users;
  Statement::Step step;
  while ((step = stmt->step()) == Statement::Step::Row) {
    users.push_back(
        {std::string(stmt->text(0)), std::string(stmt->text(1)), stmt->integer(2) != 0});
  }
  if (step == Statement::Step::Error) return unexpected(database_error());
  // ORDER BY sorts by sqlite's types first (a name another tool stored as an integer comes
  // before every text), so the list is put in text order here.
  std::ranges::sort(users, {}, [](const UserRecord& u) { return std::tie(u.realm, u.name); });
  return users;
}

StoreStatus SqliteStore::add_secret(std::string_view realm, std::string_view value,
                                    int64_t created) {
  if (auto bad = check_realm(realm)) return unexpected(*bad);
  if (value.empty()) return store_failure(Kind::InvalidInput, "the secret is empty");
  auto stmt = Statement::prepare(db_.get(),
                                 "INSERT INTO secrets (realm, value, created) VALUES (?1, ?2, ?3) "
                                 "ON CONFLICT DO NOTHING");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm).bind(2, value).bind(3, created);
  if (stmt->step() != Statement::Step::Done) return unexpected(database_error());
  // The secret itself stays out of messages: they end up in terminals and logs.
  if (sqlite::rows_changed(db_.get()) == 0) {
    return store_failure(Kind::Exists, fmt::format("realm {} already has that secret", realm));
  }
  return std::monostate{};
}

StoreStatus SqliteStore::delete_secret(std::string_view realm, std::string_view value) {
  auto stmt = Statement::prepare(db_.get(), "DELETE FROM secrets WHERE realm = ?1 AND value = ?2");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm).bind(2, value);
  if (stmt->step() != Statement::Step::Done) return unexpected(database_error());
  if (sqlite::rows_changed(db_.get()) == 0) {
    return store_failure(Kind::NotFound, fmt::format("realm {} has no such secret", realm));
  }
  return std::monostate{};
}

Result<std::vector<SecretRecord>, StoreError> SqliteStore::list_secrets(
    std::optional<std::string_view> realm) {
  auto stmt = Statement::prepare(db_.get(),
                                 "SELECT realm, value, created FROM secrets WHERE ?1 IS NULL OR "
                                 "realm = ?1 ORDER BY realm, created DESC, value");
  if (!stmt) return unexpected(database_error());
  bind_optional(*stmt, 1, realm);
  std::vector<SecretRecord> secrets;
  Statement::Step step;
  while ((step = stmt->step()) == Statement::Step::Row) {
    secrets.push_back({std::string(stmt->text(0)), std::string(stmt->text(1)), stmt->integer(2)});
  }
  if (step == Statement::Step::Error) return unexpected(database_error());
  return secrets;
}

StoreStatus SqliteStore::set_realm_options(std::string_view realm, const RealmOptions& options) {
  if (auto bad = check_realm(realm)) return unexpected(*bad);
  if (options.max_bps > static_cast<uint64_t>(INT64_MAX)) {
    return store_failure(Kind::InvalidInput, "max-bps is out of range");
  }
  auto stmt = Statement::prepare(
      db_.get(),
      "INSERT INTO realm_options (realm, user_quota, total_quota, max_bps) "
      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (realm) DO UPDATE SET user_quota = excluded.user_quota, "
      "total_quota = excluded.total_quota, max_bps = excluded.max_bps");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm)
      .bind(2, int64_t{options.user_quota})
      .bind(3, int64_t{options.total_quota})
      .bind(4, static_cast<int64_t>(options.max_bps));
  if (stmt->step() != Statement::Step::Done) return unexpected(database_error());
  return std::monostate{};
}

Result<RealmOptions, StoreError> SqliteStore::realm_options(std::string_view realm) {
  auto stmt = Statement::prepare(
      db_.get(), "SELECT user_quota, total_quota, max_bps FROM realm_options WHERE realm = ?1");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm);
  RealmOptions options;
  switch (stmt->step()) {
    case Statement::Step::Row:
      // Clamped: the file may have been edited by hand with values no setter would write.
      options.user_quota =
          static_cast<uint32_t>(std::clamp<int64_t>(stmt->integer(0), 0, UINT32_MAX));
      options.total_quota =
          static_cast<uint32_t>(std::clamp<int64_t>(stmt->integer(1), 0, UINT32_MAX));
      options.max_bps = static_cast<uint64_t>(std::max<int64_t>(stmt->integer(2), 0));
      return options;
    case Statement::Step::Done:
      return options;
    case Statement::Step::Error:
      break;
  }
  return unexpected(database_error());
}

Result<std::vector<std::string>, StoreError> SqliteStore::realms() {
  auto stmt = Statement::prepare(db_.get(),
                                 "SELECT realm FROM users UNION SELECT realm FROM secrets UNION "
                                 "SELECT realm FROM realm_options UNION SELECT realm FROM "
                                 "peer_ranges ORDER BY 1");
  if (!stmt) return unexpected(database_error());
  std::vector<std::string> realms;
  Statement::Step step;
  while ((step = stmt->step()) == Statement::Step::Row) realms.emplace_back(stmt->text(0));
  if (step == Statement::Step::Error) return unexpected(database_error());
  return realms;
}

StoreStatus SqliteStore::revoke(std::string_view realm, const Revocation& revocation, int64_t now) {
  auto tx = Transaction::begin(db_.get(), Transaction::Intent::Write);
  if (!tx) return unexpected(database_error());
  auto purge = Statement::prepare(db_.get(), "DELETE FROM revoked WHERE expiry < ?1");
  if (!purge) return unexpected(database_error());
  purge->bind(1, now);
  if (purge->step() != Statement::Step::Done) return unexpected(database_error());
  auto add = Statement::prepare(db_.get(),
                                "INSERT INTO revoked (realm, name, expiry) VALUES (?1, ?2, ?3) "
                                "ON CONFLICT (realm, name) DO UPDATE SET "
                                "expiry = max(expiry, excluded.expiry)");
  if (!add) return unexpected(database_error());
  add->bind(1, realm).bind(2, revocation.name).bind(3, revocation.expiry);
  if (add->step() != Statement::Step::Done) return unexpected(database_error());
  if (auto done = tx->commit(); !done) return unexpected(database_error());
  return std::monostate{};
}

Result<std::vector<Revocation>, StoreError> SqliteStore::list_revoked(std::string_view realm,
                                                                      int64_t now) {
  auto stmt = Statement::prepare(
      db_.get(),
      "SELECT name, expiry FROM revoked WHERE realm = ?1 AND expiry >= ?2 ORDER BY name, expiry");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm).bind(2, now);
  std::vector<Revocation> out;
  Statement::Step step;
  while ((step = stmt->step()) == Statement::Step::Row) {
    out.push_back({std::string(stmt->text(0)), stmt->integer(1)});
  }
  if (step == Statement::Step::Error) return unexpected(database_error());
  return out;
}

// ---- SqliteCredentials ---------------------------------------------------------------

Result<std::unique_ptr<SqliteCredentials>, StoreError> SqliteCredentials::open(
    const std::string& path, std::string realm) {
  auto db = sqlite::open_database(path, sqlite::OpenMode::ExistingOnly);
  if (!db) return store_failure(Kind::Open, db.error());
  auto credentials =
      std::make_unique<SqliteCredentials>(Passkey{}, path, std::move(realm), std::move(*db));
  if (auto loaded = credentials->reload(); !loaded) return unexpected(loaded.error());
  return credentials;
}

StoreError SqliteCredentials::database_error() const {
  return {Kind::Database,
          fmt::format("user database {}: {}", path_, sqlite::last_error(db_.get()))};
}

Result<SqliteCredentials::LoadSummary, StoreError> SqliteCredentials::reload() {
  std::lock_guard reload_lock(reload_mutex_);
  // One read transaction: everything comes from the same version of the file.
  auto tx = Transaction::begin(db_.get(), Transaction::Intent::Read);
  if (!tx) return unexpected(database_error());

  auto next = std::make_shared<CredentialSnapshot>();
  LoadSummary summary;
  if (auto bad = load_users(*next, summary)) return unexpected(*bad);
  if (auto bad = load_secrets(*next)) return unexpected(*bad);
  if (auto bad = load_realm(*next)) return unexpected(*bad);
  if (auto bad = load_revoked(*next)) return unexpected(*bad);
  if (auto done = tx->commit(); !done) return unexpected(database_error());

  summary.users = next->users.size();
  summary.secrets = next->secrets.size();
  snapshot_.set(std::move(next));
  return summary;
}

std::optional<StoreError> SqliteCredentials::load_users(CredentialSnapshot& into,
                                                        LoadSummary& summary) {
  auto users = Statement::prepare(
      db_.get(), "SELECT name, md5_key_hex, sha256_key_hex FROM users WHERE realm = ?1");
  if (!users) return database_error();
  users->bind(1, realm_);
  Statement::Step step;
  while ((step = users->step()) == Statement::Step::Row) {
    const std::string name(users->text(0));
    const auto md5 = key_from_hex(PasswordAlgorithm::Md5, users->text(1));
    const auto sha256 = users->is_null(2) ? std::optional<Key>(Key())
                                          : key_from_hex(PasswordAlgorithm::Sha256, users->text(2));
    if (!md5 || !sha256) {
      summary.skipped.push_back(
          fmt::format("user {} in realm {}: its key is not hex of the right length", name, realm_));
      continue;
    }
    into.add_user(name, realm_, {*md5, *sha256});
  }
  if (step == Statement::Step::Error) return database_error();
  return std::nullopt;
}

std::optional<StoreError> SqliteCredentials::load_secrets(CredentialSnapshot& into) {
  auto secrets = Statement::prepare(
      db_.get(), "SELECT value FROM secrets WHERE realm = ?1 ORDER BY created DESC, value");
  if (!secrets) return database_error();
  secrets->bind(1, realm_);
  Statement::Step step;
  while ((step = secrets->step()) == Statement::Step::Row)
    into.secrets.emplace_back(secrets->text(0));
  if (step == Statement::Step::Error) return database_error();
  return std::nullopt;
}

std::optional<StoreError> SqliteCredentials::load_realm(CredentialSnapshot& into) {
  auto options = Statement::prepare(
      db_.get(), "SELECT user_quota, total_quota, max_bps FROM realm_options WHERE realm = ?1");
  if (!options) return database_error();
  options->bind(1, realm_);
  switch (options->step()) {
    case Statement::Step::Row:
      // Clamped as SqliteStore::realm_options does: a hand-edited file may hold anything.
      into.options.user_quota =
          static_cast<uint32_t>(std::clamp<int64_t>(options->integer(0), 0, UINT32_MAX));
      into.options.total_quota =
          static_cast<uint32_t>(std::clamp<int64_t>(options->integer(1), 0, UINT32_MAX));
      into.options.max_bps = static_cast<uint64_t>(std::max<int64_t>(options->integer(2), 0));
      break;
    case Statement::Step::Done:
      break;
    case Statement::Step::Error:
      return database_error();
  }
  auto ranges = Statement::prepare(
      db_.get(), "SELECT kind, range FROM peer_ranges WHERE realm = ?1 ORDER BY kind, range");
  if (!ranges) return database_error();
  ranges->bind(1, realm_);
  Statement::Step step;
  while ((step = ranges->step()) == Statement::Step::Row) {
    auto& list = ranges->text(0) == "allowed" ? into.allowed_peer_ranges : into.denied_peer_ranges;
    list.emplace_back(ranges->text(1));
  }
  if (step == Statement::Step::Error) return database_error();
  // ORDER BY is not enough: SQLite sorts a BLOB after every TEXT, and a hand-edited file
  // may hold either, while the snapshot promises byte order.
  std::ranges::sort(into.allowed_peer_ranges);
  std::ranges::sort(into.denied_peer_ranges);
  return std::nullopt;
}

size_t SqliteCredentials::user_count() const {
  return snapshot()->users.size();
}

std::shared_ptr<const std::vector<std::string>> SqliteCredentials::secrets() const {
  auto snapshot = this->snapshot();
  return {snapshot, &snapshot->secrets};  // shares ownership of the snapshot
}

bool SqliteCredentials::lookup(std::string_view username, std::string_view realm,
                               PasswordAlgorithm algorithm, int64_t /*now*/,
                               CandidateKeys& out) const {
  return realm == realm_ && snapshot()->lookup(username, algorithm, out);
}

std::optional<std::string> SqliteCredentials::username_for_userhash(
    std::span<const uint8_t, 32> hash, std::string_view realm) const {
  if (realm != realm_) return std::nullopt;
  return snapshot()->username_for_userhash(hash);
}

}  // namespace tern::auth

namespace tern::auth {

std::optional<StoreError> SqliteCredentials::load_revoked(CredentialSnapshot& into) {
  auto stmt = Statement::prepare(
      db_.get(), "SELECT name, expiry FROM revoked WHERE realm = ?1 ORDER BY name, expiry");
  if (!stmt) return database_error();
  stmt->bind(1, realm_);
  Statement::Step step;
  while ((step = stmt->step()) == Statement::Step::Row) {
    into.revoked.push_back({std::string(stmt->text(0)), stmt->integer(1)});
  }
  if (step == Statement::Step::Error) return database_error();
  return std::nullopt;
}

}  // namespace tern::auth
