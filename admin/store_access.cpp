#include "admin/store_access.h"

namespace tern::admin {

Result<auth::SqliteStore, int> open_store(const StoreArgs& args, auth::sqlite::OpenMode mode,
                                          Streams io) {
  auto store = auth::SqliteStore::open(args.userdb, mode);
  if (!store) return unexpected(report(io, kExitFailed, store.error().message));
  return std::move(*store);
}

Result<auth::RedisStore, int> open_redis(const StoreArgs& args, Streams io) {
  auto store = auth::RedisStore::connect(args.redis_userdb);
  if (!store) return unexpected(report(io, kExitFailed, store.error().message));
  return std::move(*store);
}

}  // namespace tern::admin
