#include "auth/sqlite_schema.h"

#include <sqlite3.h>

#include <array>
#include <climits>

#include <fmt/format.h>

namespace tern::auth::sqlite {
namespace {

// Long enough for ternctl's write and the server's reload to wait each other out, short
// enough that a stuck writer shows up as an error instead of a hang.
constexpr int kBusyTimeoutMs = 5000;

// Migration i takes a file from user_version i to i + 1. Never edit a released one; append.
// Keys, never passwords, are stored (RFC 8656 §6). sha256_key_hex is NULL for users whose
// only known key is an MD5 one (imported from coturn's turnadmin -k).
constexpr std::array kMigrations = {
    R"sql(
CREATE TABLE users (
  realm TEXT NOT NULL,
  name TEXT NOT NULL,
  md5_key_hex TEXT NOT NULL,
  sha256_key_hex TEXT,
  PRIMARY KEY (realm, name)
);
CREATE TABLE secrets (
  realm TEXT NOT NULL,
  value TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (realm, value)
);
CREATE TABLE realm_options (
  realm TEXT PRIMARY KEY,
  user_quota INTEGER NOT NULL DEFAULT 0,
  total_quota INTEGER NOT NULL DEFAULT 0,
  max_bps INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE peer_ranges (
  realm TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('allowed', 'denied')),
  range TEXT NOT NULL,
  PRIMARY KEY (realm, kind, range)
);
)sql",
    // Credentials revoked before they expire (auth/revocations.h); a row lapses at expiry.
    R"sql(
CREATE TABLE revoked (
  realm TEXT NOT NULL,
  name TEXT NOT NULL,
  expiry INTEGER NOT NULL,
  PRIMARY KEY (realm, name)
);
)sql",
};

Result<int, std::string> user_version(sqlite3* db) {
  auto stmt = Statement::prepare(db, "PRAGMA user_version");
  if (!stmt) return unexpected(stmt.error());
  if (stmt->step() != Statement::Step::Row) return unexpected(last_error(db));
  const auto version = static_cast<int>(stmt->integer(0));
  // A negative version (the pragma is any 32-bit number) would index kMigrations before
  // its start; no tern writes one, so the file was edited or damaged.
  if (version < 0) {
    return unexpected(fmt::format("its schema version {} is not one tern writes", version));
  }
  return version;
}

// The journal mode is a property of the file, so asking for it also proves the file is a
// database: a garbage file fails here with "file is not a database".
Status use_wal(sqlite3* db) {
  auto stmt = Statement::prepare(db, "PRAGMA journal_mode=WAL");
  if (!stmt) return unexpected(stmt.error());
  if (stmt->step() != Statement::Step::Row) return unexpected(last_error(db));
  // A filesystem without shared memory keeps the old mode; that is slower, not wrong.
  return std::monostate{};
}

Status migrate(sqlite3* db) {
  auto version = user_version(db);
  if (!version) return unexpected(version.error());
  if (*version > known_schema_version()) {
    return unexpected(
        fmt::format("its schema version {} is newer than this tern understands ({}); upgrade tern",
                    *version, known_schema_version()));
  }
  if (*version == known_schema_version()) return std::monostate{};

  auto tx = Transaction::begin(db, Transaction::Intent::Write);
  if (!tx) return unexpected(tx.error());
  // Another process may have migrated between the first read and the lock.
  version = user_version(db);
  if (!version) return unexpected(version.error());
  for (int v = *version; v < known_schema_version(); ++v) {
    if (auto done = exec(db, kMigrations[static_cast<size_t>(v)]); !done) {
      return unexpected(fmt::format("migration {} failed: {}", v + 1, done.error()));
    }
  }
  const std::string bump = fmt::format("PRAGMA user_version = {}", known_schema_version());
  if (auto done = exec(db, bump.c_str()); !done) return unexpected(done.error());
  return tx->commit();
}

}  // namespace

void DbClose::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}
void StmtFinalize::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

int known_schema_version() {
  return static_cast<int>(kMigrations.size());
}

std::string last_error(sqlite3* db) {
  return sqlite3_errmsg(db);
}

Result<DbPtr, std::string> open_database(const std::string& path, OpenMode mode) {
  sqlite3* raw = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | (mode == OpenMode::CreateIfMissing ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbPtr db(raw);  // owned even on failure: sqlite hands out a handle to report the error
  const auto failed = [&](std::string_view why) {
    return unexpected(fmt::format("cannot open user database {}: {}", path, why));
  };
  if (rc != SQLITE_OK) return failed(db ? last_error(db.get()) : sqlite3_errstr(rc));
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  if (auto wal = use_wal(db.get()); !wal) return failed(wal.error());
  if (auto migrated = migrate(db.get()); !migrated) return failed(migrated.error());
  return db;
}

Result<Statement, std::string> Statement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return unexpected(last_error(db));
  return Statement(std::move(stmt));
}

void Statement::note(int rc) {
  if (rc != SQLITE_OK) bind_failed_ = true;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (text.size() > INT_MAX) {
    bind_failed_ = true;
    return *this;
  }
  note(sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                         SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  note(sqlite3_bind_int64(stmt_.get(), index, value));
  return *this;
}

Statement& Statement::bind_null(int index) {
  note(sqlite3_bind_null(stmt_.get(), index));
  return *this;
}

Statement::Step Statement::step() {
  if (bind_failed_) return Step::Error;
  switch (sqlite3_step(stmt_.get())) {
    case SQLITE_ROW:
      return Step::Row;
    case SQLITE_DONE:
      return Step::Done;
    default:
      return Step::Error;
  }
}

std::string_view Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);  // after _text, as sqlite asks
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(n)};
}

int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

Status exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return unexpected(last_error(db));
  }
  return std::monostate{};
}

int64_t rows_changed(sqlite3* db) {
  return sqlite3_changes64(db);
}

Result<Transaction, std::string> Transaction::begin(sqlite3* db, Intent intent) {
  const char* sql = intent == Intent::Write ? "BEGIN IMMEDIATE" : "BEGIN";
  if (auto done = exec(db, sql); !done) return unexpected(done.error());
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::commit() {
  auto done = exec(db_, "COMMIT");
  if (done) db_ = nullptr;
  return done;
}

}  // namespace tern::auth::sqlite
