#pragma once
// The sqlite file behind the embedded credential store: owning handles, opening with the
// settings every connection needs, the schema's migrations, and prepared statements whose
// parameters are always bound (user input never becomes SQL text).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "protocol/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tern::auth::sqlite {

struct DbClose {
  void operator()(sqlite3* db) const;
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* stmt) const;
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// Success carries nothing; a failure carries sqlite's message.
using Status = Result<std::monostate, std::string>;

// The number of migrations this build knows; PRAGMA user_version holds how many a file has
// had. A file with a higher number was written by a newer tern and is refused rather than
// misread.
int known_schema_version();

enum class OpenMode : uint8_t {
  CreateIfMissing,
  ExistingOnly,  // a mistyped path is an error, not a new empty database
};

// Opens `path`, switches to WAL so the server's reloads never
// wait on ternctl's writes, sets a busy timeout, and applies the migrations the file has not
// had. The error is a whole sentence naming the file.
Result<DbPtr, std::string> open_database(const std::string& path, OpenMode mode);

// sqlite's message for the last failure on `db`.
std::string last_error(sqlite3* db);

class Statement {
 public:
  enum class Step : uint8_t { Row, Done, Error };

  // Fails only for SQL the code itself got wrong, or a file that is not a database.
  static Result<Statement, std::string> prepare(sqlite3* db, std::string_view sql);

  // 1-based, as in sqlite. A failed bind makes the next step() an Error.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  Statement& bind_null(int index);

  Step step();

  std::string_view text(int column) const;  // "" for NULL
  int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  explicit Statement(StmtPtr stmt) : stmt_(std::move(stmt)) {}
  void note(int rc);

  StmtPtr stmt_;
  bool bind_failed_ = false;
};

// Runs statements that take no parameters and return no rows (schema, BEGIN/COMMIT).
Status exec(sqlite3* db, const char* sql);

// Rows inserted, updated or deleted by the last statement on `db`.
int64_t rows_changed(sqlite3* db);

// ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  // Read: one consistent view across several SELECTs. Write: BEGIN IMMEDIATE, so two
  // writers queue on the busy timeout instead of failing on a read-to-write lock upgrade.
  enum class Intent : uint8_t { Read, Write };
  static Result<Transaction, std::string> begin(sqlite3* db, Intent intent);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  Status commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace tern::auth::sqlite
