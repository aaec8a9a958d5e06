#pragma once
// Opening the store a ternctl command works on (the sqlite --userdb or --redis-userdb),
// and choosing its realm.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>
#include <string>

#include "admin/command_support.h"
#include "auth/file_locations.h"
#include "auth/redis_store.h"
#include "auth/sqlite_store.h"
#include "protocol/result.h"

namespace tern::admin {

struct StoreArgs {
  std::string userdb = std::string(auth::kDefaultUserdb);
  std::string redis_userdb;  // coturn's connection string; when set, the sqlite file is unused
  // nullopt: the store's only realm. ternd has no default realm, and a key derived for
  // another realm than ternd's never matches, so ternctl never invents one.
  std::optional<std::string> realm;
  bool json = false;
};

// The sqlite store, or the exit code of the failure already reported.
Result<auth::SqliteStore, int> open_store(const StoreArgs& args, auth::sqlite::OpenMode mode,
                                          Streams io);
Result<auth::RedisStore, int> open_redis(const StoreArgs& args, Streams io);

// Runs `work(store)` on the store the arguments name and returns its exit code, or that of
// the failure to open it. SqliteStore and RedisStore share their operations, so `work` is
// usually a generic lambda. `mode` applies to the sqlite file: commands that only read or
// delete never create one from a mistyped path.
template <typename Work>
int with_store(const StoreArgs& args, auth::sqlite::OpenMode mode, Streams io, Work&& work) {
  if (!args.redis_userdb.empty()) {
    auto store = open_redis(args, io);
    if (!store) return store.error();
    return work(*store);
  }
  auto store = open_store(args, mode, io);
  if (!store) return store.error();
  return work(*store);
}

// --realm when given, else the store's only realm. Guessing among several (or making one
// up for an empty store) would store keys ternd can never match.
template <typename Store>
Result<std::string, int> resolve_realm(const StoreArgs& args, Store& store, Streams io) {
  if (args.realm) return *args.realm;
  auto realms = store.realms();
  if (!realms) return unexpected(report(io, kExitFailed, realms.error().message));
  if (realms->size() == 1) return realms->front();
  return unexpected(report(
      io, kExitUsage,
      realms->empty() ? "--realm is required: the store has no realm yet (give ternd's --realm)"
                      : fmt::format("--realm is required: the store has several realms ({})",
                                    fmt::join(*realms, ", "))));
}

}  // namespace tern::admin
