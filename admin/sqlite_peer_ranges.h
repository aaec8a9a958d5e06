#pragma once
// A realm's peer-address ranges in the sqlite store's peer_ranges table, with the same
// operations, errors and messages as RedisStore's, so ternctl's peer commands work on
// either store. (SqliteStore keeps users, secrets and realm options; this table of the
// same schema is written through a connection of its own.)

#include <string>
#include <string_view>
#include <vector>

#include "auth/redis_store.h"
#include "auth/sqlite_schema.h"
#include "auth/sqlite_store.h"
#include "protocol/result.h"

namespace tern::admin {

class SqlitePeerRanges {
 public:
  using PeerList = auth::RedisStore::PeerList;

  static Result<SqlitePeerRanges, auth::StoreError> open(const std::string& path,
                                                         auth::sqlite::OpenMode mode);

  // Exists when the list already holds the range.
  auth::StoreStatus add_peer_range(std::string_view realm, PeerList list, std::string_view range);
  // NotFound when it does not.
  auth::StoreStatus delete_peer_range(std::string_view realm, PeerList list,
                                      std::string_view range);
  // Sorted.
  Result<std::vector<std::string>, auth::StoreError> peer_ranges(std::string_view realm,
                                                                 PeerList list);

 private:
  SqlitePeerRanges(std::string path, auth::sqlite::DbPtr db)
      : path_(std::move(path)), db_(std::move(db)) {}
  auth::StoreError database_error() const;

  std::string path_;
  auth::sqlite::DbPtr db_;
};

}  // namespace tern::admin
