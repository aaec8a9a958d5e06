#include "admin/sqlite_peer_ranges.h"

#include <fmt/format.h>

namespace tern::admin {
namespace {

using auth::StoreError;
using auth::sqlite::Statement;
using Kind = StoreError::Kind;

// The table's `kind` column.
std::string_view kind_of(SqlitePeerRanges::PeerList list) {
  return list == SqlitePeerRanges::PeerList::Allowed ? "allowed" : "denied";
}

// coturn's option names, as RedisStore's messages use them.
std::string_view list_name(SqlitePeerRanges::PeerList list) {
  return list == SqlitePeerRanges::PeerList::Allowed ? "allowed-peer-ip" : "denied-peer-ip";
}

}  // namespace

Result<SqlitePeerRanges, StoreError> SqlitePeerRanges::open(const std::string& path,
                                                            auth::sqlite::OpenMode mode) {
  auto db = auth::sqlite::open_database(path, mode);
  if (!db) return unexpected(StoreError{Kind::Open, db.error()});
  return SqlitePeerRanges(path, std::move(*db));
}

StoreError SqlitePeerRanges::database_error() const {
  return {Kind::Database,
          fmt::format("user database {}: {}", path_, auth::sqlite::last_error(db_.get()))};
}

auth::StoreStatus SqlitePeerRanges::add_peer_range(std::string_view realm, PeerList list,
                                                   std::string_view range) {
  // OR IGNORE plus the change count tells a duplicate apart from a failure.
  auto stmt = Statement::prepare(
      db_.get(), "INSERT OR IGNORE INTO peer_ranges (realm, kind, range) VALUES (?1, ?2, ?3)");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm).bind(2, kind_of(list)).bind(3, range);
  if (stmt->step() != Statement::Step::Done) return unexpected(database_error());
  if (auth::sqlite::rows_changed(db_.get()) == 0) {
    return unexpected(StoreError{
        Kind::Exists, fmt::format("realm {} already has {} {}", realm, list_name(list), range)});
  }
  return std::monostate{};
}

auth::StoreStatus SqlitePeerRanges::delete_peer_range(std::string_view realm, PeerList list,
                                                      std::string_view range) {
  auto stmt = Statement::prepare(
      db_.get(), "DELETE FROM peer_ranges WHERE realm = ?1 AND kind = ?2 AND range = ?3");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm).bind(2, kind_of(list)).bind(3, range);
  if (stmt->step() != Statement::Step::Done) return unexpected(database_error());
  if (auth::sqlite::rows_changed(db_.get()) == 0) {
    return unexpected(StoreError{
        Kind::NotFound, fmt::format("realm {} has no {} {}", realm, list_name(list), range)});
  }
  return std::monostate{};
}

Result<std::vector<std::string>, StoreError> SqlitePeerRanges::peer_ranges(std::string_view realm,
                                                                           PeerList list) {
  auto stmt = Statement::prepare(
      db_.get(), "SELECT range FROM peer_ranges WHERE realm = ?1 AND kind = ?2 ORDER BY 1");
  if (!stmt) return unexpected(database_error());
  stmt->bind(1, realm).bind(2, kind_of(list));
  std::vector<std::string> out;
  Statement::Step step;
  while ((step = stmt->step()) == Statement::Step::Row) out.emplace_back(stmt->text(0));
  if (step == Statement::Step::Error) return unexpected(database_error());
  return out;
}

}  // namespace tern::admin
